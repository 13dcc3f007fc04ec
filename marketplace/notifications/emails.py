"""Notification e-mails: a subject and a plain-text body per kind and language, carrying the figures
(formatted for the reader: :mod:`figures`), what to do next and by when, and a link to the page concerned.

A kind without its own e-mail here (or whose data lacks a figure its e-mail needs) is sent as its feed
text (:mod:`messages`) in the common frame. The text is rendered once, when the fact is told, and frozen
into the outbox payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .figures import reader_values
from .messages import render
from .models import NotificationKind as K


@dataclass(frozen=True)
class Email:
    """One e-mail to one person, ready for the outbox."""

    subject: str
    body: str


class Template(NamedTuple):
    """One kind's e-mail in one language: ``str.format`` over the reader's values of the notification's data."""

    subject: str
    body: str


#: the frame around every e-mail, per locale (``str.format`` over greeting name, body, link, settings link)
FRAME: dict[str, str] = {
    "vi": "Xin chào {name},\n\n{body}\n\nMở trang liên quan: {link}\n{mandatory}\n-- \n"
          "Marketplace: sàn giao dịch B2B giữ tiền ký quỹ cho đến khi hàng được nghiệm thu.\n"
          "Chọn loại e-mail bạn muốn nhận: {settings}\n",
    "en": "Hello {name},\n\n{body}\n\nOpen the page: {link}\n{mandatory}\n-- \n"
          "Marketplace: the B2B marketplace that holds the money in escrow until the goods are accepted.\n"
          "Choose which e-mails you get: {settings}\n",
}
#: the line added to e-mails that ask for an action (they cannot be turned off)
MANDATORY: dict[str, str] = {
    "vi": "\nE-mail này yêu cầu bạn xử lý nên luôn được gửi, kể cả khi bạn đã tắt e-mail của nhóm này.\n",
    "en": "\nThis e-mail asks you to act, so it is always sent, even if you turned this group's e-mails off.\n",
}

