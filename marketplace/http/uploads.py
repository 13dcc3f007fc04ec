"""Uploaded files: the name a client sends is reduced to a safe base name before it is stored or echoed."""

from __future__ import annotations

from pathlib import PureWindowsPath

from pathvalidate import sanitize_filename


def safe_filename(name: str | None, default: str = "upload") -> str:
    """``../../etc/x.pdf`` -> ``x.pdf``: the last path component, without control characters, reserved
    characters or leading dots, at most 255 bytes; ``default`` when nothing usable is left.
    Non-ASCII letters (Vietnamese names) are kept."""
    base = PureWindowsPath((name or "").replace("\x00", "")).name  # splits on both / and \
    cleaned = sanitize_filename(base, max_len=255).strip().lstrip(".").strip()
    cleaned = "".join(ch for ch in cleaned if ch.isprintable())
    return cleaned or default
