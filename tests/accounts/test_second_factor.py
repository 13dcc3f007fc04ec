"""The second factor (TOTP with one-time recovery codes): turning it on, logging in with it, turning it off."""

from __future__ import annotations

import pyotp
import pytest

from marketplace.accounts import services
from marketplace.accounts.models import User
from marketplace.errors import ConflictError, ForbiddenError, InvalidInputError

from ..factories import PASSWORD


def _turn_on(db, user_id: int) -> tuple[str, list[str]]:
    user = db.session.get(User, user_id)
    secret = services.begin_second_factor(user)
    codes = services.enable_second_factor(user, pyotp.TOTP(secret).now())
    db.session.commit()
    return secret, codes


def _login(api, email, otp=None, expect=200):
    return api.call("POST", "/auth/login", json={"email": email, "password": PASSWORD, "otp": otp}, expect=expect)


def test_api_login_needs_the_code_once_the_second_factor_is_on(api, db):
    buyer = api.register("buyer")
    _login(api, buyer.email)  # no second factor yet: the password is enough
    secret, codes = _turn_on(db, buyer.user_id)
    assert len(codes) == services.RECOVERY_CODES == len(set(codes))
    assert _login(api, buyer.email, expect=401).get_json()["error"]["code"] == "second_factor_required"
    assert _login(api, buyer.email, "000000", expect=401).get_json()["error"]["code"] == "bad_second_factor"
    assert _login(api, buyer.email, pyotp.TOTP(secret).now()).get_json()["token"]
    me = api.get("/me", headers={"Authorization": f"Bearer {_login(api, buyer.email, pyotp.TOTP(secret).now()).get_json()['token']}"})
    assert me["user"]["has_second_factor"] is True


def test_a_recovery_code_works_once(api, db):
    buyer = api.register("buyer")
    _, codes = _turn_on(db, buyer.user_id)
    user = db.session.get(User, buyer.user_id)
    assert services.recovery_codes_left(user) == 10
    assert _login(api, buyer.email, codes[0].upper()).status_code == 200  # case does not matter
    assert _login(api, buyer.email, codes[0], expect=401).get_json()["error"]["code"] == "bad_second_factor"
    assert services.recovery_codes_left(user) == 9


def test_a_wrong_code_is_refused_everywhere(api, db):
    buyer = api.register("buyer")
    user = db.session.get(User, buyer.user_id)
    secret = services.begin_second_factor(user)
    with pytest.raises(InvalidInputError) as exc:
        services.enable_second_factor(user, "123456" if pyotp.TOTP(secret).now() != "123456" else "654321")
    assert exc.value.fields == {"code": ["the code is wrong or has expired"]}
    assert not user.has_second_factor
    codes = services.enable_second_factor(user, pyotp.TOTP(secret).now())
    assert not services.verify_second_factor(user, "not-a-code")
    assert not services.verify_second_factor(user, "")
    with pytest.raises(ConflictError):
        services.begin_second_factor(user)  # already on
    with pytest.raises(InvalidInputError):
        services.disable_second_factor(user, "nope")
    services.disable_second_factor(user, codes[1])
    assert not user.has_second_factor and user.totp_secret is None
    assert services.recovery_codes_left(user) == 0
    db.session.commit()
    _login(api, buyer.email)  # the password alone is enough again


def test_platform_staff_cannot_turn_the_second_factor_off(api, db):
    admin = api.platform_admin()
    secret, _ = _turn_on(db, admin.user_id)
    user = db.session.get(User, admin.user_id)
    with pytest.raises(ForbiddenError):
        services.disable_second_factor(user, pyotp.TOTP(secret).now())
    assert user.has_second_factor


def test_the_setup_uri_names_the_account_and_the_issuer(api, db):
    buyer = api.register("buyer")
    user = db.session.get(User, buyer.user_id)
    secret = services.begin_second_factor(user)
    uri = services.second_factor_uri(user)
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri and "issuer=Marketplace" in uri
