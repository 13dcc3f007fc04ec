"""People-facing notification texts in Vietnamese and English."""

from .figures import reader_values
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
    K.DEAL_PARTLY_ACCEPTED: {"vi": "Người mua đã nghiệm thu một phần giao dịch #{deal_id} ({accepted}); {released} đã "
                                   "được giải ngân cho bạn, phần còn lại {held} vẫn được ký quỹ theo khiếu nại "
                                   "#{dispute_id}",
                             "en": "The buyer accepted part of deal #{deal_id} ({accepted}); {released} has been "
                                   "released to you and the remaining {held} stays in escrow under dispute "
                                   "#{dispute_id}"},
    K.DISPUTE_OPENED: {"vi": "Người mua mở khiếu nại #{dispute_id} cho giao dịch #{deal_id}",
                       "en": "The buyer opened dispute #{dispute_id} on deal #{deal_id}"},
    K.DISPUTE_STATE_CHANGED: {"vi": "Khiếu nại #{dispute_id} (giao dịch #{deal_id}) chuyển sang: {state_vi}",
                              "en": "Dispute #{dispute_id} (deal #{deal_id}) is now: {state_en}"},
    K.DISPUTE_OFFER_MADE: {"vi": "Bên kia đề xuất giải quyết khiếu nại #{dispute_id}: hoàn cho bên mua {refunded},"
                                 " nhà cung cấp nhận {released}{return_vi}. Hãy chấp nhận hoặc từ chối",
                           "en": "The other party offers to settle dispute #{dispute_id}: {refunded} back to the"
                                 " buyer, {released} to the vendor{return_en}. Accept or reject it"},
    K.DISPUTE_OFFER_REJECTED: {"vi": "Đề xuất của bạn cho khiếu nại #{dispute_id} bị từ chối: {reason}",
                               "en": "Your offer on dispute #{dispute_id} was rejected: {reason}"},
    K.DISPUTE_EVIDENCE_REQUESTED: {"vi": "Quản trị viên yêu cầu bằng chứng cho khiếu nại #{dispute_id} trước {due_at}:"
                                         " {message}",
                                   "en": "The platform asks for evidence on dispute #{dispute_id} by {due_at}:"
                                         " {message}"},
    K.DISPUTE_OPENED_BY_VENDOR: {"vi": "Nhà cung cấp mở khiếu nại #{dispute_id} cho giao dịch #{deal_id}",
                                 "en": "The vendor opened dispute #{dispute_id} on deal #{deal_id}"},
    K.DISPUTE_FILED: {"vi": "Khiếu nại mới #{dispute_id} cho giao dịch #{deal_id}: yêu cầu {claimed} {currency}",
                      "en": "New dispute #{dispute_id} on deal #{deal_id}: {claimed} {currency} claimed"},
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
    K.DEAL_APPROVAL_REQUESTED: {"vi": "Giao dịch #{deal_id} với {vendor_name} ({total}) vượt hạn mức và đang chờ phê"
                                      " duyệt",
                                "en": "Deal #{deal_id} with {vendor_name} ({total}) is above the approval threshold and"
                                      " awaits approval"},
    K.DEAL_PAYABLE: {"vi": "Giao dịch #{deal_id} với {vendor_name} chờ thanh toán {total} trước {pay_by_at}",
                     "en": "Deal #{deal_id} with {vendor_name} awaits payment of {total} by {pay_by_at}"},
    K.PAYMENT_RECEIVED: {"vi": "Đã nhận đủ {total} cho giao dịch #{deal_id} và giữ trong tài khoản ký quỹ;"
                               " {vendor_name} phải giao hàng trước {ship_by_at}",
                         "en": "We received {total} for deal #{deal_id} and hold it in escrow; {vendor_name} must ship"
                               " by {ship_by_at}"},
    K.DEAL_SHIPPED: {"vi": "{vendor_name} đã gửi hàng của giao dịch #{deal_id} qua {carrier}, mã vận đơn"
                           " {tracking_number}",
                     "en": "{vendor_name} shipped deal #{deal_id} with {carrier}, tracking number {tracking_number}"},
    K.DEAL_PARTLY_DELIVERED: {"vi": "Một lô hàng của giao dịch #{deal_id} đã được giao ({tracking_number}); còn"
                                    " {lines_open} dòng hàng chưa giao đủ",
                              "en": "A shipment of deal #{deal_id} was delivered ({tracking_number}); {lines_open}"
                                    " line(s) are not fully delivered yet"},
    K.SHIPMENT_BOOKED: {"vi": "Đã đặt vận chuyển cho giao dịch #{deal_id} với {carrier}, mã vận đơn {tracking_number}",
                        "en": "The shipment of deal #{deal_id} is booked with {carrier}, tracking number"
                              " {tracking_number}"},
    K.SHIPMENT_BOOKING_FAILED: {"vi": "Không đặt được vận chuyển cho giao dịch #{deal_id} với {carrier}: hãy đặt lại",
                                "en": "The shipment of deal #{deal_id} could not be booked with {carrier}: book it"
                                      " again"},
    K.DEAL_DELIVERED: {"vi": "Hàng của giao dịch #{deal_id} đã được giao: hãy nghiệm thu hoặc mở khiếu nại trước"
                             " {inspection_ends_at}",
                       "en": "Deal #{deal_id} is delivered: accept the goods or open a dispute by"
                             " {inspection_ends_at}"},
    K.DEAL_ACCEPTED: {"vi": "{buyer_name} đã nghiệm thu hàng của giao dịch #{deal_id}; tiền đang được giải ngân",
                      "en": "{buyer_name} accepted the goods of deal #{deal_id}; the money is being released"},
    K.DEAL_COMPLETED: {"vi": "Giao dịch #{deal_id} đã hoàn tất: {released} đã được giải ngân cho {vendor_name}",
                       "en": "Deal #{deal_id} is complete: {released} was released to {vendor_name}"},
    K.DEAL_REFUNDED: {"vi": "Giao dịch #{deal_id} đã được hoàn tiền: {refunded} được trả lại cho bạn",
                      "en": "Deal #{deal_id} was refunded: {refunded} goes back to you"},
    K.DEAL_REFUNDED_VENDOR: {"vi": "Quản trị viên đã hoàn tiền giao dịch #{deal_id} cho bên mua; không giao hàng này"
                                   " nữa",
                             "en": "A platform admin refunded deal #{deal_id} to the buyer; do not ship it"},
    K.DEAL_CANCELLED: {"vi": "{by_name} ({by}) đã hủy giao dịch #{deal_id}. Lý do: {reason}",
                       "en": "{by_name} ({by}) cancelled deal #{deal_id}. Reason: {reason}"},
    K.VENDOR_VERIFICATION_REQUESTED: {"vi": "{vendor_name} (MST {tax_code}) đã gửi hồ sơ xác minh và chờ duyệt",
                                      "en": "{vendor_name} (tax code {tax_code}) submitted its verification and awaits"
                                            " a decision"},
    K.VENDOR_CHANGE_REVIEW: {"vi": "{vendor_name} đã thay đổi {fields_vi}: cần xác minh lại, các khoản chi trả đang tạm"
                                   " giữ",
                             "en": "{vendor_name} changed its {fields_en}: it needs re-verification and its payouts"
                                   " are on hold"},
    K.SHIPMENT_DELIVERY_FAILED: {"vi": "Giao lô hàng {tracking_number} ({carrier}) của giao dịch #{deal_id} không thành công:"
                                       " {reason}. Đơn vị vận chuyển sẽ giao lại hoặc hẹn lần giao mới",
                                 "en": "Delivery of shipment {tracking_number} ({carrier}) of deal #{deal_id} failed:"
                                       " {reason}. The carrier will try again or arrange a new delivery"},
    K.SHIPMENT_EXCEPTION: {"vi": "Lô hàng {tracking_number} ({carrier}) của giao dịch #{deal_id} đang bị đơn vị vận"
                                 " chuyển tạm giữ: {reason}",
                           "en": "Shipment {tracking_number} ({carrier}) of deal #{deal_id} is held up by the carrier:"
                                 " {reason}"},
    K.SHIPMENT_RETURNING: {"vi": "Lô hàng {tracking_number} của giao dịch #{deal_id} không giao được và đang được hoàn"
                                 " về cho bạn ({carrier})",
                           "en": "Shipment {tracking_number} of deal #{deal_id} was not delivered and is on its way"
                                 " back to you ({carrier})"},
    K.SHIPMENT_RETURNING_RECEIVER: {"vi": "Lô hàng {tracking_number} của giao dịch #{deal_id} sẽ không được giao:"
                                          " đơn vị vận chuyển đang hoàn hàng về {sender_name}; tiền vẫn được giữ trong"
                                          " tài khoản ký quỹ",
                                    "en": "Shipment {tracking_number} of deal #{deal_id} will not be delivered: the"
                                          " carrier is returning it to {sender_name}; the money stays in escrow"},
    K.SHIPMENT_RETURNED: {"vi": "Lô hàng {tracking_number} của giao dịch #{deal_id} đã được hoàn về cho bạn",
                          "en": "Shipment {tracking_number} of deal #{deal_id} is back with you"},
    K.SHIPMENT_RETURNED_RECEIVER: {"vi": "Lô hàng {tracking_number} của giao dịch #{deal_id} đã được hoàn về"
                                         " {sender_name}; tiền vẫn được giữ trong tài khoản ký quỹ",
                                   "en": "Shipment {tracking_number} of deal #{deal_id} went back to {sender_name};"
                                         " the money stays in escrow"},
    K.SHIPMENT_LOST: {"vi": "Đơn vị vận chuyển báo lô hàng {tracking_number} ({carrier}) của giao dịch #{deal_id} đã bị"
                            " thất lạc; tiền vẫn được giữ trong tài khoản ký quỹ",
                      "en": "The carrier reports shipment {tracking_number} ({carrier}) of deal #{deal_id} lost; the"
                            " money stays in escrow"},
    K.SHIPMENT_UNKNOWN_STATUS: {"vi": "{carrier} gửi mã trạng thái không có trong bảng mã \u201c{raw_status}\u201d cho"
                                      " lô hàng {tracking_number} (giao dịch #{deal_id}); lô hàng được coi là đang bị"
                                      " tạm giữ",
                                "en": "{carrier} sent a status code that is not in its table, \u201c{raw_status}\u201d,"
                                      " for shipment {tracking_number} (deal #{deal_id}); the shipment counts as held"
                                      " up"},
    K.OUTBOX_FAILED: {"vi": "Lệnh gửi ra ngoài #{command_id} ({command_kind}) thất bại sau {attempts} lần thử: {error}",
                      "en": "Outgoing call #{command_id} ({command_kind}) failed after {attempts} attempts: {error}"},
    K.WEBHOOK_FAILING: {"vi": "Webhook {url} không nhận được sự kiện {event_type} ({event_id}) sau {attempts} lần thử;"
                              " hãy kiểm tra địa chỉ rồi gửi lại trong nhật ký gửi",
                        "en": "Webhook {url} did not accept event {event_type} ({event_id}) after {attempts} attempts;"
                              " check the endpoint, then replay it from the delivery log"},
    K.DEAL_REVIEWED: {"vi": "{buyer_name} đã đánh giá giao dịch #{deal_id}: chất lượng {quality}/5, đúng hạn {on_time}/5,"
                            " giao tiếp {communication}/5",
                      "en": "{buyer_name} reviewed deal #{deal_id}: quality {quality}/5, on time {on_time}/5,"
                            " communication {communication}/5"},
    K.DEAL_REVIEW_REPLIED: {"vi": "{vendor_name} đã trả lời đánh giá của bạn về giao dịch #{deal_id}",
                            "en": "{vendor_name} replied to your review of deal #{deal_id}"},
    K.MILESTONE_DUE: {"vi": "Giao dịch #{deal_id} đã giao hàng: khoản \u201c{milestone}\u201d ({amount}) đến hạn thanh toán"
                            " trước {due_at}, mã chuyển khoản {reference}",
                      "en": "Deal #{deal_id} is delivered: \u201c{milestone}\u201d ({amount}) is now payable by {due_at},"
                            " transfer reference {reference}"},
    K.MILESTONE_DUE_SOON: {"vi": "Nhắc hạn: khoản \u201c{milestone}\u201d ({amount}) của giao dịch #{deal_id} đến hạn"
                                 " vào {due_at}",
                           "en": "Reminder: \u201c{milestone}\u201d ({amount}) of deal #{deal_id} is due on {due_at}"},
    K.MILESTONE_OVERDUE: {"vi": "Quá hạn: khoản \u201c{milestone}\u201d ({amount}) của giao dịch #{deal_id} đến hạn vào"
                                " {due_at} nhưng chưa được thanh toán",
                          "en": "Overdue: \u201c{milestone}\u201d ({amount}) of deal #{deal_id} was due on {due_at} and is"
                                " not paid"},
    K.MILESTONE_OVERDUE_VENDOR: {"vi": "{buyer_name} chưa thanh toán khoản \u201c{milestone}\u201d ({amount}) của giao"
                                       " dịch #{deal_id}, đến hạn vào {due_at}",
                                 "en": "{buyer_name} has not paid \u201c{milestone}\u201d ({amount}) of deal #{deal_id},"
                                       " due on {due_at}"},
    K.MILESTONE_PAID: {"vi": "{buyer_name} đã thanh toán khoản \u201c{milestone}\u201d ({amount}) của giao dịch"
                             " #{deal_id}",
                       "en": "{buyer_name} paid \u201c{milestone}\u201d ({amount}) of deal #{deal_id}"},
    K.E_INVOICE_MISMATCH: {"vi": "Hoá đơn điện tử {invoice_number} của giao dịch #{deal_id} không khớp với giao dịch:"
                                 " {fields_vi}",
                           "en": "E-invoice {invoice_number} of deal #{deal_id} does not match the deal: {fields_en}"},
    K.ORDER_PLACED: {"vi": "{buyer_name} đặt đơn hàng #{order_id} ({total}); hãy xác nhận hoặc từ chối trước {confirm_by_at}",
                     "en": "{buyer_name} placed order #{order_id} ({total}); confirm or reject it by {confirm_by_at}"},
    K.ORDER_APPROVAL_REQUESTED: {"vi": "Đơn hàng #{order_id} gửi {vendor_name} ({total}) vượt hạn mức và đang chờ phê"
                                       " duyệt",
                                 "en": "Order #{order_id} to {vendor_name} ({total}) is above the threshold and waits"
                                       " for approval"},
    K.ORDER_CONFIRMED: {"vi": "{vendor_name} đã xác nhận đơn hàng #{order_id}: giao dịch #{deal_id} ({total}) chờ"
                              " thanh toán",
                        "en": "{vendor_name} confirmed order #{order_id}: deal #{deal_id} ({total}) awaits payment"},
    K.ORDER_REJECTED: {"vi": "{vendor_name} đã từ chối đơn hàng #{order_id}. Lý do: {reason}",
                       "en": "{vendor_name} rejected order #{order_id}. Reason: {reason}"},
    K.ORDER_CONFIRM_DUE: {"vi": "Đơn hàng #{order_id} của {buyer_name} ({total}) sẽ bị hủy nếu không được xác nhận"
                                " trước {confirm_by_at}",
                          "en": "Order #{order_id} from {buyer_name} ({total}) is cancelled unless you confirm it by"
                                " {confirm_by_at}"},
    K.ORDER_LAPSED: {"vi": "Đơn hàng #{order_id} ({total}) đã bị hủy vì {vendor_name} không xác nhận kịp hạn; hàng"
                           " giữ chỗ đã được trả lại kho",
                     "en": "Order #{order_id} ({total}) was cancelled because {vendor_name} did not confirm it in time;"
                           " its reserved stock was released"},
    K.CONTRACT_PROPOSED: {"vi": "{proposer_name} đề xuất hợp đồng khung #{contract_id} “{title}” (tối đa"
                                " {max_value}); hãy ký hoặc từ chối trước {sign_by_at}",
                          "en": "{proposer_name} proposes framework contract #{contract_id} “{title}” (up to"
                                " {max_value}); sign or decline it by {sign_by_at}"},
    K.CONTRACT_SIGNED: {"vi": "Hợp đồng khung #{contract_id} “{title}” giữa {buyer_name} và {vendor_name} đã"
                              " được hai bên ký; hiệu lực từ {starts_on} đến {ends_on}",
                        "en": "Framework contract #{contract_id} “{title}” between {buyer_name} and"
                              " {vendor_name} is signed by both; it runs from {starts_on} to {ends_on}"},
    K.CONTRACT_DECLINED: {"vi": "Hợp đồng khung #{contract_id} “{title}” bị từ chối. Lý do: {reason}",
                          "en": "Framework contract #{contract_id} “{title}” was declined. Reason: {reason}"},
    K.CONTRACT_WITHDRAWN: {"vi": "Bên đề xuất đã rút lại phiên bản {version} của hợp đồng khung #{contract_id}"
                                 " “{title}”",
                           "en": "The proposer withdrew version {version} of framework contract #{contract_id}"
                                 " “{title}”"},
    K.CONTRACT_LAPSED: {"vi": "Phiên bản {version} của hợp đồng khung #{contract_id} “{title}” đã hết hạn ký"
                              " vì hai bên chưa cùng ký",
                        "en": "Version {version} of framework contract #{contract_id} “{title}” lapsed: it was"
                              " not signed by both sides in time"},
    K.CONTRACT_EXPIRING: {"vi": "Hợp đồng khung #{contract_id} “{title}” hết hiệu lực sau {days_left} ngày"
                                " ({ends_on}); hãy gia hạn nếu cần",
                          "en": "Framework contract #{contract_id} “{title}” ends in {days_left} days"
                                " ({ends_on}); renew it if you need it"},
    K.CONTRACT_EXPIRED: {"vi": "Hợp đồng khung #{contract_id} “{title}” đã hết hiệu lực; các giao dịch đang"
                               " thực hiện vẫn tiếp tục",
                         "en": "Framework contract #{contract_id} “{title}” has ended; deals under way go on"},
    K.CONTRACT_TERMINATED: {"vi": "{by_name} đã chấm dứt hợp đồng khung #{contract_id} “{title}”. Lý do:"
                                  " {reason}",
                            "en": "{by_name} terminated framework contract #{contract_id} “{title}”."
                                  " Reason: {reason}"},
    K.CONTRACT_AMENDMENT_PROPOSED: {"vi": "{proposer_name} đề xuất sửa đổi (phiên bản {version}) hợp đồng khung"
                                          " #{contract_id}: {summary}; hãy chấp nhận hoặc từ chối trước {sign_by_at}",
                                    "en": "{proposer_name} proposes an amendment (version {version}) to framework"
                                          " contract #{contract_id}: {summary}; accept or decline it by {sign_by_at}"},
    K.CONTRACT_AMENDED: {"vi": "Sửa đổi (phiên bản {version}) của hợp đồng khung #{contract_id} đã được hai bên chấp"
                               " nhận và áp dụng cho các lần gọi hàng từ nay: {summary}",
                         "en": "Amendment (version {version}) of framework contract #{contract_id} is accepted by both"
                               " and applies to call-offs from now on: {summary}"},
    K.CONTRACT_AMENDMENT_DECLINED: {"vi": "Sửa đổi (phiên bản {version}) của hợp đồng khung #{contract_id} bị từ"
                                          " chối. Lý do: {reason}",
                                    "en": "Amendment (version {version}) of framework contract #{contract_id} was"
                                          " declined. Reason: {reason}"},
    K.CONTRACT_CALL_OFF: {"vi": "{buyer_name} gọi hàng theo hợp đồng khung #{contract_id}: giao dịch #{deal_id}"
                                " ({total}); giá trị còn lại {remaining_value}",
                          "en": "{buyer_name} called off goods under framework contract #{contract_id}: deal"
                                " #{deal_id} ({total}); {remaining_value} left"},
}


def render(kind: str, data: dict, locale: str = "vi", zone: str | None = None) -> str:
    """The text of a notification in ``locale`` (English when the locale has none; the kind when unknown),
    its money and times formatted for the reader (:func:`figures.reader_values`, times in ``zone``)."""
    texts = MESSAGES.get(kind)
    if texts is None:
        return kind
    template = texts.get(locale) or texts["en"]
    try:
        return template.format(**reader_values(data, locale, zone))
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
