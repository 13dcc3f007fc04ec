"""Files the API hands out: what a service returns (``Download``) and how a view sends it."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Response, send_file, stream_with_context


@dataclass(frozen=True)
class Download:
    """A file to send as an attachment: a stored file's path or text chunks streamed as UTF-8."""

    body: Path | Iterable[str]
    mimetype: str
    download_name: str  #: any text; the response header carries it safely (RFC 6266 ``filename*`` if not ASCII)


class _ChunkReader(io.RawIOBase):
    """A read-only binary file over text chunks, so ``send_file`` can stream them."""

    def __init__(self, chunks: Iterator[str]):
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk.encode("utf-8")
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None and not self.closed:
            close()  # ends the generator, and with it the request context it holds
        super().close()


def send_download(download: Download) -> Response:
    """The response for a download: an attachment whose ``Content-Disposition`` werkzeug builds from its name."""
    body = download.body
    if not isinstance(body, Path):
        # streamed while the request context (and its database session) is still open
        body = io.BufferedReader(_ChunkReader(stream_with_context(iter(body))))
    return send_file(body, mimetype=download.mimetype, as_attachment=True, download_name=download.download_name)
