"""Who may see, add, change and download shared documents. Pages, downloads and the API
reach documents and versions only through these helpers.

- office staff: every document; change any; read the download log;
- department coordinators: read every document and add documents; change the ones they
  own and those of their own department;
- staff members: read every document and add documents; change the ones they own;
- partner contacts: only documents shared with all partners or with their own
  institution by name — never internal ones, never another institution's; they add and
  change nothing;
- anyone not logged in: nothing.

Whoever may change a document also uploads its new versions and sets its sharing scope.
Whoever may see a document may download every version of it (each download is logged).
A document someone may not see does not exist for them (404), so its id reveals nothing;
one they may see but not change answers 403 to the edit pages.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from amity.directory.models import Department
from amity.sharing.models import Document, DocumentVersion, Scope


def _is_home_staff(user) -> bool:
    return user.is_authenticated and user.is_active and not user.is_partner_contact


def can_see_sharing_scope(user) -> bool:
    """Home staff see with whom a document is shared; a partner contact sees only that
    it is shared with them."""
    return _is_home_staff(user)


def shared_with(institution_id: int) -> Q:
    """Documents an institution's contacts may read: shared with all partners, or with
    this institution by name."""
    named = Document.partners.through.objects.filter(institution_id=institution_id)
    return Q(scope=Scope.ALL_PARTNERS) | Q(scope=Scope.CHOSEN, pk__in=named.values("document_id"))


def documents_visible_to(user) -> QuerySet[Document]:
    qs = Document.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_partner_contact:
        person = user.person
        if person is None:
            return qs.none()
        return qs.filter(shared_with(person.institution_id))
    return qs


def can_add_documents(user) -> bool:
    return _is_home_staff(user)


def can_manage_document(user, document: Document) -> bool:
    """Change the description, scope and topics, and upload new versions."""
    if not _is_home_staff(user):
        return False
    if user.is_office_staff or document.owner_id == user.pk:
        return True
    person = user.person
    return (
        user.is_coordinator
        and person is not None
        and person.department_id is not None
        and document.department_id == person.department_id
    )


def can_see_download_log(user) -> bool:
    return user.is_authenticated and user.is_office_staff


def department_choices(user, *, current: int | None = None) -> QuerySet[Department]:
    """Departments a user may file a document under: any for office staff, their own
    for everyone else of the hospital (plus the document's ``current`` one, kept)."""
    if not _is_home_staff(user):
        return Department.objects.none()
    if user.is_office_staff:
        return Department.objects.all()
    person = user.person
    allowed = {current, person.department_id if person else None} - {None}
    return Department.objects.filter(pk__in=allowed)


def get_document_for_user(user, pk: int) -> Document:
    return get_object_or_404(
        documents_visible_to(user).select_related(
            "department", "owner", "owner__directory_person", "current_version"
        ),
        pk=pk,
    )


def get_document_for_edit(user, pk: int) -> Document:
    document = get_document_for_user(user, pk)
    if not can_manage_document(user, document):
        raise PermissionDenied
    return document


def get_version_for_user(user, document_pk: int, number: int | None = None) -> DocumentVersion:
    """A version of a document the user may see: the given number, or the current one."""
    document = get_document_for_user(user, document_pk)
    if number is None:
        if document.current_version is None:  # never for documents made by the services
            raise Http404
        version = document.current_version
    else:
        version = get_object_or_404(document.versions.all(), number=number)
    version.document = document
    return version


def require_download_log(user) -> None:
    if not can_see_download_log(user):
        raise PermissionDenied