#: kind -> locale -> its e-mail
EMAILS: dict[str, dict[str, Template]] = {
    K.DEAL_AWARDED: {
        "vi": Template("Bạn đã trúng thầu giao dịch #{deal_id} với {buyer_name}",
               "{buyer_name} đã chọn báo giá của bạn cho yêu cầu báo giá #{rfq_id}.\n\n"
               "Giao dịch: #{deal_id}\nBên mua: {buyer_name}\nTổng giá trị: {total}\n\n"
               "Việc tiếp theo: chờ bên mua thanh toán vào tài khoản ký quỹ. Chúng tôi sẽ báo ngay khi tiền đã được"
               " giữ; đừng giao hàng trước thời điểm đó."),
        "en": Template("You won deal #{deal_id} with {buyer_name}",
               "{buyer_name} chose your quote on RFQ #{rfq_id}.\n\n"
               "Deal: #{deal_id}\nBuyer: {buyer_name}\nTotal: {total}\n\n"
               "What next: wait for the buyer to pay into escrow. We will tell you as soon as the money is held;"
               " do not ship before then."),
    },
    K.DEAL_APPROVAL_REQUESTED: {
        "vi": Template("Cần phê duyệt: giao dịch #{deal_id} với {vendor_name} ({total})",
               "Giao dịch #{deal_id} vượt hạn mức phê duyệt của công ty bạn và đang chờ người phê duyệt.\n\n"
               "Giao dịch: #{deal_id}\nNhà cung cấp: {vendor_name}\nTổng giá trị: {total}\n\n"
               "Việc cần làm: mở giao dịch, xem các điều khoản rồi phê duyệt hoặc hủy. Giao dịch chỉ thanh toán"
               " được sau khi được phê duyệt."),
        "en": Template("Approval needed: deal #{deal_id} with {vendor_name} ({total})",
               "Deal #{deal_id} is above your company's approval threshold and waits for an approver.\n\n"
               "Deal: #{deal_id}\nVendor: {vendor_name}\nTotal: {total}\n\n"
               "What to do: open the deal, check its terms, then approve or cancel it. It cannot be paid until it is"
               " approved."),
    },
    K.DEAL_PAYABLE: {
        "vi": Template("Giao dịch #{deal_id} chờ thanh toán {total} trước {pay_by_at}",
               "Giao dịch #{deal_id} với {vendor_name} đã sẵn sàng để thanh toán.\n\n"
               "Giao dịch: #{deal_id}\nNhà cung cấp: {vendor_name}\nSố tiền cần thanh toán: {total}\n"
               "Hạn thanh toán: {pay_by_at}\n\n"
               "Việc cần làm: chọn phương thức thanh toán trên trang giao dịch và chuyển tiền vào tài khoản ký quỹ"
               " trước hạn. Tiền được giữ an toàn cho đến khi bạn nghiệm thu hàng. Nếu không thanh toán kịp hạn,"
               " giao dịch tự động bị hủy."),
        "en": Template("Deal #{deal_id}: pay {total} by {pay_by_at}",
               "Deal #{deal_id} with {vendor_name} is ready to be paid.\n\n"
               "Deal: #{deal_id}\nVendor: {vendor_name}\nAmount to pay: {total}\nPay by: {pay_by_at}\n\n"
               "What to do: choose a payment method on the deal page and pay into escrow by then. The money is held"
               " safely until you accept the goods. If it is not paid in time, the deal is cancelled automatically."),
    },
    K.DEAL_FUNDED: {
        "vi": Template("Giao dịch #{deal_id} đã được ký quỹ: hãy giao hàng trước {ship_by_at}",
               "{buyer_name} đã thanh toán đủ; tiền đang được giữ trong tài khoản ký quỹ.\n\n"
               "Giao dịch: #{deal_id}\nBên mua: {buyer_name}\nSố tiền ký quỹ: {total}\nHạn giao hàng: {ship_by_at}\n\n"
               "Việc cần làm: giao hàng cho đơn vị vận chuyển và nhập mã vận đơn trên trang giao dịch trước hạn."
               " Nếu quá hạn (cộng thời gian ân hạn) mà chưa giao, bên mua có thể hủy và được hoàn tiền toàn bộ."),
        "en": Template("Deal #{deal_id} is funded: ship by {ship_by_at}",
               "{buyer_name} paid in full; the money is held in escrow.\n\n"
               "Deal: #{deal_id}\nBuyer: {buyer_name}\nHeld in escrow: {total}\nShip by: {ship_by_at}\n\n"
               "What to do: hand the goods to a carrier and enter the tracking number on the deal page by then. If it"
               " is not shipped by then (plus the grace period), the buyer may cancel it for a full refund."),
    },
    K.PAYMENT_RECEIVED: {
        "vi": Template("Đã nhận thanh toán {total} cho giao dịch #{deal_id}",
               "Chúng tôi đã nhận đủ tiền cho giao dịch #{deal_id} với {vendor_name}. Số tiền được giữ trong tài khoản"
               " ký quỹ và chỉ được giải ngân cho nhà cung cấp sau khi bạn nghiệm thu hàng.\n\n"
               "Giao dịch: #{deal_id}\nNhà cung cấp: {vendor_name}\nSố tiền ký quỹ: {total}\n"
               "Hạn giao hàng của nhà cung cấp: {ship_by_at}\n\n"
               "Việc tiếp theo: bạn không cần làm gì cho đến khi hàng được gửi đi. Nếu quá hạn giao hàng (cộng thời"
               " gian ân hạn) mà hàng chưa được gửi, bạn có thể hủy giao dịch và được hoàn tiền toàn bộ."),
        "en": Template("Payment of {total} received for deal #{deal_id}",
               "We received the full payment for deal #{deal_id} with {vendor_name}. The money is held in escrow and"
               " is released to the vendor only after you accept the goods.\n\n"
               "Deal: #{deal_id}\nVendor: {vendor_name}\nHeld in escrow: {total}\nVendor ships by: {ship_by_at}\n\n"
               "What next: nothing until the goods are shipped. If they are not shipped by then (plus the grace"
               " period), you may cancel the deal for a full refund."),
    },
    K.DEAL_SHIPPED: {
        "vi": Template("Giao dịch #{deal_id} đã được gửi đi, mã vận đơn {tracking_number}",
               "{vendor_name} đã giao hàng của giao dịch #{deal_id} cho đơn vị vận chuyển.\n\n"
               "Đơn vị vận chuyển: {carrier}\nMã vận đơn: {tracking_number}\n\n{shipping_plan}"
               "Việc tiếp theo: theo dõi lô hàng trên trang giao dịch. Khi đã nhận đủ toàn bộ hàng, hãy xác nhận đã"
               " nhận; từ lúc đó bạn có {inspection_days} ngày để kiểm tra trước khi tiền được giải ngân cho nhà cung"
               " cấp."),
        "en": Template("Deal #{deal_id} is shipped, tracking number {tracking_number}",
               "{vendor_name} handed the goods of deal #{deal_id} to a carrier.\n\n"
               "Carrier: {carrier}\nTracking number: {tracking_number}\n\n{shipping_plan}"
               "What next: follow the shipment on the deal page. When all the goods have arrived, confirm receipt; from"
               " then you have {inspection_days} days to inspect them before the money is released to the vendor."),
    },
    K.DEAL_PARTLY_DELIVERED: {
        "vi": Template("Một lô hàng của giao dịch #{deal_id} đã được giao",
               "Lô hàng {tracking_number} ({carrier}) của giao dịch #{deal_id} với {vendor_name} đã được giao.\n\n"
               "Còn {lines_open} dòng hàng chưa giao đủ số lượng. Thời gian nghiệm thu bắt đầu khi toàn bộ hàng đã"
               " được giao; bạn có thể theo dõi từng lô trên trang giao dịch."),
        "en": Template("A shipment of deal #{deal_id} was delivered",
               "Shipment {tracking_number} ({carrier}) of deal #{deal_id} with {vendor_name} was delivered.\n\n"
               "{lines_open} line(s) are not fully delivered yet. The inspection window starts when everything has"
               " arrived; follow each shipment on the deal page."),
    },
    K.SHIPMENT_BOOKED: {
        "vi": Template("Đã đặt vận chuyển cho giao dịch #{deal_id}, mã vận đơn {tracking_number}",
               "{carrier} không trả lời kịp lúc bạn đặt vận chuyển; chúng tôi đã thử lại và việc đặt đã thành"
               " công.\n\nGiao dịch: #{deal_id}\nĐơn vị vận chuyển: {carrier}\nMã vận đơn: {tracking_number}\n\n"
               "Việc tiếp theo: in nhãn vận chuyển và phiếu đóng gói trên trang giao dịch."),
        "en": Template("Shipment of deal #{deal_id} booked, tracking number {tracking_number}",
               "{carrier} did not answer in time when you booked; we tried again and the booking went through.\n\n"
               "Deal: #{deal_id}\nCarrier: {carrier}\nTracking number: {tracking_number}\n\n"
               "What next: print the shipping label and the packing list on the deal page."),
    },
    K.SHIPMENT_BOOKING_FAILED: {
        "vi": Template("Chưa đặt được vận chuyển cho giao dịch #{deal_id}",
               "{carrier} không trả lời khi bạn đặt vận chuyển, kể cả khi chúng tôi thử lại. Chưa có đơn vận chuyển"
               " nào được tạo.\n\nViệc cần làm: đặt lại trên trang giao dịch, hoặc chọn đơn vị vận chuyển khác, trước"
               " hạn giao hàng {ship_by_at}."),
        "en": Template("Shipment of deal #{deal_id} not booked yet",
               "{carrier} did not answer when you booked, nor when we tried again. No carrier order was made.\n\n"
               "What to do: book again on the deal page, or choose another carrier, before the ship-by date"
               " {ship_by_at}."),
    },
    K.DEAL_DELIVERED: {
        "vi": Template("Giao dịch #{deal_id} đã giao: nghiệm thu trước {inspection_ends_at}",
               "Hàng của giao dịch #{deal_id} từ {vendor_name} đã được giao.\n\n"
               "Việc cần làm: kiểm tra hàng, rồi nghiệm thu hoặc mở khiếu nại trước {inspection_ends_at}. Nếu bạn"
               " không trả lời trước thời điểm đó, hàng được coi là đã nghiệm thu và {total} được giải ngân cho nhà"
               " cung cấp."),
        "en": Template("Deal #{deal_id} is delivered: accept by {inspection_ends_at}",
               "The goods of deal #{deal_id} from {vendor_name} are delivered.\n\n"
               "What to do: inspect them, then accept them or open a dispute by {inspection_ends_at}. Without an answer"
               " by then the goods count as accepted and {total} is released to the vendor."),
    },
    K.DELIVERY_REPORTED: {
        "vi": Template("Xác nhận đã nhận hàng của giao dịch #{deal_id} trước {confirm_by_at}",
               "Nhà cung cấp báo đã giao hàng của giao dịch #{deal_id}, nhưng đơn vị vận chuyển chưa xác nhận.\n\n"
               "Việc cần làm: nếu đã nhận hàng, hãy xác nhận trên trang giao dịch; nếu chưa nhận hoặc hàng có vấn đề,"
               " hãy mở khiếu nại. Hạn trả lời: {confirm_by_at}. Nếu không trả lời, hàng được coi là đã giao và thời"
               " gian kiểm tra hàng bắt đầu."),
        "en": Template("Confirm receipt of deal #{deal_id} by {confirm_by_at}",
               "The vendor reports deal #{deal_id} delivered, but no carrier confirms it.\n\n"
               "What to do: if the goods arrived, confirm receipt on the deal page; if not, or if something is wrong,"
               " open a dispute. Answer by: {confirm_by_at}. Without an answer the goods count as delivered and the"
               " inspection window starts."),
    },
    K.DEAL_ACCEPTED: {
        "vi": Template("{buyer_name} đã nghiệm thu giao dịch #{deal_id}",
               "{buyer_name} đã nghiệm thu hàng của giao dịch #{deal_id}.\n\n"
               "Việc tiếp theo: {total}, trừ phí hoa hồng của nền tảng, đang được giải ngân cho bạn. Chúng tôi sẽ báo"
               " khi tiền đã được chuyển; bạn không cần làm gì thêm."),
        "en": Template("{buyer_name} accepted deal #{deal_id}",
               "{buyer_name} accepted the goods of deal #{deal_id}.\n\n"
               "What next: {total}, less the platform's commission, is being released to you. We will tell you when"
               " it is done; there is nothing you need to do."),
    },
    K.DEAL_RELEASED: {
        "vi": Template("Đã giải ngân {payout} cho giao dịch #{deal_id}",
               "Tiền của giao dịch #{deal_id} với {buyer_name} đã được giải ngân cho bạn.\n\n"
               "Số tiền giải ngân: {released}\nPhí hoa hồng: {commission}\nSố tiền bạn nhận: {payout}\n\n"
               "Việc tiếp theo: khoản tiền được chuyển vào tài khoản nhận tiền đã xác minh của bạn trong đợt chi trả"
               " tiếp theo; xem trang Chi trả."),
        "en": Template("{payout} released for deal #{deal_id}",
               "The money of deal #{deal_id} with {buyer_name} has been released to you.\n\n"
               "Released: {released}\nCommission: {commission}\nYou receive: {payout}\n\n"
               "What next: the money goes to your verified payout account in the next payout; see the Payouts page."),
    },
    K.DEAL_COMPLETED: {
        "vi": Template("Giao dịch #{deal_id} đã hoàn tất",
               "Hàng đã được nghiệm thu; {released} đã được giải ngân cho {vendor_name}. Giao dịch #{deal_id} đã hoàn"
               " tất, bạn không cần làm gì thêm.\n\nCảm ơn bạn đã mua hàng trên Marketplace."),
        "en": Template("Deal #{deal_id} is complete",
               "The goods were accepted and {released} was released to {vendor_name}. Deal #{deal_id} is complete;"
               " there is nothing more to do.\n\nThank you for buying on Marketplace."),
    },
    K.DEAL_REFUNDED: {
        "vi": Template("Giao dịch #{deal_id} đã được hoàn tiền ({refunded})",
               "Quản trị viên nền tảng đã hoàn tiền giao dịch #{deal_id} với {vendor_name}.\n\n"
               "Số tiền hoàn lại: {refunded}\nLý do: {reason}\n\n"
               "Việc tiếp theo: tiền được trả về tài khoản bạn đã dùng để thanh toán; giao dịch đã kết thúc."),
        "en": Template("Deal #{deal_id} was refunded ({refunded})",
               "A platform admin refunded deal #{deal_id} with {vendor_name}.\n\n"
               "Refunded to you: {refunded}\nReason: {reason}\n\n"
               "What next: the money goes back to the account you paid from; the deal is over."),
    },
    K.DEAL_REFUNDED_VENDOR: {
        "vi": Template("Giao dịch #{deal_id} đã được hoàn tiền cho bên mua",
               "Quản trị viên nền tảng đã hoàn tiền giao dịch #{deal_id} cho {buyer_name}.\n\nLý do: {reason}\n\n"
               "Việc cần làm: không giao hàng của giao dịch này. Nếu bạn đã gửi hàng, hãy liên hệ bộ phận hỗ trợ"
               " ngay."),
        "en": Template("Deal #{deal_id} was refunded to the buyer",
               "A platform admin refunded deal #{deal_id} to {buyer_name}.\n\nReason: {reason}\n\n"
               "What to do: do not ship this deal. If you already shipped it, contact support at once."),
    },
    K.DEAL_CANCELLED: {
        "vi": Template("Giao dịch #{deal_id} đã bị hủy",
               "{by_name} ({by}) đã hủy giao dịch #{deal_id}.\n\nLý do: {reason}\n\n"
               "Chưa có khoản tiền nào được giữ cho giao dịch này; bạn không cần làm gì thêm."),
        "en": Template("Deal #{deal_id} was cancelled",
               "{by_name} ({by}) cancelled deal #{deal_id}.\n\nReason: {reason}\n\n"
               "No money was held for this deal; there is nothing more to do."),
    },
    K.SHIP_BY_DUE: {
        "vi": Template("Nhắc hạn: giao hàng của giao dịch #{deal_id} trước {ship_by_at}",
               "Giao dịch #{deal_id} đã được ký quỹ nhưng chưa được giao hàng.\n\n"
               "Việc cần làm: giao hàng và nhập mã vận đơn trước {ship_by_at}. Từ {cancellable_from_at}, bên mua có"
               " thể hủy giao dịch và được hoàn tiền toàn bộ."),
        "en": Template("Reminder: ship deal #{deal_id} by {ship_by_at}",
               "Deal #{deal_id} is funded but not shipped.\n\n"
               "What to do: ship it and enter the tracking number by {ship_by_at}. From {cancellable_from_at} the buyer"
               " may cancel it with a full refund."),
    },
    K.QUOTE_RECEIVED: {
        "vi": Template("Báo giá mới từ {vendor_name} cho yêu cầu #{rfq_id}: {total}",
                       "{vendor_name} đã gửi báo giá #{quote_id} cho yêu cầu báo giá #{rfq_id} \u201c{title}\u201d.\n\n"
                       "Tổng giá trị (gồm vận chuyển): {total}\nHiệu lực đến: {valid_until_at}\n\n"
                       "Việc tiếp theo: so sánh các báo giá trên trang yêu cầu báo giá, rồi chọn thầu, đề nghị sửa giá"
                       " hoặc từ chối trước khi báo giá hết hiệu lực."),
        "en": Template("New quote from {vendor_name} on RFQ #{rfq_id}: {total}",
                       "{vendor_name} sent quote #{quote_id} on RFQ #{rfq_id} \u201c{title}\u201d.\n\n"
                       "Total (freight included): {total}\nValid until: {valid_until_at}\n\n"
                       "What next: compare the quotes on the RFQ page, then award, ask for a better offer or reject"
                       " it before it expires."),
    },
    K.QUOTE_REVISED: {
        "vi": Template("{vendor_name} đã sửa báo giá #{quote_id} (phiên bản {revision}): {total}",
                       "{vendor_name} đã gửi phiên bản {revision} của báo giá #{quote_id} cho yêu cầu báo giá #{rfq_id}"
                       " \u201c{title}\u201d.\n\n"
                       "Tổng giá trị mới (gồm vận chuyển): {total}\nHiệu lực đến: {valid_until_at}\n\n"
                       "Việc tiếp theo: xem các thay đổi so với phiên bản trước trên trang yêu cầu báo giá."),
        "en": Template("{vendor_name} revised quote #{quote_id} (version {revision}): {total}",
                       "{vendor_name} sent version {revision} of quote #{quote_id} on RFQ #{rfq_id}"
                       " \u201c{title}\u201d.\n\n"
                       "New total (freight included): {total}\nValid until: {valid_until_at}\n\n"
                       "What next: see what changed since the previous version on the RFQ page."),
    },
    K.RFQ_APPROVAL_REQUESTED: {
        "vi": Template("Cần phê duyệt: yêu cầu báo giá #{rfq_id} ({title})",
               "{requester_name} đã gửi yêu cầu báo giá #{rfq_id} \u201c{title}\u201d để phê duyệt: giá trị ước tính"
               " {total} vượt hạn mức của công ty.\n\n"
               "Việc cần làm: mở mục Phê duyệt, rồi phê duyệt để công bố yêu cầu cho nhà cung cấp, hoặc trả lại kèm"
               " lý do. Yêu cầu chỉ được công bố sau khi được phê duyệt."),
        "en": Template("Approval needed: RFQ #{rfq_id} ({title})",
               "{requester_name} submitted RFQ #{rfq_id} \u201c{title}\u201d for approval: its estimated value of"
               " {total} is above your company's threshold.\n\n"
               "What to do: open Approvals, then approve it to publish it to vendors, or send it back with a reason."
               " It is published only once approved."),
    },
    K.VENDOR_VERIFICATION_REQUESTED: {
        "vi": Template("Nhà cung cấp chờ xác minh: {vendor_name}",
               "{vendor_name} (mã số thuế {tax_code}) đã gửi hồ sơ xác minh.\n\n"
               "Việc cần làm: xem giấy tờ trong hàng đợi xác minh, rồi xác minh hoặc từ chối kèm lý do. Nhà cung cấp"
               " chưa thể báo giá cho đến khi được xác minh."),
        "en": Template("Vendor awaiting verification: {vendor_name}",
               "{vendor_name} (tax code {tax_code}) submitted its verification.\n\n"
               "What to do: check its documents in the verification queue, then verify it or reject it with a reason."
               " The vendor cannot quote until it is verified."),
    },
    K.VENDOR_CHANGE_REVIEW: {
        "vi": Template("Cần xác minh lại: {vendor_name} đã thay đổi {fields_vi}",
               "Nhà cung cấp đã xác minh {vendor_name} vừa thay đổi {fields_vi}. Các khoản chi trả cho nhà cung cấp"
               " này đang tạm giữ.\n\n"
               "Việc cần làm: so sánh giá trị cũ và mới trong hàng đợi xác minh, rồi xác minh lại hoặc tạm ngưng."
               " Thay đổi tài khoản nhận tiền cần được kiểm tra với chứng từ của ngân hàng."),
        "en": Template("Re-verification needed: {vendor_name} changed its {fields_en}",
               "The verified vendor {vendor_name} changed its {fields_en}. Its payouts are on hold.\n\n"
               "What to do: compare the old and new values in the verification queue, then re-verify or suspend it."
               " A changed payout account should be checked against the bank's documents."),
    },
    K.VENDOR_VERIFIED: {
        "vi": Template("Doanh nghiệp của bạn đã được xác minh",
               "Nền tảng đã xác minh doanh nghiệp của bạn.\n\n"
               "Việc tiếp theo: bạn có thể đăng sản phẩm, nhận lời mời báo giá và được chi trả vào tài khoản nhận"
               " tiền đã xác minh."),
        "en": Template("Your business is verified",
               "The platform verified your business.\n\n"
               "What next: you may list products, receive RFQ invitations and be paid to your verified payout"
               " account."),
    },
    K.VENDOR_REJECTED: {
        "vi": Template("Hồ sơ xác minh bị từ chối",
               "Nền tảng chưa thể xác minh doanh nghiệp của bạn.\n\nLý do: {reason}\n\n"
               "Việc cần làm: sửa hồ sơ hoặc bổ sung giấy tờ theo lý do trên, rồi gửi lại để xác minh."),
        "en": Template("Your verification was rejected",
               "The platform could not verify your business.\n\nReason: {reason}\n\n"
               "What to do: correct the profile or add documents as the reason says, then submit it again."),
    },
    K.SHIPMENT_DELIVERY_FAILED: {
        "vi": Template("Giao hàng không thành công: lô hàng {tracking_number} của giao dịch #{deal_id}",
               "Đơn vị vận chuyển không giao được lô hàng của giao dịch #{deal_id} ở lần giao này.\n\n"
               "Đơn vị vận chuyển: {carrier}\nMã vận đơn: {tracking_number}\nLý do: {reason}\nThời điểm: {occurred_at}"
               "\n\nViệc tiếp theo: đơn vị vận chuyển sẽ giao lại hoặc liên hệ để hẹn lần giao mới. Bên nhận hàng hãy"
               " bảo đảm có người nhận và số điện thoại liên lạc được; bên gửi hàng có thể liên hệ đơn vị vận chuyển"
               " nếu cần. Tiền của giao dịch vẫn được giữ trong tài khoản ký quỹ."),
        "en": Template("Delivery failed: shipment {tracking_number} of deal #{deal_id}",
               "The carrier could not deliver the shipment of deal #{deal_id} on this attempt.\n\n"
               "Carrier: {carrier}\nTracking number: {tracking_number}\nReason: {reason}\nWhen: {occurred_at}\n\n"
               "What next: the carrier will try again or get in touch to arrange a new delivery. The receiver should"
               " make sure someone can take the goods and answers the phone; the sender may contact the carrier if"
               " needed. The deal's money stays in escrow."),
    },
    K.SHIPMENT_EXCEPTION: {
        "vi": Template("Lô hàng {tracking_number} của giao dịch #{deal_id} đang bị tạm giữ",
               "Đơn vị vận chuyển báo lô hàng của giao dịch #{deal_id} đang bị tạm giữ.\n\n"
               "Đơn vị vận chuyển: {carrier}\nMã vận đơn: {tracking_number}\nLý do: {reason}\nThời điểm: {occurred_at}"
               "\n\nViệc tiếp theo: theo dõi lô hàng trên trang giao dịch; bên gửi hàng hãy liên hệ đơn vị vận chuyển"
               " để xử lý. Nền tảng cũng được thông báo khi mã trạng thái của đơn vị vận chuyển không rõ ràng."),
        "en": Template("Shipment {tracking_number} of deal #{deal_id} is held up",
               "The carrier reports the shipment of deal #{deal_id} held up.\n\n"
               "Carrier: {carrier}\nTracking number: {tracking_number}\nReason: {reason}\nWhen: {occurred_at}\n\n"
               "What next: follow the shipment on the deal page; the sender should contact the carrier to sort it out."
               " The platform is told as well when the carrier's status code is unclear."),
    },
    K.SHIPMENT_RETURNING: {
        "vi": Template("Lô hàng {tracking_number} đang được hoàn về cho bạn",
               "Lô hàng của giao dịch #{deal_id} không giao được cho {receiver_name} và đang được đơn vị vận chuyển"
               " hoàn về cho bạn.\n\nĐơn vị vận chuyển: {carrier}\nMã vận đơn: {tracking_number}\nLý do: {reason}\n\n"
               "Việc cần làm: chuẩn bị nhận lại hàng, rồi thỏa thuận với bên kia về việc giao lại hoặc hủy trên trang"
               " giao dịch."),
        "en": Template("Shipment {tracking_number} is coming back to you",
               "The shipment of deal #{deal_id} could not be delivered to {receiver_name} and the carrier is bringing"
               " it back to you.\n\nCarrier: {carrier}\nTracking number: {tracking_number}\nReason: {reason}\n\n"
               "What to do: be ready to take the goods back, then agree with the other party on the deal page whether"
               " to ship again or cancel."),
    },
    K.SHIPMENT_RETURNING_RECEIVER: {
        "vi": Template("Lô hàng {tracking_number} của giao dịch #{deal_id} đang được hoàn về người gửi",
               "Đơn vị vận chuyển không giao được lô hàng của giao dịch #{deal_id} và đang hoàn hàng về"
               " {sender_name}.\n\nĐơn vị vận chuyển: {carrier}\nMã vận đơn: {tracking_number}\nLý do: {reason}\n\n"
               "Việc tiếp theo: tiền của giao dịch vẫn được giữ trong tài khoản ký quỹ. Hãy liên hệ {sender_name} trên"
               " trang giao dịch để giao lại; nếu không thỏa thuận được, bạn có thể mở khiếu nại."),
        "en": Template("Shipment {tracking_number} of deal #{deal_id} is going back to its sender",
               "The carrier could not deliver the shipment of deal #{deal_id} and is returning it to {sender_name}.\n\n"
               "Carrier: {carrier}\nTracking number: {tracking_number}\nReason: {reason}\n\n"
               "What next: the deal's money stays in escrow. Talk to {sender_name} on the deal page about a new"
               " delivery; if you cannot agree, you may open a dispute."),
    },
    K.SHIPMENT_RETURNED: {
        "vi": Template("Lô hàng {tracking_number} đã được hoàn về cho bạn",
               "Đơn vị vận chuyển báo lô hàng của giao dịch #{deal_id} đã được hoàn về cho bạn.\n\n"
               "Đơn vị vận chuyển: {carrier}\nMã vận đơn: {tracking_number}\n\n"
               "Việc cần làm: kiểm tra hàng nhận lại, rồi giao lại hoặc thỏa thuận với bên kia trên trang giao dịch."),
        "en": Template("Shipment {tracking_number} is back with you",
               "The carrier reports the shipment of deal #{deal_id} returned to you.\n\n"
               "Carrier: {carrier}\nTracking number: {tracking_number}\n\n"
               "What to do: check the goods you got back, then ship again or agree with the other party on the deal"
               " page."),
    },
    K.SHIPMENT_RETURNED_RECEIVER: {
        "vi": Template("Lô hàng {tracking_number} của giao dịch #{deal_id} đã được hoàn về người gửi",
               "Đơn vị vận chuyển báo lô hàng của giao dịch #{deal_id} đã được hoàn về {sender_name}.\n\n"
               "Việc tiếp theo: tiền của giao dịch vẫn được giữ trong tài khoản ký quỹ. Hãy thỏa thuận với"
               " {sender_name} trên trang giao dịch về việc giao lại; nếu không thỏa thuận được, bạn có thể mở khiếu"
               " nại."),
        "en": Template("Shipment {tracking_number} of deal #{deal_id} went back to its sender",
               "The carrier reports the shipment of deal #{deal_id} returned to {sender_name}.\n\n"
               "What next: the deal's money stays in escrow. Agree with {sender_name} on the deal page on a new"
               " delivery; if you cannot agree, you may open a dispute."),
    },
    K.SHIPMENT_LOST: {
        "vi": Template("Lô hàng {tracking_number} của giao dịch #{deal_id} bị thất lạc",
               "Đơn vị vận chuyển báo lô hàng của giao dịch #{deal_id} đã bị thất lạc.\n\n"
               "Đơn vị vận chuyển: {carrier}\nMã vận đơn: {tracking_number}\nThời điểm: {occurred_at}\n\n"
               "Việc tiếp theo: tiền của giao dịch vẫn được giữ trong tài khoản ký quỹ. Bên gửi hàng hãy yêu cầu đơn vị"
               " vận chuyển bồi thường và thỏa thuận với bên kia về việc gửi lại; bên nhận hàng có thể mở khiếu nại nếu"
               " không nhận được hàng."),
        "en": Template("Shipment {tracking_number} of deal #{deal_id} is lost",
               "The carrier reports the shipment of deal #{deal_id} lost.\n\n"
               "Carrier: {carrier}\nTracking number: {tracking_number}\nWhen: {occurred_at}\n\n"
               "What next: the deal's money stays in escrow. The sender should claim from the carrier and agree with"
               " the other party on shipping again; the receiver may open a dispute if the goods do not arrive."),
    },
    K.SHIPMENT_UNKNOWN_STATUS: {
        "vi": Template("Mã trạng thái lạ từ {carrier}: \u201c{raw_status}\u201d",
               "{carrier} gửi mã trạng thái \u201c{raw_status}\u201d, không có trong bảng mã của đơn vị này, cho lô hàng"
               " {tracking_number} (giao dịch #{deal_id}). Lô hàng được coi là đang bị tạm giữ; các bên đã được báo.\n\n"
               "Mô tả của đơn vị vận chuyển: {reason}\n\n"
               "Việc cần làm: xem lô hàng trong trang Vận chuyển, hỏi đơn vị vận chuyển mã này nghĩa là gì và bổ sung"
               " mã vào bảng trạng thái của đơn vị."),
        "en": Template("Unknown status code from {carrier}: \u201c{raw_status}\u201d",
               "{carrier} sent the status code \u201c{raw_status}\u201d, which is not in its table, for shipment"
               " {tracking_number} (deal #{deal_id}). The shipment counts as held up; the parties were told.\n\n"
               "Carrier's description: {reason}\n\n"
               "What to do: look at the shipment on the Shipments page, ask the carrier what the code means and add"
               " it to the carrier's status table."),
    },
    K.OUTBOX_FAILED: {
        "vi": Template("Lệnh gửi ra ngoài #{command_id} đã thất bại",
               "Lệnh {command_kind} (khóa {command_key}) đã thất bại sau {attempts} lần thử và sẽ không được thử"
               " lại.\n\nLỗi cuối cùng: {error}\n\n"
               "Việc cần làm: tìm nguyên nhân, sửa rồi cho lệnh chạy lại."),
        "en": Template("Outgoing call #{command_id} failed",
               "The {command_kind} call (key {command_key}) failed after {attempts} attempts and will not be tried"
               " again.\n\nLast error: {error}\n\n"
               "What to do: find the cause, fix it and let the call run again."),
    },
    K.DEAL_REVIEWED: {
        "vi": Template("{buyer_name} đã đánh giá giao dịch #{deal_id}",
               "{buyer_name} đã đánh giá giao dịch #{deal_id}.\n\nChất lượng: {quality}/5\nĐúng hạn: {on_time}/5\n"
               "Giao tiếp: {communication}/5\n\n"
               "Việc tiếp theo: đọc nhận xét trên trang giao dịch; bạn có thể trả lời một lần, câu trả lời hiển thị"
               " công khai cùng đánh giá trên hồ sơ của bạn."),
        "en": Template("{buyer_name} reviewed deal #{deal_id}",
               "{buyer_name} reviewed deal #{deal_id}.\n\nQuality: {quality}/5\nOn time: {on_time}/5\n"
               "Communication: {communication}/5\n\n"
               "What next: read the comment on the deal page; you may reply once, and your reply is shown publicly"
               " with the review on your profile."),
    },
    K.DEAL_REVIEW_REPLIED: {
        "vi": Template("{vendor_name} đã trả lời đánh giá giao dịch #{deal_id}",
               "{vendor_name} đã trả lời đánh giá của bạn về giao dịch #{deal_id}.\n\n"
               "Xem câu trả lời trên trang giao dịch; bạn không cần làm gì thêm."),
        "en": Template("{vendor_name} replied to your review of deal #{deal_id}",
               "{vendor_name} replied to your review of deal #{deal_id}.\n\n"
               "Read the reply on the deal page; there is nothing more to do."),
    },
    K.MILESTONE_DUE: {
        "vi": Template("Đến hạn thanh toán: {amount} cho giao dịch #{deal_id} trước {due_at}",
               "Hàng của giao dịch #{deal_id} với {vendor_name} đã được giao, nên khoản \u201c{milestone}\u201d"
               " ({amount}) đã đến hạn.\n\nHạn thanh toán: {due_at}\nMã chuyển khoản (ghi đúng vào nội dung):"
               " {reference}\n\nViệc cần làm: chuyển khoản vào tài khoản ký quỹ trước hạn; tiền được chuyển cho nhà"
               " cung cấp cùng phần còn lại khi bạn nghiệm thu, hoặc ngay lập tức nếu giao dịch đã hoàn tất."),
        "en": Template("Payment due: {amount} for deal #{deal_id} by {due_at}",
               "The goods of deal #{deal_id} with {vendor_name} are delivered, so \u201c{milestone}\u201d ({amount})"
               " is now due.\n\nDue by: {due_at}\nTransfer reference (write it exactly in the memo): {reference}\n\n"
               "What to do: pay into escrow before the due date; the money goes to the vendor with the rest when you"
               " accept the goods, or at once if the deal is already complete."),
    },
    K.MILESTONE_DUE_SOON: {
        "vi": Template("Nhắc hạn: thanh toán {amount} cho giao dịch #{deal_id} trước {due_at}",
               "Khoản \u201c{milestone}\u201d ({amount}) của giao dịch #{deal_id} với {vendor_name} chưa được thanh"
               " toán.\n\nHạn thanh toán: {due_at}\nMã chuyển khoản: {reference}\n\nViệc cần làm: chuyển khoản"
               " trước hạn để khoản này không bị quá hạn."),
        "en": Template("Reminder: pay {amount} for deal #{deal_id} by {due_at}",
               "\u201c{milestone}\u201d ({amount}) of deal #{deal_id} with {vendor_name} is not paid yet.\n\n"
               "Due by: {due_at}\nTransfer reference: {reference}\n\nWhat to do: pay before the due date so that"
               " it does not become overdue."),
    },
    K.MILESTONE_OVERDUE: {
        "vi": Template("Quá hạn: {amount} của giao dịch #{deal_id}",
               "Khoản \u201c{milestone}\u201d ({amount}) của giao dịch #{deal_id} với {vendor_name} đến hạn vào"
               " {due_at} nhưng chưa được thanh toán. Nhà cung cấp đã được thông báo.\n\nMã chuyển khoản:"
               " {reference}\n\nViệc cần làm: thanh toán ngay; khoản quá hạn hiển thị cho cả hai bên trên trang"
               " giao dịch."),
        "en": Template("Overdue: {amount} of deal #{deal_id}",
               "\u201c{milestone}\u201d ({amount}) of deal #{deal_id} with {vendor_name} was due on {due_at} and is"
               " not paid. The vendor has been told.\n\nTransfer reference: {reference}\n\nWhat to do: pay it now;"
               " the overdue amount shows to both sides on the deal page."),
    },
    K.MILESTONE_OVERDUE_VENDOR: {
        "vi": Template("{buyer_name} chưa thanh toán {amount} của giao dịch #{deal_id}",
               "Khoản \u201c{milestone}\u201d ({amount}) của giao dịch #{deal_id} đến hạn vào {due_at} nhưng"
               " {buyer_name} chưa thanh toán. Bên mua đã được nhắc.\n\nKhoản này không được giữ trong ký quỹ:"
               " nền tảng không tự chuyển tiền. Bạn có thể liên hệ bên mua; khoản quá hạn hiển thị trên trang giao"
               " dịch và trong hồ sơ thanh toán của giao dịch."),
        "en": Template("{buyer_name} has not paid {amount} of deal #{deal_id}",
               "\u201c{milestone}\u201d ({amount}) of deal #{deal_id} was due on {due_at} and {buyer_name} has not"
               " paid it. The buyer has been reminded.\n\nThis amount is not held in escrow: the platform moves no"
               " money by itself. You may contact the buyer; the overdue amount shows on the deal page and in the"
               " deal's payment record."),
    },
    K.MILESTONE_PAID: {
        "vi": Template("{buyer_name} đã thanh toán {amount} của giao dịch #{deal_id}",
               "{buyer_name} đã thanh toán khoản \u201c{milestone}\u201d ({amount}) của giao dịch #{deal_id}.\n\n"
               "Tiền được giữ trong ký quỹ và chuyển cho bạn (trừ phí nền tảng) khi giao dịch hoàn tất, hoặc đã"
               " được chuyển ngay nếu giao dịch đã hoàn tất."),
        "en": Template("{buyer_name} paid {amount} of deal #{deal_id}",
               "{buyer_name} paid \u201c{milestone}\u201d ({amount}) of deal #{deal_id}.\n\n"
               "The money is held in escrow and released to you (less the platform's commission) when the deal"
               " completes, or was released at once if it had completed already."),
    },
    K.E_INVOICE_MISMATCH: {
        "vi": Template("Hoá đơn điện tử {invoice_number} không khớp với giao dịch #{deal_id}",
               "Hoá đơn điện tử {invoice_number} mà nhà cung cấp đính kèm giao dịch #{deal_id} không khớp ở: {fields_vi}.\n\n"
               "Tổng tiền của giao dịch: {total}.\n\n"
               "Việc cần làm: kiểm tra kết quả đối chiếu trên trang hoá đơn điện tử của giao dịch; nhà cung cấp cần"
               " lập hoá đơn điều chỉnh hoặc thay thế và đính kèm lại."),
        "en": Template("E-invoice {invoice_number} does not match deal #{deal_id}",
               "The e-invoice {invoice_number} the vendor attached to deal #{deal_id} disagrees in: {fields_en}.\n\n"
               "The deal's total: {total}.\n\n"
               "What to do: see the check result on the deal's e-invoice page; the vendor should issue an adjusting"
               " or replacing invoice and attach it again."),
    },
    K.ORDER_PLACED: {
        "vi": Template("Đơn hàng mới #{order_id} từ {buyer_name}: {total}",
               "{buyer_name} đã đặt đơn hàng #{order_id} trị giá {total} theo giá trong danh mục của bạn.\n\n"
               "Việc cần làm: xác nhận (đơn hàng trở thành giao dịch chờ thanh toán ký quỹ) hoặc từ chối kèm lý do"
               " trước {confirm_by_at}. Quá hạn, đơn hàng bị hủy và hàng giữ chỗ được trả lại kho."),
        "en": Template("New order #{order_id} from {buyer_name}: {total}",
               "{buyer_name} placed order #{order_id} worth {total} at your catalog prices.\n\n"
               "What next: confirm it (it becomes a deal awaiting payment into escrow) or reject it with a reason"
               " by {confirm_by_at}. Past that, the order is cancelled and its reserved stock released."),
    },
    K.ORDER_APPROVAL_REQUESTED: {
        "vi": Template("Cần phê duyệt: đơn hàng #{order_id} ({total})",
               "Đơn hàng #{order_id} gửi {vendor_name} trị giá {total} vượt hạn mức phê duyệt của tổ chức.\n\n"
               "Việc cần làm: phê duyệt để gửi đơn cho nhà cung cấp, hoặc hủy đơn."),
        "en": Template("Approval needed: order #{order_id} ({total})",
               "Order #{order_id} to {vendor_name} worth {total} is above your organisation's approval"
               " threshold.\n\nWhat next: approve it to send it to the vendor, or cancel it."),
    },
    K.ORDER_CONFIRMED: {
        "vi": Template("{vendor_name} đã xác nhận đơn hàng #{order_id}",
               "{vendor_name} đã xác nhận đơn hàng #{order_id}. Giao dịch #{deal_id} trị giá {total} đã được tạo"
               " với giá đã chốt.\n\nViệc cần làm: thanh toán vào tài khoản ký quỹ để nhà cung cấp giao hàng."),
        "en": Template("{vendor_name} confirmed order #{order_id}",
               "{vendor_name} confirmed order #{order_id}. Deal #{deal_id} worth {total} was created at the frozen"
               " prices.\n\nWhat next: pay into escrow so that the vendor ships."),
    },
    K.ORDER_REJECTED: {
        "vi": Template("{vendor_name} đã từ chối đơn hàng #{order_id}",
               "{vendor_name} đã từ chối đơn hàng #{order_id} ({total}).\n\nLý do: {reason}\n\n"
               "Hàng giữ chỗ đã được trả lại kho; bạn có thể đặt lại từ đơn hàng này."),
        "en": Template("{vendor_name} rejected order #{order_id}",
               "{vendor_name} rejected order #{order_id} ({total}).\n\nReason: {reason}\n\n"
               "The reserved stock was released; you may reorder from this order."),
    },
    K.ORDER_CONFIRM_DUE: {
        "vi": Template("Sắp hết hạn xác nhận đơn hàng #{order_id}",
               "Đơn hàng #{order_id} của {buyer_name} ({total}) vẫn chờ bạn xác nhận.\n\n"
               "Việc cần làm: xác nhận hoặc từ chối trước {confirm_by_at}; quá hạn, đơn hàng bị hủy."),
        "en": Template("Order #{order_id} must be confirmed soon",
               "Order #{order_id} from {buyer_name} ({total}) still waits for your answer.\n\n"
               "What next: confirm or reject it by {confirm_by_at}; past that, it is cancelled."),
    },
    K.ORDER_LAPSED: {
        "vi": Template("Đơn hàng #{order_id} đã bị hủy vì quá hạn xác nhận",
               "{vendor_name} không xác nhận đơn hàng #{order_id} ({total}) của {buyer_name} kịp hạn nên đơn hàng"
               " đã bị hủy. Hàng giữ chỗ đã được trả lại kho."),
        "en": Template("Order #{order_id} was cancelled: not confirmed in time",
               "{vendor_name} did not confirm order #{order_id} ({total}) from {buyer_name} in time, so it was"
               " cancelled. Its reserved stock was released."),
    },
    K.CONTRACT_PROPOSED: {
        "vi": Template("Hợp đồng khung #{contract_id} chờ bạn ký: {title}",
               "{proposer_name} đề xuất hợp đồng khung #{contract_id} \u201c{title}\u201d giữa {buyer_name} và"
               " {vendor_name}: giá cố định cho các mặt hàng trong hợp đồng, giá trị tối đa {max_value}, hiệu lực"
               " đến {ends_on}.\n\n"
               "Việc cần làm: xem điều khoản rồi ký hoặc từ chối kèm lý do trước {sign_by_at}. Quá hạn, đề xuất hết"
               " hiệu lực. Khi hai bên đã ký, bên mua đặt hàng theo hợp đồng mà không cần phê duyệt lại."),
        "en": Template("Framework contract #{contract_id} waits for your signature: {title}",
               "{proposer_name} proposes framework contract #{contract_id} \u201c{title}\u201d between {buyer_name}"
               " and {vendor_name}: fixed prices for its items, up to {max_value} in all, valid until {ends_on}.\n\n"
               "What next: read the terms, then sign it or decline it with a reason by {sign_by_at}. Past that,"
               " the proposal lapses. Once both sides signed, the buyer calls off goods under it without a new"
               " approval."),
    },
    K.CONTRACT_SIGNED: {
        "vi": Template("Hợp đồng khung #{contract_id} đã được ký: {title}",
               "{buyer_name} và {vendor_name} đã cùng ký hợp đồng khung #{contract_id} \u201c{title}\u201d. Hợp"
               " đồng có hiệu lực từ {starts_on} đến {ends_on}, giá trị tối đa {max_value}.\n\n"
               "Bên mua có thể gọi hàng theo giá hợp đồng; mỗi lần gọi hàng trở thành một giao dịch ký quỹ."),
        "en": Template("Framework contract #{contract_id} is signed: {title}",
               "{buyer_name} and {vendor_name} both signed framework contract #{contract_id} \u201c{title}\u201d. It"
               " runs from {starts_on} to {ends_on}, up to {max_value}.\n\n"
               "The buyer may call off goods at the contract's prices; each call-off becomes an escrow-protected"
               " deal."),
    },
    K.CONTRACT_DECLINED: {
        "vi": Template("Hợp đồng khung #{contract_id} bị từ chối",
               "Đề xuất hợp đồng khung #{contract_id} \u201c{title}\u201d đã bị từ chối.\n\nLý do: {reason}\n\n"
               "Bạn có thể đề xuất một hợp đồng mới với điều khoản khác."),
        "en": Template("Framework contract #{contract_id} was declined",
               "The proposed framework contract #{contract_id} \u201c{title}\u201d was declined.\n\n"
               "Reason: {reason}\n\nYou may propose a new contract on other terms."),
    },
    K.CONTRACT_WITHDRAWN: {
        "vi": Template("Đề xuất hợp đồng khung #{contract_id} đã được rút lại",
               "Bên đề xuất đã rút lại phiên bản {version} của hợp đồng khung #{contract_id} \u201c{title}\u201d."
               " Bạn không cần làm gì thêm."),
        "en": Template("Framework contract #{contract_id}: proposal withdrawn",
               "The proposer withdrew version {version} of framework contract #{contract_id} \u201c{title}\u201d."
               " Nothing is asked of you."),
    },
    K.CONTRACT_LAPSED: {
        "vi": Template("Hợp đồng khung #{contract_id}: đề xuất đã hết hạn ký",
               "Phiên bản {version} của hợp đồng khung #{contract_id} \u201c{title}\u201d không được hai bên ký kịp"
               " hạn nên đã hết hiệu lực. Nếu vẫn cần, hãy đề xuất lại."),
        "en": Template("Framework contract #{contract_id}: proposal lapsed",
               "Version {version} of framework contract #{contract_id} \u201c{title}\u201d was not signed by both"
               " sides in time and has lapsed. Propose it again if you still need it."),
    },
    K.CONTRACT_EXPIRING: {
        "vi": Template("Hợp đồng khung #{contract_id} sắp hết hiệu lực ({ends_on})",
               "Hợp đồng khung #{contract_id} \u201c{title}\u201d giữa {buyer_name} và {vendor_name} hết hiệu lực"
               " sau {days_left} ngày, vào {ends_on}.\n\n"
               "Việc cần làm: nếu hai bên muốn tiếp tục, hãy gia hạn (một hợp đồng mới cùng giá và điều khoản, hai"
               " bên cùng ký). Sau ngày hết hạn không thể gọi hàng theo hợp đồng này nữa."),
        "en": Template("Framework contract #{contract_id} ends on {ends_on}",
               "Framework contract #{contract_id} \u201c{title}\u201d between {buyer_name} and {vendor_name} ends in"
               " {days_left} days, on {ends_on}.\n\n"
               "What next: to go on, renew it (a new contract with the same prices and terms, signed by both)."
               " After its last day no call-off can be placed under it."),
    },
    K.CONTRACT_EXPIRED: {
        "vi": Template("Hợp đồng khung #{contract_id} đã hết hiệu lực",
               "Hợp đồng khung #{contract_id} \u201c{title}\u201d đã hết hiệu lực vào {ends_on}. Các giao dịch đang"
               " thực hiện theo hợp đồng vẫn tiếp tục như đã thỏa thuận."),
        "en": Template("Framework contract #{contract_id} has ended",
               "Framework contract #{contract_id} \u201c{title}\u201d ended on {ends_on}. Deals already under way"
               " go on as agreed."),
    },
    K.CONTRACT_TERMINATED: {
        "vi": Template("Hợp đồng khung #{contract_id} đã bị chấm dứt",
               "{by_name} đã chấm dứt hợp đồng khung #{contract_id} \u201c{title}\u201d trước hạn.\n\n"
               "Lý do: {reason}\n\nKhông thể gọi hàng theo hợp đồng này nữa; các giao dịch đang thực hiện vẫn"
               " tiếp tục như đã thỏa thuận."),
        "en": Template("Framework contract #{contract_id} was terminated",
               "{by_name} terminated framework contract #{contract_id} \u201c{title}\u201d early.\n\n"
               "Reason: {reason}\n\nNo more call-offs can be placed under it; deals already under way go on as"
               " agreed."),
    },
    K.CONTRACT_AMENDMENT_PROPOSED: {
        "vi": Template("Sửa đổi hợp đồng khung #{contract_id} chờ bạn chấp nhận",
               "{proposer_name} đề xuất sửa đổi hợp đồng khung #{contract_id} \u201c{title}\u201d (phiên bản"
               " {version}): {summary}\n\n"
               "Việc cần làm: chấp nhận hoặc từ chối kèm lý do trước {sign_by_at}. Trong lúc chờ, các lần gọi hàng"
               " vẫn theo điều khoản hiện hành."),
        "en": Template("Framework contract #{contract_id}: an amendment waits for you",
               "{proposer_name} proposes an amendment to framework contract #{contract_id} \u201c{title}\u201d"
               " (version {version}): {summary}\n\n"
               "What next: accept it or decline it with a reason by {sign_by_at}. Meanwhile call-offs use the terms"
               " in force."),
    },
    K.CONTRACT_AMENDED: {
        "vi": Template("Hợp đồng khung #{contract_id} đã được sửa đổi",
               "Hai bên đã chấp nhận sửa đổi (phiên bản {version}) của hợp đồng khung #{contract_id}"
               " \u201c{title}\u201d: {summary}\n\n"
               "Điều khoản mới áp dụng cho các lần gọi hàng từ nay; các giao dịch đã đặt giữ nguyên điều khoản cũ."),
        "en": Template("Framework contract #{contract_id} is amended",
               "Both sides accepted the amendment (version {version}) of framework contract #{contract_id}"
               " \u201c{title}\u201d: {summary}\n\n"
               "The new terms apply to call-offs from now on; deals already placed keep their terms."),
    },
    K.CONTRACT_AMENDMENT_DECLINED: {
        "vi": Template("Sửa đổi hợp đồng khung #{contract_id} bị từ chối",
               "Đề xuất sửa đổi (phiên bản {version}) của hợp đồng khung #{contract_id} \u201c{title}\u201d đã bị"
               " từ chối.\n\nLý do: {reason}\n\nHợp đồng tiếp tục theo điều khoản hiện hành."),
        "en": Template("Framework contract #{contract_id}: amendment declined",
               "The amendment (version {version}) of framework contract #{contract_id} \u201c{title}\u201d was"
               " declined.\n\nReason: {reason}\n\nThe contract goes on under the terms in force."),
    },
    K.CONTRACT_CALL_OFF: {
        "vi": Template("Gọi hàng theo hợp đồng khung #{contract_id}: giao dịch #{deal_id}",
               "{buyer_name} đã gọi hàng theo hợp đồng khung #{contract_id} \u201c{title}\u201d: giao dịch"
               " #{deal_id} trị giá {total} theo giá hợp đồng. Giá trị hợp đồng còn lại: {remaining_value}.\n\n"
               "Giao dịch chờ bên mua thanh toán ký quỹ; bạn sẽ được báo khi có thể giao hàng."),
        "en": Template("Call-off under framework contract #{contract_id}: deal #{deal_id}",
               "{buyer_name} called off goods under framework contract #{contract_id} \u201c{title}\u201d: deal"
               " #{deal_id} worth {total} at the contract's prices. Left under the contract: {remaining_value}.\n\n"
               "The deal waits for the buyer's payment into escrow; you will be told when you may ship."),
    },
}


def render_email(kind: str, data: dict, *, name: str, locale: str, zone: str | None, link: str, settings: str,
                 mandatory: bool = False) -> Email:
    """The e-mail of one notification for one reader: its own template when it has one (and the data
    carries every figure it needs), else the feed text; in the reader's language and time zone."""
    values = reader_values(data, locale, zone)
    texts = EMAILS.get(kind, {})
    template = texts.get(locale) or texts.get("en")
    try:
        subject, body = template.subject.format(**values), template.body.format(**values)
    except (AttributeError, KeyError, IndexError):  # no e-mail of its own, or a figure is missing
        subject = body = render(kind, data, locale, zone)
    frame = FRAME.get(locale) or FRAME["en"]
    text = frame.format(name=name, body=body, link=link, settings=settings,
                        mandatory=(MANDATORY.get(locale) or MANDATORY["en"]) if mandatory else "")
    return Email(subject=subject, body=text)
