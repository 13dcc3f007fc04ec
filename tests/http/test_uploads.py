"""Uploaded file names: only a safe base name survives (no paths, no control or reserved characters, no leading
dots, at most 255 bytes); Vietnamese letters are kept; nothing usable left gives the default."""

from __future__ import annotations

import unicodedata

import pytest

from marketplace.http.uploads import safe_filename


@pytest.mark.parametrize("name, expected", [
    ("../../etc/x.pdf", "x.pdf"),
    ("/etc/passwd", "passwd"),
    ("./../../../../root/.ssh/authorized_keys", "authorized_keys"),
    ("a/b/", "b"),
    ("invoices/2026/05/invoice.pdf", "invoice.pdf"),
], ids=["dotdot", "absolute", "dotdot-to-hidden", "trailing-slash", "nested"])
def test_a_posix_path_is_reduced_to_its_last_component(name, expected):
    assert safe_filename(name) == expected


@pytest.mark.parametrize("name, expected", [
    ("..\\..\\windows\\system32\\a.dll", "a.dll"),
    ("C:\\Users\\ana\\Desktop\\report.pdf", "report.pdf"),
    ("\\\\server\\share\\quote.xlsx", "quote.xlsx"),
    ("..\\../mixed\\path/x.csv", "x.csv"),
], ids=["dotdot", "drive", "unc", "mixed-separators"])
def test_a_windows_path_is_reduced_to_its_last_component(name, expected):
    assert safe_filename(name) == expected


@pytest.mark.parametrize("name, expected", [
    ("a\x00b.pdf", "ab.pdf"),
    ("a\x07\x1fb\x7f.txt", "ab.txt"),
    ("file\n.pdf", "file.pdf"),
    ("tab\there.pdf", "tabhere.pdf"),
    ("\u202etxt.exe", "txt.exe"),  # right-to-left override: would display as "exe.txt"
], ids=["nul", "bell-us-del", "newline", "tab", "rtl-override"])
def test_control_characters_are_removed(name, expected):
    assert safe_filename(name) == expected


def test_reserved_characters_are_removed():
    cleaned = safe_filename('a*b?c<d>e|f"g.pdf')
    assert cleaned == "abcdefg.pdf"
    assert not set('*?<>|":/\\') & set(cleaned)


@pytest.mark.parametrize("name", [".hidden", "..hidden", " . hidden"])
def test_leading_dots_are_dropped(name):
    assert safe_filename(name) == "hidden"


@pytest.mark.parametrize("name", [
    "Báo giá tháng 5.xlsx",
    "Hợp đồng mua bán - Công ty Ưu Việt.pdf",
    "Đơn đặt hàng số 12.docx",
    unicodedata.normalize("NFD", "Hóa đơn.pdf"),  # decomposed accents, as macOS sends them
])
def test_vietnamese_letters_are_kept(name):
    assert safe_filename(name) == name


def test_vietnamese_letters_are_kept_after_a_path():
    assert safe_filename("C:\\Tài liệu\\Hóa đơn VAT.pdf") == "Hóa đơn VAT.pdf"


@pytest.mark.parametrize("name", [None, "", "   ", ".", "..", "...", "/", "\\", "../", "..\\..\\", " .  ", "\x00\x01"])
def test_nothing_usable_gives_the_default(name):
    assert safe_filename(name) == "upload"
    assert safe_filename(name, default="document") == "document"


@pytest.mark.parametrize("name", ["x" * 300 + ".pdf", "đ" * 200 + ".pdf", "ư" * 300])
def test_a_long_name_fits_in_255_bytes(name):
    cleaned = safe_filename(name)
    assert 0 < len(cleaned.encode("utf-8")) <= 255
    assert cleaned[0] == name[0]


def test_a_safe_name_is_unchanged_and_stable():
    for name in ("quote-2026_05.v2.pdf", "Báo giá.xlsx"):
        assert safe_filename(name) == name
        assert safe_filename(safe_filename(name)) == name


def test_a_long_name_is_cut_before_its_extension():
    name = safe_filename("đ" * 200 + ".pdf")
    assert name.endswith(".pdf") and len(name.encode()) <= 255 and name.startswith("đ")
