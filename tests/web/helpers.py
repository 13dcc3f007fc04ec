"""What several browser tests need: a second factor for admins, small real files, form values, clicks."""

from __future__ import annotations

import struct
import zlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pyotp

from marketplace.accounts.models import User
from marketplace.accounts.services import begin_second_factor, enable_second_factor

#: the pages' default zone: ``datetime-local`` inputs are read in it
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def with_second_factor(db, user_id: int) -> str:
    """Turn TOTP on for a user (as the security page would: platform admins need it) and return its secret."""
    user = db.session.get(User, user_id)
    secret = begin_second_factor(user)
    enable_second_factor(user, pyotp.TOTP(secret).now())
    db.session.commit()
    return secret


def one_page_pdf(text: str = "Giay chung nhan dang ky doanh nghiep") -> bytes:
    """A valid one-page PDF showing ``text`` (ASCII), with a correct cross-reference table, so an in-page
    viewer shows a real document."""
    stream = f"BT /F1 18 Tf 40 760 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def tiny_png() -> bytes:
    """A valid 8x8 green PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\x20\xa0\x60" * 8 for _ in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def catalog_csv(rows: int, bad: int = 0, prefix: str = "IMP", base_price: int = 1000) -> bytes:
    """A catalog import of ``rows`` Vietnamese data rows; the last ``bad`` have a negative MOQ (the error
    report lists them)."""
    lines = ["sku,name,unit,unit_price,moq,stock_qty,hs_code,tier_prices"]
    for i in range(rows):
        moq = "-5" if i >= rows - bad else "10"
        lines.append(f"{prefix}-{i:05d},Bu lông M{i % 30 + 6} mạ kẽm lô {i},piece,{base_price + i},{moq},{i * 3},"
                     f"731815,100:{base_price - 100 + i}")
    return ("\n".join(lines) + "\n").encode()


def local_input(days: float) -> str:
    """A ``datetime-local`` value ``days`` from now in the pages' default zone (Asia/Ho_Chi_Minh)."""
    return (datetime.now(HCM) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def accept_dialogs(page):
    """Answer yes to every confirmation the page asks (``data-confirm`` buttons)."""
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def submit(page, selector: str) -> None:
    """Click a submit button of a plain form and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)
