"""The platform admin pages in a real browser: verification queue, bank transfers and statement import,
the dispute desk with the exact allocation before the decision, and the money dashboard."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from marketplace.accounts.models import Organization
from marketplace.accounts.services import (
    add_membership,
    create_user,
)
from marketplace.deals.models import Deal
from marketplace.money import allocate, commission_for
from marketplace.vendors.models import VendorProfile
from tests.factories import PASSWORD, awaiting_deal, csv_bytes, row, valid_tax_code

from .conftest import login, screenshot
from .helpers import accept_dialogs, one_page_pdf, tiny_png, with_second_factor

# --- helpers --------------------------------------------------------------------------------------


def submitted_vendor(api, name: str, filename: str = "registration.pdf", content: bytes | None = None):
    """A vendor that completed its profile, uploaded its registration and submitted it for review."""
    vendor = api.register("vendor", name)
    api.call("PATCH", f"/vendors/{vendor.org_id}", vendor, json={
        "legal_name": f"{name} Co., Ltd", "tax_code": valid_tax_code(vendor.org_id), "regions": ["VN"]}, expect=200)
    api.upload_document(vendor, filename=filename, content=content)
    api.post(f"/vendors/{vendor.org_id}/verification", vendor)
    return vendor


def admin_login(page, who, secret: str) -> None:
    """Log the admin in through the pages (second factor included), in Vietnamese (its account says English)."""
    login(page, who.email, PASSWORD, totp_secret=secret)
    page.click("button[name=lang][value=vi]")
    page.wait_for_load_state("networkidle")


@pytest.fixture
def admin(api, db):
    """A platform admin with a second factor: (Who, totp secret)."""
    who = api.platform_admin()
    return who, with_second_factor(db, who.user_id)


# --- the journey ----------------------------------------------------------------------------------


def test_verification_queue_shows_documents_verifies_and_rejects_with_a_reason(page, api, db, admin):
    who, secret = admin
    good = submitted_vendor(api, "Cơ khí Bình Dương", content=one_page_pdf())
    other = submitted_vendor(api, "Nhựa Long An", filename="registration.png", content=tiny_png())
    admin_login(page, who, secret)
    accept_dialogs(page)

    page.goto("/admin/verifications")
    assert page.locator("h1").inner_text() == "Hàng chờ xác minh"
    section = page.locator(f"#vendor-{good.org_id}")
    assert "Cơ khí Bình Dương" in section.inner_text()
    assert section.locator(".tax-code-shared").count() == 0  # its own code, shared with nobody
    frame = section.locator("iframe.doc-view")
    src = frame.get_attribute("src")
    response = page.request.get(src)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert "attachment" not in response.headers.get("content-disposition", "")
    image = page.locator(f"#vendor-{other.org_id} img.doc-view")
    image.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth", image.element_handle()) == 8
    screenshot(page, "admin-verification-queue")

    # a tax code shared with another vendor (old data, written past the service's refusal) is flagged on both
    code = db.session.get(VendorProfile, good.org_id).tax_code
    db.session.execute(update(VendorProfile).where(VendorProfile.id == other.org_id).values(tax_code=code))
    db.session.commit()
    page.goto("/admin/verifications")
    flag = page.locator(f"#vendor-{good.org_id} .tax-code-shared").inner_text()
    assert "cùng mã số thuế" in flag and f"#{other.org_id}" in flag
    assert f"#{good.org_id}" in page.locator(f"#vendor-{other.org_id} .tax-code-shared").inner_text()
    db.session.execute(update(VendorProfile).where(VendorProfile.id == other.org_id).values(tax_code=None))
    db.session.commit()

    # rejecting without a reason: the message on the form, nothing changes
    section = page.locator(f"#vendor-{other.org_id}")
    section.locator("button[name=decision][value=reject]").click()
    assert "cần nêu lý do" in page.locator(f"#vendor-{other.org_id} .error").inner_text()
    assert api.get(f"/vendors/{other.org_id}", other)["verification_status"] == "pending"

    page.locator(f"#vendor-{good.org_id} button[name=decision][value=verify]").click()
    assert "Đã xác minh" in page.locator(".flash").inner_text()
    assert api.get(f"/vendors/{good.org_id}", good)["verification_status"] == "verified"

    page.locator(f"#vendor-{other.org_id} textarea[name=reason]").fill("Giấy phép đã hết hạn")
    page.locator(f"#vendor-{other.org_id} button[name=decision][value=reject]").click()
    status = api.get(f"/vendors/{other.org_id}", other)
    assert status["verification_status"] == "rejected"
    assert status["rejection_reason"] == "Giấy phép đã hết hạn"
    assert page.locator(f"#vendor-{other.org_id}").count() == 0  # no longer waiting


def test_bank_transfer_confirmation_and_statement_import(page, api, db, world, admin):
    who, secret = admin
    deal, milestones = awaiting_deal(api, world)
    second, second_milestones = awaiting_deal(api, world)
    admin_login(page, who, secret)
    accept_dialogs(page)

    page.goto("/admin/payments")
    reference = milestones[0]["reference"]
    line = page.locator(f"tr[data-reference='{reference}']")
    assert f"#{deal['id']}" in line.inner_text()
    line.locator("button[type=submit]").click()
    assert reference in page.locator(".flash").inner_text()
    for m in milestones[1:]:
        page.locator(f"tr[data-reference='{m['reference']}'] button[type=submit]").click()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "funded"
    screenshot(page, "admin-bank-transfers")

    # a wrong file: the message on the form, nothing imported
    lines_before = api.get("/admin/bank-statements/lines", world.admin)["items"]
    page.set_input_files("input[name=file]", files=[{"name": "statement.csv", "mimeType": "text/csv",
                                                     "buffer": tiny_png()}])
    page.click(".statement-import button[type=submit]")
    assert "sao kê phải là văn bản UTF-8" in page.locator(".statement-import .error").inner_text()
    page.set_input_files("input[name=file]", files=[{"name": "statement.csv", "mimeType": "text/csv",
                                                     "buffer": b"this,is,not\na,bank,statement\n"}])
    page.click(".statement-import button[type=submit]")
    assert "không phải là sao kê ngân hàng" in page.locator(".statement-import .error").inner_text()
    assert api.get("/admin/bank-statements/lines", world.admin)["items"] == lines_before

    rows = [row(m["amount"], f"Thanh toan {m['reference']}") for m in second_milestones]
    rows.append(row(1234000, "chuyen tien khong ghi ma"))
    page.set_input_files("input[name=file]", files=[{"name": "statement.csv", "mimeType": "text/csv",
                                                     "buffer": csv_bytes(rows)}])
    page.click(".statement-import button[type=submit]")
    result = page.locator(".import-result")
    assert "Kết quả đối chiếu" in result.inner_text()
    assert result.locator("tr[data-state=matched]").count() == len(second_milestones)
    assert result.locator("tr[data-state=unmatched]").count() == 1
    assert "Không có mã thanh toán" in result.inner_text()
    assert api.get(f"/deals/{second['id']}", world.buyer)["status"] == "funded"
    screenshot(page, "admin-statement-import")


def test_dispute_desk_split_with_the_exact_allocation(page, api, db, world, admin, run_jobs):
    who, secret = admin
    deal, _shipment = api.shipped_deal(world)
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "damaged", "description": "Một nửa số vòng bi bị gỉ sét."}, expect=201)
    api.post(f"/disputes/{dispute['id']}/messages", world.vendors[0], {"body": "Chúng tôi đề nghị chia đôi."},
             expect=201)
    admin_login(page, who, secret)

    page.goto("/admin/disputes")
    title = page.locator("h1").inner_text()
    assert title != "Dispute desk" and title == page.locator(".menu a[aria-current=page]").inner_text()
    page.locator(f"tr[data-dispute='{dispute['id']}'] a").click()
    assert "Chúng tôi đề nghị chia đôi." in page.locator(".messages").inner_text()
    assert "Một nửa số vòng bi bị gỉ sét." in page.inner_text("main")
    assert page.locator(".timeline li").count() >= 1

    # a split larger than what is held: the message, nothing decided
    page.check("input[name=outcome][value=split]")
    page.fill("input[name=vendor_amount]", "999.000.000.000")
    page.click(".decision-form button[type=submit]")
    assert page.locator(".decision-form .error").count() == 1
    assert api.get(f"/disputes/{dispute['id']}", world.buyer)["status"] == "negotiating"

    page.check("input[name=outcome][value=split]")
    page.fill("input[name=vendor_amount]", "9.000.000")
    page.fill("textarea[name=note]", "Chia theo thiệt hại.")
    page.click(".decision-form button[type=submit]")
    found = db.session.get(Deal, deal["id"])
    db.session.refresh(found)
    held = sum(m.amount for m in found.held_milestones())
    shares = allocate(9_000_000, [m.amount for m in found.held_milestones()])
    commission = sum(commission_for(s, found.commission_bps) for s in shares if s)
    table = page.locator(".allocation-table")
    to_vendor = f"{9_000_000 - commission:,}".replace(",", ".")
    assert to_vendor in table.locator("tr.to-vendor").inner_text()
    assert f"{commission:,}".replace(",", ".") in table.locator("tr.commission").inner_text()
    assert f"{held - 9_000_000:,}".replace(",", ".") in table.locator("tr.to-buyer").inner_text()
    assert api.get(f"/disputes/{dispute['id']}", world.buyer)["status"] == "negotiating"  # nothing yet
    screenshot(page, "admin-dispute-allocation")

    page.click(".allocation button[type=submit]")
    page.wait_for_url(f"**/admin/disputes/{dispute['id']}")
    assert page.locator(".flash").count() == 1
    decided = api.get(f"/disputes/{dispute['id']}", world.buyer)
    assert decided["status"] == "decided" and decided["decision"]["outcome"] == "split"
    assert page.locator(".decision-form").count() == 0
    run_jobs()
    assert api.get(f"/disputes/{dispute['id']}", world.buyer)["status"] == "resolved"

    page.goto("/admin/money")
    trial = page.locator(".trial-balance tr[data-currency=VND]")
    assert "Có" in trial.inner_text()
    chart = page.locator(".chart-box[data-currency=VND] svg.chart")
    assert chart.locator("polyline").count() == 1 and chart.locator("rect.bar").count() >= 1
    assert "ký quỹ" in chart.text_content() and "Đã giải ngân cho nhà cung cấp" in chart.text_content()
    assert "Tiền ký quỹ và tiền đã giải ngân theo thời gian" in page.inner_text(".chart-box h2")
    screenshot(page, "admin-money")


# --- who may open what ----------------------------------------------------------------------------


def test_a_buyer_gets_the_403_page(page, world):
    page.goto("/login?next=/admin/money")
    page.fill("input[name=email]", world.buyer.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit].primary")
    assert page.locator("h1").inner_text().startswith("Không được phép")
    for path in ("/admin/verifications", "/admin/payments", "/admin/disputes", "/admin/money"):
        response = page.goto(path)
        assert response.status == 403, path
        assert page.locator("h1").inner_text().startswith("Không được phép")


def test_support_reads_but_does_not_decide(page, api, db, world):
    vendor = submitted_vendor(api, "Dệt may Nam Định")
    org = db.session.get(Organization, world.admin.org_id)
    user = create_user("support-desk@example.test", "Support Person", PASSWORD, "vi")
    add_membership(user, org, "support")
    db.session.commit()
    secret = with_second_factor(db, user.id)
    login(page, user.email, PASSWORD, totp_secret=secret)

    page.goto("/admin/verifications")
    section = page.locator(f"#vendor-{vendor.org_id}")
    assert section.locator("button[name=decision]").count() == 0
    assert section.locator("iframe.doc-view").count() == 1
    page.goto("/admin/payments")
    assert page.locator(".statement-import").count() == 0
    response = page.request.post(f"/admin/verifications/{vendor.org_id}",
                                 form={"decision": "verify", "csrf_token": page.locator("meta[name=csrf-token]")
                                       .get_attribute("content")})
    assert response.status == 403
    assert api.get(f"/vendors/{vendor.org_id}", vendor)["verification_status"] == "pending"
    page.goto("/admin/money")
    assert page.locator(".trial-balance").count() == 1


def test_english_pages(new_page, api, db, admin):
    who, secret = admin
    page = new_page("en")
    login(page, who.email, PASSWORD, totp_secret=secret)
    for path, title in (("/admin/verifications", "Verification queue"), ("/admin/payments", "Bank transfers"),
                        ("/admin/disputes", "Dispute desk"), ("/admin/money", "Money")):
        page.goto(path)
        assert page.locator("h1").inner_text() == title
    for path in ("/admin/disputes/999999", "/admin/verifications/999999/documents/1"):
        assert page.goto(path).status == 404
        assert page.locator("h1").inner_text().startswith("Page not found")

