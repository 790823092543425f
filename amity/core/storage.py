"""Uploads and drawn PDFs in the storage every machine shares (``AMITY_STORAGE_URL``).

Every kept file — shared documents, activity materials, signed agreements, scanned letters
and replies, certificates of attendance — is written, read, checked and deleted through
Django's ``default_storage``: a folder (one that every app server mounts) or S3-compatible
object storage (``storages.backends.s3.S3Storage``). Nothing else in Amity opens a path
below MEDIA_ROOT, so a file written by one server is served by any other.

What stays true:
- a file is written before the row that names it is committed; when the transaction
  fails, the file written inside ``atomic()`` is deleted again (no orphan);
- a file is deleted only once the transaction that stopped naming it has committed
  (``delete_on_commit``): a rolled-back removal or erasure keeps the file, a committed one
  removes it for every server;
- downloads are streamed from the storage by the view that checked permission, with the
  protective headers of ``core.downloads``; on S3 they may instead be short-lived signed
  links (``AMITY_STORAGE_SIGNED_LINKS`` seconds, off by default).
"""

import contextlib
import logging
import os
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.module_loading import import_string

from amity.core import downloads

logger = logging.getLogger(__name__)

# The names written by ``save`` inside the innermost ``atomic()`` block of this context.
_written: ContextVar[list[tuple[Storage, str]] | None] = ContextVar("written", default=None)


def is_object_storage(storage: Storage | None = None) -> bool:
    """Whether files live in S3-compatible object storage (not in a folder)."""
    return hasattr(storage or default_storage, "bucket_name")


def describe(storage: Storage | None = None) -> str:
    """Where files are kept, for people: "folder /srv/amity/media" or "S3 bucket b at …"."""
    storage = storage or default_storage
    if is_object_storage(storage):
        where = storage.endpoint_url or "AWS"
        prefix = f"/{storage.location}" if storage.location else ""
        return f"S3 bucket {storage.bucket_name}{prefix} at {where}"
    return f"folder {storage.location}"


# --- the setting --------------------------------------------------------------------------

S3_OPTIONS = {"endpoint_url", "region", "prefix", "addressing_style", "verify"}


def storage_from_url(
    url: str, *, media_root: Path, signed_link_seconds: int = 0
) -> tuple[dict, Path]:
    """``STORAGES["default"]`` and ``MEDIA_ROOT`` from AMITY_STORAGE_URL (read by the
    settings; every machine must be given the same):

    - ``file:///srv/amity/media``: a folder (on several machines, one they all mount: NFS
      or the like). Empty: ``media_root`` (the data folder's ``media``, AMITY_MEDIA_ROOT).
    - ``s3://bucket?endpoint_url=https://minio.example:9000&region=us-east-1``: S3-compatible
      object storage (MinIO, Ceph, a cloud's) through django-storages and boto3 (the "s3"
      extra). Keys from AMITY_S3_ACCESS_KEY_ID / AMITY_S3_SECRET_ACCESS_KEY, else boto3's
      own chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, ~/.aws, an instance role).
      Options: ``prefix`` (a folder in the bucket), ``addressing_style`` (path or
      virtual), ``verify=false`` (a store with a certificate nobody signed).
    Raises ImproperlyConfigured, saying what to write, for anything else."""
    url = url.strip()
    parts = urlsplit(url)
    if not url or parts.scheme == "file":
        root = Path(unquote(parts.path)) if url else media_root
        if url and (parts.netloc not in {"", "localhost"} or not root.is_absolute()):
            raise ImproperlyConfigured(
                f"AMITY_STORAGE_URL {url!r}: write a folder as file:///absolute/path"
            )
        # No location of its own: the storage follows MEDIA_ROOT.
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}, root
    if parts.scheme != "s3" or not parts.hostname:
        raise ImproperlyConfigured(
            f"AMITY_STORAGE_URL must be file:///folder or s3://bucket?endpoint_url=…, not {url!r}"
        )
    if parts.username or parts.password:
        raise ImproperlyConfigured(
            "AMITY_STORAGE_URL: put the keys in AMITY_S3_ACCESS_KEY_ID and "
            "AMITY_S3_SECRET_ACCESS_KEY, not in the URL"
        )
    if not (find_spec("storages") and find_spec("boto3")):
        raise ImproperlyConfigured(
            "AMITY_STORAGE_URL is s3://…: install the S3 support first: pip install 'amity[s3]'"
        )
    query = dict(parse_qsl(parts.query))
    if unknown := set(query) - S3_OPTIONS:
        raise ImproperlyConfigured(f"AMITY_STORAGE_URL: unknown option(s) {sorted(unknown)}")
    options = {
        "bucket_name": parts.hostname,
        "endpoint_url": query.get("endpoint_url") or None,
        "region_name": query.get("region") or None,
        "location": query.get("prefix", "").strip("/"),
        "addressing_style": query.get("addressing_style") or None,
        # Django's rule for folders too: a new upload never replaces another of its name.
        "file_overwrite": False,
        "default_acl": None,  # the bucket's own (private): files are reached through Amity
        "querystring_auth": True,
        "signature_version": "s3v4",  # what MinIO, Ceph and the clouds all accept
        "querystring_expire": max(signed_link_seconds, 1),
        # A file being read or written is held in memory up to 2 MB, then in a temporary file.
        "max_memory_size": 2 * 1024 * 1024,
    }
    if query.get("verify", "").lower() in {"0", "false", "no", "off"}:
        options["verify"] = False
    if key := os.environ.get("AMITY_S3_ACCESS_KEY_ID"):
        options["access_key"] = key
        options["secret_key"] = os.environ.get("AMITY_S3_SECRET_ACCESS_KEY", "")
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}, media_root


