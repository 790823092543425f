"""Handing a stored file to a browser: always as an attachment under a sanitised name,
with the type its content was checked to be, never sniffed, rendered or cached for
others. Shared documents (``sharing.downloads``) and activity materials use it."""

import unicodedata
from pathlib import PurePosixPath
from urllib.parse import quote

from django.http import FileResponse, HttpResponse

# A type for a file whose content was not (or could not be) checked: the browser only
# saves it.
UNKNOWN_TYPE = "application/octet-stream"


def ascii_fallback(name: str) -> str:
    """The name for clients that ignore ``filename*``: accents folded, other letters
    (e.g. Chinese) dropped, quotes and backslashes removed."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    folded = "".join(ch for ch in folded if ch.isprintable() and ch not in '"\\;')
    path = PurePosixPath(folded.strip())
    stem = path.stem.strip(" ._-")
    suffix = PurePosixPath(name).suffix if PurePosixPath(name).suffix.isascii() else path.suffix
    return (stem or "document") + suffix


def content_disposition(name: str) -> str:
    """``attachment`` with a plain ASCII ``filename`` and the exact UTF-8 name as
    ``filename*`` (RFC 6266 / RFC 5987), which every current browser prefers."""
    return f"attachment; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{quote(name)}"


def protect(response: HttpResponse) -> HttpResponse:
    """Never let a browser guess a type, render the file inline (a sandbox without any
    allowed source) or cache it for others."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


def attachment(handle, *, name: str, content_type: str, size: int | None = None) -> FileResponse:
    """The open file ``handle`` as a protected attachment called ``name`` (already
    sanitised, see ``core.uploads.sanitise_filename``)."""
    response = FileResponse(handle, content_type=content_type)
    if size is not None:
        response["Content-Length"] = str(size)
    response["Content-Disposition"] = content_disposition(name)
    return protect(response)
