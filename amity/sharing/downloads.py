"""The HTTP response that hands over a version: the file as an attachment, or for a
recording a redirect to its link. Pages and the API use the same one, after the same
permission check, and log the download with ``services.download_record``."""

from django.http import Http404, HttpResponse, HttpResponseRedirect

from amity.core import downloads, storage
from amity.sharing.models import DocumentVersion


def download_name(version: DocumentVersion) -> str:
    return version.original_name or f"document-{version.document_id}-v{version.number}"


def response_for(version: DocumentVersion) -> HttpResponse:
    """Raises Http404 when the stored file is missing (nothing to log then)."""
    if version.is_link:
        return downloads.protect(HttpResponseRedirect(version.link))
    if not version.file:
        raise Http404
    try:
        # Streamed from the storage every server shares (or a signed link, core.storage).
        return storage.download(
            version.file.name, filename=download_name(version), content_type=version.content_type
        )
    except FileNotFoundError as error:
        raise Http404 from error
