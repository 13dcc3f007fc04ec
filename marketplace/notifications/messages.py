"""People-facing notification texts in Vietnamese and English."""

from .models import NotificationKind as K

#: notification kind -> locale -> text template (``str.format`` over the notification's data)
MESSAGES: dict[str, dict[str, str]] = {
    K.RFQ_INVITATION: {"vi": "Bạn được mời báo giá cho yêu cầu #{rfq_id}: {title}",
                       "en": "You are invited to quote on RFQ #{rfq_id}: {title}"},
    K.QUOTE_RECEIVED: {"vi": "Có báo giá mới #{quote_id} cho yêu cầu #{rfq_id}",
                       "en": "New quote #{quote_id} on RFQ #{rfq_id}"},
    K.QUOTE_REVISED: {"vi": "Báo giá #{quote_id} đã được sửa (phiên bản {revision})",
                      "en": "Quote #{quote_id} was revised (version {revision})"},
    K.REVISION_REQUESTED: {"vi": "Người mua đề nghị sửa báo giá #{quote_id}: {message}",
                           "en": "The buyer asks you to revise quote #{quote_id}: {message}"},
    K.QUOTE_NOT_SELECTED: {"vi": "Báo giá #{quote_id} không được chọn cho yêu cầu #{rfq_id}",
                           "en": "Quote #{quote_id} was not selected for RFQ #{rfq_id}"},
    K.DEAL_AWARDED: {"vi": "Bạn đã trúng thầu: giao dịch #{deal_id}", "en": "You won a deal: #{deal_id}"},
    K.DEAL_FUNDED: {"vi": "Giao dịch #{deal_id} đã được ký quỹ; bạn có thể giao hàng",
                    "en": "Deal #{deal_id} is funded in escrow; you may ship"},
    K.DEAL_RELEASED: {"vi": "Tiền của giao dịch #{deal_id} đã được giải ngân",
                      "en": "Money for deal #{deal_id} has been released"},
    K.DISPUTE_OPENED: {"vi": "Người mua mở khiếu nại #{dispute_id} cho giao dịch #{deal_id}",
                       "en": "The buyer opened dispute #{dispute_id} on deal #{deal_id}"},
    K.RFQ_APPROVAL_REQUESTED: {"vi": "Yêu cầu báo giá #{rfq_id} ({title}) đang chờ phê duyệt",
                               "en": "RFQ #{rfq_id} ({title}) is waiting for approval"},
    K.RFQ_APPROVED: {"vi": "Yêu cầu báo giá #{rfq_id} ({title}) đã được phê duyệt và công bố",
                     "en": "RFQ #{rfq_id} ({title}) was approved and published"},
    K.RFQ_APPROVAL_REJECTED: {"vi": "Yêu cầu báo giá #{rfq_id} ({title}) bị trả lại: {reason}",
                              "en": "RFQ #{rfq_id} ({title}) was sent back: {reason}"},
    K.VENDOR_REVERIFICATION: {"vi": "Thay đổi {fields_vi} cần được xác minh lại; các khoản chi trả tạm giữ đến khi quản trị"
                                    " viên duyệt",
                              "en": "Your change of {fields_en} needs re-verification; payouts are on hold until an"
                                    " admin reviews it"},
    K.VENDOR_VERIFIED: {"vi": "Doanh nghiệp của bạn đã được xác minh", "en": "Your business has been verified"},
    K.VENDOR_REJECTED: {"vi": "Hồ sơ xác minh bị từ chối: {reason}", "en": "Your verification was rejected: {reason}"},
    K.DELIVERY_REPORTED: {"vi": "Nhà cung cấp báo đã giao hàng của giao dịch #{deal_id}: hãy xác nhận đã nhận hàng hoặc"
                                " mở khiếu nại trước {confirm_by}; nếu không trả lời, hàng được coi là đã giao",
                          "en": "The vendor reports deal #{deal_id} delivered: confirm receipt or open a dispute by"
                                " {confirm_by}; without an answer the goods count as delivered"},
    K.PAYMENT_LAPSED: {"vi": "Giao dịch #{deal_id} không được thanh toán trước hạn {due} nên đã bị hủy; tiền chuyển đến"
                             " sau đó sẽ được hoàn lại cho bên mua",
                       "en": "Deal #{deal_id} was not paid by {due} and is cancelled; money arriving later is refunded"
                             " to the buyer"},
    K.SHIP_BY_DUE: {"vi": "Giao dịch #{deal_id} cần được giao hàng trước {ship_by}; từ {cancellable_from} bên mua có thể"
                          " hủy và được hoàn tiền toàn bộ",
                    "en": "Ship deal #{deal_id} by {ship_by}; from {cancellable_from} the buyer may cancel it with a"
                          " full refund"},
    K.DEAL_CANCELLED_UNSHIPPED: {"vi": "Bên mua đã hủy giao dịch #{deal_id} vì hàng chưa được giao đúng hạn; tiền ký quỹ"
                                       " được hoàn lại cho bên mua",
                                 "en": "The buyer cancelled deal #{deal_id} because it was not shipped in time; the"
                                       " escrowed money is refunded to the buyer"},
}


def render(kind: str, data: dict, locale: str = "vi") -> str:
    """The text of a notification in ``locale`` (English when the locale has none; the kind when unknown)."""
    texts = MESSAGES.get(kind)
    if texts is None:
        return kind
    template = texts.get(locale) or texts["en"]
    try:
        return template.format(**data)
    except (KeyError, IndexError):
        return template


#: the e-mail around a notification's text, per locale (``str.format`` over name, text, link)
EMAIL_BODY: dict[str, str] = {
    "vi": "Xin chào {name},\n\n{text}\n\nXem chi tiết trong trung tâm thông báo: {link}\n\n"
          "-- \nMarketplace: sàn giao dịch B2B giữ tiền ký quỹ cho đến khi hàng được nghiệm thu.",
    "en": "Hello {name},\n\n{text}\n\nSee the details in your notification centre: {link}\n\n"
          "-- \nMarketplace: the B2B marketplace that holds the money in escrow until the goods are accepted.",
}


def email_body(text: str, name: str, link: str, locale: str = "vi") -> str:
    """The plain-text body of a notification e-mail in ``locale``."""
    return (EMAIL_BODY.get(locale) or EMAIL_BODY["en"]).format(name=name, text=text, link=link)