def storage_for_url(url: str) -> Storage:
    """A storage built from a URL of the same form (``move_uploads --to``)."""
    entry, root = storage_from_url(url, media_root=Path(settings.MEDIA_ROOT))
    backend = import_string(entry["BACKEND"])
    options = entry.get("OPTIONS") or {}
    if entry["BACKEND"].endswith("FileSystemStorage"):
        options = {"location": str(root)}
    return backend(**options)


# --- writing ----------------------------------------------------------------------------


@contextlib.contextmanager
def atomic() -> Iterator[None]:
    """``transaction.atomic()`` that also takes back the files written through ``save``
    inside it: when the block raises, they are deleted before the error goes on. (A block
    nested in an outer transaction that later rolls back leaves its files: top-level
    services use this block themselves.)"""
    written: list[tuple[Storage, str]] = []
    outer = _written.get()
    token = _written.set(written)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for storage, name in written:
            _delete(storage, name)
        raise
    else:
        if outer is not None:  # an enclosing block that fails later takes them back too
            outer.extend(written)
    finally:
        _written.reset(token)


def save(name: str, content, *, storage: Storage | None = None) -> str:
    """Write ``content`` (a Django ``File`` or file-like) under ``name`` or, when it is
    taken, a free name beside it; return the name written. Inside ``atomic()`` the file
    is deleted again if the block fails."""
    storage = storage or default_storage
    written = storage.save(name, content)
    if (pending := _written.get()) is not None:
        pending.append((storage, written))
    return written


def save_field(field_file, name: str, content) -> None:
    """``field_file.save(name, content, save=False)`` with the same clean-up as ``save``:
    the model's file field names the file once the row is saved."""
    field_file.save(name, content, save=False)
    if (pending := _written.get()) is not None:
        pending.append((field_file.storage, field_file.name))


def delete_on_commit(name: str, *, storage: Storage | None = None) -> None:
    """Delete ``name`` from the storage once the current transaction commits (at once
    outside one); a rolled-back transaction keeps it. A failed delete is logged, not
    raised: the row no longer names the file, only the space is lost."""
    if not name:
        return
    storage = storage or default_storage
    transaction.on_commit(lambda: _delete(storage, name), robust=True)


