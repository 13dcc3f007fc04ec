"""Content-addressed file storage under ``INSTANCE_PATH/uploads``: streamed to disk, hashed, size-capped."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from ..errors import DomainError

CHUNK = 64 * 1024

#: magic bytes -> (content type, extensions that may carry it)
SIGNATURES: list[tuple[bytes, str, tuple[str, ...]]] = [
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
]


class TooLargeError(DomainError):
    """The upload is bigger than the configured limit (413)."""

    status = 413
    code = "too_large"


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    head: bytes  #: the first bytes, for content sniffing
    path: Path


def uploads_root() -> Path:
    """The folder of stored uploads (created on first use)."""
    root = Path(current_app.config["INSTANCE_PATH"]) / "uploads"
    root.mkdir(parents=True, exist_ok=True)
    return root


def blob_path(sha256: str) -> Path:
    """Where the blob with this SHA-256 lives."""
    return uploads_root() / sha256[:2] / sha256


def store_stream(stream: BinaryIO, max_bytes: int) -> StoredBlob:
    """Copy ``stream`` to disk while hashing it; the file is named by its SHA-256 (identical uploads share it).

    :raises TooLargeError: more than ``max_bytes`` bytes; nothing is kept.
    """
    root = uploads_root()
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, tmp_name = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise TooLargeError(f"the file is larger than the limit of {max_bytes // (1024 * 1024)} MB",
                                        fields={"file": [f"at most {max_bytes} bytes"]})
                if len(head) < 16:
                    head = (head + chunk)[:16]
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        final = blob_path(sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_name, final)  # atomic: a reader never sees a half-written blob
        return StoredBlob(sha, size, head, final)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def sniff(head: bytes) -> tuple[str, tuple[str, ...]] | None:
    """The content type the bytes really are (PDF, PNG, JPEG), or None."""
    for magic, content_type, extensions in SIGNATURES:
        if head.startswith(magic):
            return content_type, extensions
    return None
