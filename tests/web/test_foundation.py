"""The foundation in a real browser: login, logout, language, CSP, CSRF, error pages."""

from __future__ import annotations

import re

from .conftest import login


def test_logged_out_user_is_sent_to_the_login_page_and_back(page, api, world):
    page.goto("/account/")
    assert re.search(r"/login\?next=/account/", page.url)
    page.fill("input[name=email]", world.buyer.email)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("form button[type=submit].primary")
    assert page.url.endswith("/account/")


def test_wrong_password_is_shown_on_the_form_in_the_users_language(new_page, world):
    for locale, text in (("vi", "Sai e-mail hoặc mật khẩu"), ("en", "wrong e-mail or password")):
        page = new_page(locale)
        page.goto("/login")
        page.fill("input[name=email]", world.buyer.email)
        page.fill("input[name=password]", "not-the-password")
        response = page.expect_response  # noqa: F841 - kept readable below
        page.click("form button[type=submit].primary")
        assert text.lower() in page.inner_text(".errors").lower()


def test_every_page_carries_the_content_security_policy(page, live_server):
    for path in ("/login", "/nope", "/static/app.css"):
        response = page.goto(path)
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, path


def test_a_form_posted_without_its_csrf_token_is_refused(page, live_server):
    page.goto("/login")
    response = page.request.post("/login", form={"email": "x@example.com", "password": "whatever-long"})
    assert response.status == 400
    assert "biểu mẫu" in response.text().lower() or "form" in response.text().lower()


def test_unknown_page_is_a_404_page_in_html(page):
    response = page.goto("/no-such-page")
    assert response.status == 404
    assert page.locator("h1").inner_text().startswith(("Không tìm thấy", "Page not found"))


def test_language_switcher_changes_the_page_language(page, world):
    login(page, world.buyer.email, "correct-horse-battery")
    page.click("button[name=lang][value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    page.click("button[name=lang][value=vi]")
    assert page.locator("html").get_attribute("lang") == "vi"
