"""VietQR: the EMVCo merchant-presented QR payload (NAPAS 247 profile) a Vietnamese banking app scans to
fill in a bank transfer: the receiving bank (its BIN) and account, the amount in VND and the memo.

Layout (each object is ``ID`` + two-digit length + value): ``00`` payload format ``01``, ``01`` point of
initiation (``11`` static, ``12`` with an amount), ``38`` merchant account information (``00`` GUID
``A000000727``, ``01`` beneficiary: ``00`` bank BIN, ``01`` account number; ``02`` service code
``QRIBFTTA``: transfer to an account), ``53`` currency ``704``, ``54`` amount, ``58`` country ``VN``,
``62`` additional data (``08`` purpose: the payment reference), ``63`` CRC-16/CCITT-FALSE over
everything before it, ``6304`` included.
"""

from __future__ import annotations

import base64
import io
import re
import unicodedata

import segno
from flask import current_app

#: NAPAS's GUID of the VietQR inter-bank transfer service
GUID = "A000000727"
#: inter-bank fund transfer 24/7 to an account
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY = "VN"
#: the bank BIN used until a ``BANK_BIN`` setting names the platform's bank (970436: Vietcombank)
DEMO_BANK_BIN = "970436"


class VietQRError(ValueError):
    """A value that cannot go into a VietQR payload."""


def tlv(tag: str, value: str) -> str:
    """One EMVCo data object: tag, two-digit length, value."""
    if len(value) > 99:
        raise VietQRError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) as four upper-case hex digits."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return f"{crc:04X}"


_NOT_MEMO = re.compile(r"[^0-9A-Za-z ]+")


def _purpose(text: str) -> str:
    """The memo as banks keep it: ASCII letters, digits and spaces (diacritics dropped, case kept), at most
    25 characters; the payment reference stays as the buyer reads it."""
    text = text.replace("đ", "d").replace("Đ", "D")
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return " ".join(_NOT_MEMO.sub(" ", plain).split())[:25]


def payload(bank_bin: str, account_number: str, amount: int | None = None, purpose: str | None = None) -> str:
    """The VietQR text for a transfer of ``amount`` VND (whole dong; None: the payer types it) to
    ``account_number`` at the bank ``bank_bin``, with ``purpose`` as the memo.

    :raises VietQRError: a BIN that is not six digits, an empty or too long account number, a negative amount.
    """
    if not (len(bank_bin) == 6 and bank_bin.isdigit()):
        raise VietQRError("the bank BIN must be six digits")
    account_number = account_number.strip()
    if not account_number or len(account_number) > 19:
        raise VietQRError("the account number must have 1 to 19 characters")
    if amount is not None and amount < 0:
        raise VietQRError("the amount cannot be negative")
    beneficiary = tlv("00", bank_bin) + tlv("01", account_number)
    merchant = tlv("00", GUID) + tlv("01", beneficiary) + tlv("02", SERVICE_TO_ACCOUNT)
    parts = [tlv("00", "01"), tlv("01", "12" if amount else "11"), tlv("38", merchant), tlv("53", CURRENCY_VND)]
    if amount:
        parts.append(tlv("54", str(int(amount))))
    parts.append(tlv("58", COUNTRY))
    memo = _purpose(purpose or "")
    if memo:
        parts.append(tlv("62", tlv("08", memo)))
    body = "".join(parts) + "6304"
    return body + crc16(body)


def parse(text: str) -> dict[str, str]:
    """The top-level data objects of a payload, by tag (for checks and tests).

    :raises VietQRError: a truncated object.
    """
    out, i = {}, 0
    while i < len(text):
        if i + 4 > len(text):
            raise VietQRError("truncated payload")
        tag, length = text[i:i + 2], int(text[i + 2:i + 4])
        value = text[i + 4:i + 4 + length]
        if len(value) != length:
            raise VietQRError("truncated payload")
        out[tag] = value
        i += 4 + length
    return out


def is_valid(text: str) -> bool:
    """The payload's CRC (the last object, ``63``) matches its content."""
    return len(text) > 8 and text[-8:-4] == "6304" and crc16(text[:-4]) == text[-4:].upper()


def platform_bank_bin() -> str:
    """The platform bank's BIN: the ``BANK_BIN`` setting when there is one, else the demo default."""
    return str(current_app.config.get("BANK_BIN") or DEMO_BANK_BIN)


def for_instructions(instructions: dict) -> str:
    """The payload for one milestone's bank-transfer instructions (``account_number``, ``amount`` in
    minor units, ``currency``, ``reference``); only VND has a VietQR amount.

    :raises VietQRError: not payable by VietQR (another currency, or a bad account number).
    """
    if instructions.get("currency") != "VND":
        raise VietQRError("VietQR transfers are in VND")
    return payload(platform_bank_bin(), str(instructions["account_number"]), int(instructions["amount"]),
                   instructions.get("reference"))


def svg_data_uri(text: str, scale: int = 4) -> str:
    """The QR code of ``text`` as an SVG ``data:`` URI (the page's CSP allows ``img-src data:``)."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="svg", scale=scale, border=4, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
