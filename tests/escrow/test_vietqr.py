"""The VietQR payload: EMVCo structure, NAPAS's merchant account template, CRC-16/CCITT."""

from __future__ import annotations

import pytest

from marketplace.escrow.gateways.bank import vietqr

#: a payload published with an open-source VietQR generator (120,000 VND to VietinBank 0011001932418)
PUBLISHED = ("00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN"
             "62170813ung ho lu lut6304C15C")


def test_the_published_example_is_reproduced_byte_for_byte():
    assert vietqr.payload("970415", "0011001932418", 120000, "ủng hộ lũ lụt") == PUBLISHED
    assert vietqr.is_valid(PUBLISHED)


def test_crc16_ccitt_false_check_value():
    assert vietqr.crc16("123456789") == "29B1"  # the catalogued check value of CRC-16/CCITT-FALSE


def test_structure_of_a_milestone_payload():
    text = vietqr.payload("970436", "0123456789", 9_250_000, "MKP12M185")
    top = vietqr.parse(text)
    assert list(top) == ["00", "01", "38", "53", "54", "58", "62", "63"]
    assert top["00"] == "01" and top["01"] == "12" and top["53"] == "704" and top["54"] == "9250000"
    assert top["58"] == "VN"
    merchant = vietqr.parse(top["38"])
    assert merchant == {"00": "A000000727", "01": "00069704360110" + "0123456789", "02": "QRIBFTTA"}
    assert vietqr.parse(merchant["01"]) == {"00": "970436", "01": "0123456789"}
    assert vietqr.parse(top["62"]) == {"08": "MKP12M185"}  # the reference, case kept
    assert vietqr.is_valid(text) and not vietqr.is_valid(text[:-1] + ("0" if text[-1] != "0" else "1"))


def test_static_code_without_amount_and_bad_values():
    top = vietqr.parse(vietqr.payload("970436", "0123456789"))
    assert top["01"] == "11" and "54" not in top and "62" not in top
    for args in (("97043", "1"), ("970436", ""), ("970436", "1" * 20), ("970436", "1", -1)):
        with pytest.raises(vietqr.VietQRError):
            vietqr.payload(*args)


def test_rendered_as_an_svg_data_uri():
    uri = vietqr.svg_data_uri(PUBLISHED)
    assert uri.startswith("data:image/svg+xml;base64,")


def test_for_instructions_uses_the_demo_bin_without_a_setting(app):
    ins = {"account_number": "0000000000", "amount": 18_000_000, "currency": "VND", "reference": "MKP1M150"}
    with app.test_request_context():
        text = vietqr.for_instructions(ins)
    assert vietqr.parse(vietqr.parse(vietqr.parse(text)["38"])["01"])["00"] == vietqr.DEMO_BANK_BIN
    with pytest.raises(vietqr.VietQRError), app.test_request_context():
        vietqr.for_instructions({**ins, "currency": "USD"})
