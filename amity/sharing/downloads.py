"""The HTTP response that hands over a version: the file as an attachment, or for a
recording a redirect to its link. Pages and the API use the same one, after the same
permission check, and log the download with ``services.download_record``."""

import unicodedata
from pathlib import PurePosixPath
from urllib.parse import quote

from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect

from amity.sharing.models import DocumentVersion


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


def download_name(version: DocumentVersion) -> str:
    return version.original_name or f"document-{version.document_id}-v{version.number}"


def response_for(version: DocumentVersion) -> HttpResponse:
    """Raises Http404 when the stored file is missing (nothing to log then)."""
    if version.is_link:
        response = HttpResponseRedirect(version.link)
    else:
        try:
            handle = version.file.open("rb")
        except (FileNotFoundError, ValueError) as error:
            raise Http404 from error
        response = FileResponse(handle, content_type=version.content_type)
        response["Content-Length"] = str(version.size)
        response["Content-Disposition"] = content_disposition(download_name(version))
    # Never let a browser guess a type, render the file inline or cache it for others.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
