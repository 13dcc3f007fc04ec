"""Uploaded files: the name a client sends is reduced to a safe base name before it is stored or echoed."""

from __future__ import annotations

from pathlib import PureWindowsPath

from pathvalidate import sanitize_filename

MAX_BYTES = 255  #: the longest name most file systems take


def safe_filename(name: str | None, default: str = "upload") -> str:
    """``../../etc/x.pdf`` -> ``x.pdf``: the last path component, without control characters, reserved
    characters or leading dots, at most 255 bytes (a long name is cut before its extension, which is
    kept); ``default`` when nothing usable is left. Non-ASCII letters (Vietnamese names) are kept."""
    base = PureWindowsPath((name or "").replace("\x00", "")).name  # splits on both / and \
    base = "".join(ch for ch in base if ch.isprintable())
    if len(base.encode()) > MAX_BYTES:
        stem, dot, ext = base.rpartition(".")
        suffix = f".{ext}" if dot and stem and len(ext.encode()) <= 16 else ""
        room = MAX_BYTES - len(suffix.encode())
        base = (stem if suffix else base).encode()[:room].decode(errors="ignore").rstrip() + suffix
    cleaned = sanitize_filename(base, max_len=MAX_BYTES).strip().lstrip(".").strip()
    return cleaned or default
