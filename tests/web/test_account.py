"""Account pages in a real browser: sign-up, log in and out, the second factor, members and roles, the
notification centre and its unread count; the demo mailbox (demo mode only)."""

from __future__ import annotations

import mailbox
import re
from email.message import EmailMessage

import pyotp
from sqlalchemy import func, select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Membership, Organization, User
from marketplace.notifications.services import notify_org

from .conftest import login, screenshot

PASSWORD = "correct-horse-battery"


def _count(db, model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _logout(page) -> None:
    page.click("header form button:has-text('Đăng xuất'), header form button:has-text('Log out')")
    page.wait_for_url(re.compile(r"/login"))


def _sign_up(page, email: str, password: str = "a-long-password-1", kind: str = "vendor", name: str = "Chị Mai"):
    page.goto("/account/signup")
    page.fill("input[name=name]", name)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.fill("input[name=org_name]", "Công ty TNHH Bao Bì Xanh")
    page.check(f"input[name=kind][value={kind}]")
    page.click("form button[type=submit].primary")


def test_a_vendor_signs_up_logs_out_and_logs_in_again(page, api, db):
    page.goto("/login")
    page.click("a[href='/account/signup']")
    assert page.locator("h1").inner_text() == "Tạo tài khoản"
    screenshot(page, "account-signup")
    _sign_up(page, "mai@baobixanh.vn")
    page.wait_for_load_state("networkidle")
    assert "Công ty TNHH Bao Bì Xanh" in page.inner_text("header .who")
    user = db.session.execute(select(User).where(User.email == "mai@baobixanh.vn")).scalar_one()
    org = user.memberships[0].organization
    assert org.kind == "vendor" and user.memberships[0].role == "owner" and org.currency == "VND"
    assert api.get(f"/vendors/{org.id}")["verification_status"] == "unverified"
    _logout(page)
    login(page, "mai@baobixanh.vn", "a-long-password-1")
    assert "Chị Mai" in page.inner_text("header .who")


def test_sign_up_with_bad_input_shows_the_messages_and_creates_nothing(page, api, db):
    taken = api.register("buyer")
    users, orgs = _count(db, User), _count(db, Organization)
    _sign_up(page, taken.email.upper())
    assert "đã có tài khoản dùng e-mail này" in page.inner_text(".errors")  # an account with this e-mail already exists
    _sign_up(page, "new@example.test", password="short")
    assert page.locator(".field.invalid input[name=password]").count() == 1
    assert "10" in page.inner_text("#password-error")
    page.goto("/account/signup")
    page.click("form button[type=submit].primary")
    assert page.locator(".field.invalid").count() >= 3
    assert (_count(db, User), _count(db, Organization)) == (users, orgs)


def test_turning_on_the_second_factor_then_logging_in_with_a_code_and_a_recovery_code(page, api, db):
    buyer = api.register("buyer")
    login(page, buyer.email, PASSWORD)
    page.goto("/account/security")
    page.click("button:has-text('Bật xác thực hai lớp')")
    assert page.locator(".qr img").get_attribute("src").startswith("data:image/svg+xml")
    secret = page.inner_text("#totp-secret").strip()
    page.fill("input[name=code]", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.click("form button[type=submit].primary")
    assert page.locator(".field.invalid input[name=code]").count() == 1  # a wrong code changes nothing
    assert not db.session.get(User, buyer.user_id).has_second_factor
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("form button[type=submit].primary")
    codes = [c.strip() for c in page.locator(".recovery-codes code").all_inner_texts()]
    assert len(codes) == 10
    screenshot(page, "account-recovery-codes")
    _logout(page)
    login(page, buyer.email, PASSWORD, totp_secret=secret)
    page.goto("/account/security")
    assert page.locator("header .who").count() == 1
    assert "9" not in page.inner_text("#second-factor") and "10" in page.inner_text("#second-factor")
    _logout(page)
    for attempt in range(2):
        page.goto("/login")
        page.fill("input[name=email]", buyer.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit].primary")
        page.fill("input[name=code]", codes[0])
        page.click("form button[type=submit].primary")
        if attempt == 0:
            page.goto("/account/security")
            assert page.locator("header .who").count() == 1
            assert "9" in page.inner_text("#second-factor")
            _logout(page)
        else:  # a recovery code works once
            assert "hết hạn" in page.inner_text(".field.invalid")
            assert page.locator("header .who").count() == 0


def test_a_platform_admin_without_a_second_factor_is_sent_to_the_security_page(page, api, db):
    admin = api.platform_admin()
    login(page, admin.email, PASSWORD)
    assert page.url.endswith("/account/security")
    page.goto("/account/notifications")
    assert page.url.endswith("/account/security")
    assert "Platform staff must turn on" in page.inner_text("#second-factor")  # admins read English
    page.click("button:has-text('Turn on the second factor')")
    secret = page.inner_text("#totp-secret").strip()
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("form button[type=submit].primary")
    assert page.locator(".recovery-codes code").count() == 10
    page.goto("/account/security")
    assert page.locator("button:has-text('Turn the second factor off')").count() == 0  # staff keep it
    assert "must keep a second factor" in page.inner_text("#second-factor")
    page.goto("/account/notifications")
    assert page.url.endswith("/account/notifications")


def test_an_owner_adds_a_requester_and_changes_their_role(page, api, db):
    buyer = api.register("buyer")
    login(page, buyer.email, PASSWORD)
    page.goto("/account/members")
    page.fill("#invite input[name=name]", "Anh Tuấn")
    page.fill("#invite input[name=email]", "tuan@example.test")
    page.select_option("#invite select[name=role]", "requester")
    page.fill("#invite input[name=password]", "short")
    page.click("#invite button[type=submit]")
    assert page.locator("#invite .field.invalid input[name=password]").count() == 1
    assert db.session.execute(select(User).where(User.email == "tuan@example.test")).first() is None
    page.fill("#invite input[name=password]", "first-password-1")
    page.click("#invite button[type=submit]")
    row = page.locator("tr[data-member='tuan@example.test']")
    assert re.search("đề xuất|requester", row.locator("td.role").inner_text(), re.I)
    row.locator("select[name=role]").select_option("approver")
    row.locator("button[type=submit]").click()
    row = page.locator("tr[data-member='tuan@example.test']")
    assert re.search("phê duyệt|approver", row.locator("td.role").inner_text(), re.I)
    screenshot(page, "account-members")
    membership = db.session.execute(select(Membership).where(Membership.org_id == buyer.org_id,
                                                             Membership.role == "approver")).scalar_one()
    assert membership.user.email == "tuan@example.test"
    # the last owner stays an owner: the refusal is shown on the page
    owner = page.locator(f"tr[data-member='{buyer.email}']")
    owner.locator("select[name=role]").select_option("finance")
    owner.locator("button[type=submit]").click()
    assert "ít nhất một chủ sở hữu" in page.inner_text(".errors")
    assert api.get("/me", buyer)["role"] == "owner"


def test_a_requester_sees_members_but_cannot_change_them(page, api, db):
    buyer = api.register("buyer")
    requester = api.add_member(buyer, "requester")
    login(page, requester.email, PASSWORD)
    page.goto("/account/members")
    assert page.locator("select[name=role]").count() == 0 and page.locator("#invite").count() == 0
    row_id = db.session.execute(select(Membership.id).where(Membership.user_id == requester.user_id)).scalar_one()
    assert page.request.post(f"/account/members/{row_id}/role", form={"role": "owner"}).status == 400  # no CSRF
    token = page.get_attribute("meta[name=csrf-token]", "content")
    response = page.request.post(f"/account/members/{row_id}/role", form={"role": "owner", "csrf_token": token})
    assert response.status == 422 and "chủ sở hữu và quản trị viên" in response.text()  # the service refuses
    assert api.get("/me", requester)["role"] == "requester"


def test_the_unread_count_in_the_header_and_mark_all_read(page, api, db):
    buyer = api.register("buyer")
    for i in range(3):
        notify_org(buyer.org_id, "quote_received", {"quote_id": 40 + i, "rfq_id": 9}, key=f"web-{i}")
    db.session.commit()
    login(page, buyer.email, PASSWORD)
    page.wait_for_selector("#unread:text('3')")
    page.click("a.bell")
    assert page.locator("li.notification.unread").count() == 3
    assert "Có báo giá mới #42 cho yêu cầu #9" in page.inner_text("ul.feed")
    assert page.locator("ul.feed a").first.get_attribute("href") == "/buyer/rfqs/9"  # the RFQ it is about
    screenshot(page, "account-notifications")
    page.locator("li.notification.unread").first.locator("button").click()
    assert page.locator("li.notification.unread").count() == 2
    page.wait_for_selector("#unread:text('2')")
    page.click("button:has-text('Đánh dấu tất cả là đã đọc')")
    assert page.locator("li.notification.unread").count() == 0
    assert page.inner_text("#unread").strip() == ""
    assert api.get("/notifications/unread", buyer) == {"unread": 0}
    # another organisation's notification is the 404 page
    other = api.register("buyer")
    notify_org(other.org_id, "quote_received", {"quote_id": 1, "rfq_id": 1}, key="web-other")
    db.session.commit()
    theirs = api.get("/notifications", other)["items"][0]["id"]
    token = page.get_attribute("meta[name=csrf-token]", "content")
    response = page.request.post(f"/account/notifications/{theirs}/read", form={"csrf_token": token})
    assert response.status == 404 and "Không tìm thấy" in response.text()
    assert api.get("/notifications/unread", other) == {"unread": 1}


def test_the_profile_changes_language_time_zone_and_password(new_page, api, db):
    page = new_page("vi")
    buyer = api.register("buyer")
    login(page, buyer.email, PASSWORD)
    page.goto("/account/")
    page.fill("#profile input[name=profile-timezone]", "Mars/Olympus")
    page.click("#profile button[type=submit]")
    assert page.locator("#profile .field.invalid").count() == 1
    page.fill("#profile input[name=profile-timezone]", "Asia/Bangkok")
    page.select_option("#profile select[name=profile-locale]", "en")
    page.click("#profile button[type=submit]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "saved" in page.inner_text(".flash")
    user = db.session.get(User, buyer.user_id)
    db.session.refresh(user)
    assert (user.locale, user.timezone) == ("en", "Asia/Bangkok")
    page.fill("#organization input[name=org-approval_threshold]", "50,000,000")
    page.click("#organization button[type=submit]")
    assert "50,000,000" in page.inner_text("#organization dl")
    db.session.expire_all()
    assert db.session.get(Organization, buyer.org_id).approval_threshold == 50_000_000
    page.fill("#password input[name=password-current_password]", "wrong-password")
    page.fill("#password input[name=password-new_password]", "another-password-2")
    page.click("#password button[type=submit]")
    assert "current password is wrong" in page.inner_text("#password")
    page.fill("#password input[name=password-current_password]", PASSWORD)
    page.fill("#password input[name=password-new_password]", "another-password-2")
    page.click("#password button[type=submit]")
    assert "password was changed" in page.inner_text(".flash")
    assert accounts.check_password(buyer.email, "another-password-2").id == buyer.user_id


def test_the_demo_mailbox_is_a_404_page_outside_demo_mode(page):
    response = page.goto("/demo/mailbox")
    assert response.status == 404


def test_the_demo_mailbox_lists_the_emails_as_text(app, client, db, tmp_path, monkeypatch):
    path = tmp_path / "demo-mail.mbox"
    box = mailbox.mbox(str(path))
    for to, subject, body in (("a@demo.local", "Có báo giá mới #1", "Xin chào A,\n<b>not bold</b>"),
                              ("b@demo.local", "Deal #2 is funded", "Hello B")):
        msg = EmailMessage()
        msg["To"], msg["From"], msg["Subject"], msg["Date"] = to, "no-reply@marketplace.local", subject, \
            "Sun, 29 Nov 2026 10:00:00 +0000"
        msg.set_content(body)
        box.add(msg)
    box.close()
    monkeypatch.setitem(app.config, "DEMO_MODE", True)
    monkeypatch.setitem(app.config, "DEMO_MAILBOX_PATH", str(path))
    html = client.get("/demo/mailbox", headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert "Hộp thư demo" in html
    assert html.index("Deal #2 is funded") < html.index("Có báo giá mới #1")  # newest first
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html and "<b>not bold</b>" not in html
    assert "a@demo.local" in html


def test_the_demo_login_page_lists_the_accounts_and_the_admins_code(app, client, db, monkeypatch):
    from marketplace.seed import ADMIN_TOTP_SECRET

    org = accounts.create_organization("platform", "Operator")
    admin = accounts.create_user("admin@demo.local", "Platform Admin", "demo-password-1", "en")
    accounts.add_membership(admin, org, "admin")
    admin.totp_secret = ADMIN_TOTP_SECRET
    admin.totp_enabled_at = admin.created_at or func.now()
    db.session.commit()
    assert "admin@demo.local" not in client.get("/login").get_data(as_text=True)
    monkeypatch.setitem(app.config, "DEMO_MODE", True)
    html = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "admin@demo.local" in html and "demo-password-1" in html
    code = re.search(r'class="demo-code">(\d{6})<', html).group(1)
    assert pyotp.TOTP(ADMIN_TOTP_SECRET).verify(code, valid_window=1)