def _delete(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:
        logger.exception("could not delete %s from %s", name, describe(storage))


def exists(name: str, *, storage: Storage | None = None) -> bool:
    return bool(name) and (storage or default_storage).exists(name)


# --- reading ----------------------------------------------------------------------------


class _Stream:
    """An S3 object's body read in pieces as the response is sent (never whole in memory);
    only ``read`` and ``close``, so ``FileResponse`` does not try to seek it."""

    def __init__(self, body) -> None:
        self._body = body

    def read(self, size: int = -1) -> bytes:
        return self._body.read(None if size is None or size < 0 else size)

    def close(self) -> None:
        self._body.close()


@dataclass
class Opened:
    handle: object  # has read() and close()
    size: int


def open_stream(name: str, *, storage: Storage | None = None) -> Opened:
    """The stored file ``name`` opened for reading from the start, and its size. Raises
    FileNotFoundError when it is not (or no longer) there."""
    storage = storage or default_storage
    if not name:
        raise FileNotFoundError("no file")
    if is_object_storage(storage):
        # botocore comes with the "s3" extra, needed only when files are in S3.
        from botocore.exceptions import ClientError

        client = storage.connection.meta.client
        try:
            answer = client.get_object(Bucket=storage.bucket_name, Key=_key(storage, name))
        except ClientError as error:
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                raise FileNotFoundError(name) from error
            raise
        return Opened(_Stream(answer["Body"]), int(answer["ContentLength"]))
    handle = storage.open(name, "rb")
    return Opened(handle, handle.size)


def read_bytes(name: str, *, storage: Storage | None = None) -> bytes:
    """The whole stored file (for small files: a certificate attached to an email)."""
    opened = open_stream(name, storage=storage)
    try:
        return opened.handle.read()
    finally:
        opened.handle.close()


def _key(storage: Storage, name: str) -> str:
    return storage._normalize_name(name)


def download(
    name: str, *, filename: str, content_type: str, storage: Storage | None = None
) -> HttpResponse:
    """The stored file as a protected attachment (``core.downloads.attachment``) streamed
    from the storage — or, on S3 with ``AMITY_STORAGE_SIGNED_LINKS`` set, a redirect to a
    signed link valid that many seconds that makes the store send it as an attachment of
    the checked type. Call only after the permission check. Raises FileNotFoundError."""
    storage = storage or default_storage
    seconds = settings.AMITY_STORAGE_SIGNED_LINKS
    if seconds > 0 and is_object_storage(storage):
        if not storage.exists(name):
            raise FileNotFoundError(name)
        link = storage.connection.meta.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": storage.bucket_name,
                "Key": _key(storage, name),
                "ResponseContentDisposition": downloads.content_disposition(filename),
                "ResponseContentType": content_type,
                "ResponseCacheControl": "private, no-store",
            },
            ExpiresIn=seconds,
        )
        response = HttpResponseRedirect(link)
        response["Cache-Control"] = "private, no-store"
        return response
    opened = open_stream(name, storage=storage)
    return downloads.attachment(
        opened.handle, name=filename, content_type=content_type, size=opened.size
    )


# --- listing, for moving files and checking health --------------------------------------


def walk(storage: Storage | None = None, folder: str = "") -> Iterator[str]:
    """Every file name below ``folder`` (all of them by default)."""
    storage = storage or default_storage
    directories, files = storage.listdir(folder)
    for file in sorted(files):
        yield f"{folder}/{file}" if folder else file
    for directory in sorted(directories):
        yield from walk(storage, f"{folder}/{directory}" if folder else directory)


@dataclass(frozen=True)
class Moved:
    copied: int
    present: int
    bytes: int


def uploads_copy(*, source: Storage, target: Storage) -> Moved:
    """Copy every file of ``source`` to ``target`` under the same name, byte for byte;
    a file already in ``target`` with the same size is left as it is (so a copy cut short
    is finished by running it again). Nothing is deleted from ``source``."""
    copied = present = total = 0
    for name in walk(source):
        size = source.size(name)
        if target.exists(name) and target.size(name) == size:
            present += 1
            continue
        if target.exists(name):
            target.delete(name)  # a copy cut short
        with source.open(name, "rb") as handle:
            written = target.save(name, handle)
        if written != name:
            raise RuntimeError(f"{name} was written as {written}")
        copied, total = copied + 1, total + size
    return Moved(copied, present, total)


def probe(storage: Storage | None = None) -> str:
    """Write, read back and delete a small file; "" when that worked, else the error (for
    ``amity manage check`` and the health report: a storage every server reaches)."""
    storage = storage or default_storage
    name = ""
    try:
        name = storage.save("health/probe.txt", ContentFile(b"amity"))
        if read_bytes(name, storage=storage) != b"amity":
            return "the file read back differs from the one written"
    except Exception as error:  # any failure of the storage is the answer
        return f"{type(error).__name__}: {error}"
    finally:
        if name:
            with contextlib.suppress(Exception):
                storage.delete(name)
    return ""
