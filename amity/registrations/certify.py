"""Issuing certificates of attendance: who qualifies, their codes, the PDFs (written in bulk
by a background worker) and the email that says they are ready."""

import io
import tempfile
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from amity.core import storage
from amity.core.background import enqueue_task
from amity.directory.models import Institution, PartnershipStatus
from amity.events.models import Activity, SessionStatus
from amity.registrations.certificates import (
    CertificateData,
    certificate_filename,
    render_certificate,
    render_many,
    verification_code,
)
from amity.registrations.mail import registration_email_queue
from amity.registrations.models import (
    Certificate,
    MessageKind,
    Registration,
    RegistrationSettings,
    RegistrationStatus,
)


class CertificatesNotYet(Exception):
    """The activity has not finished: no certificate is issued before its last session
    has ended (the message says when)."""


def certificates_check_ready(activity: Activity) -> None:
    """Raise ``CertificatesNotYet`` unless every session of the activity that is not
    cancelled has ended: attendance is certified only once it is complete."""
    last = activity.sessions.exclude(status=SessionStatus.CANCELLED).order_by("-ends_at").first()
    if last is None:
        raise CertificatesNotYet(_("Certificates can be issued once the activity has sessions."))
    if last.ends_at > timezone.now():
        local = last.ends_at.astimezone(activity.zone)
        chinese = translation.get_language() == "zh-hans"
        day = formats.date_format(local, "Y年n月j日 H:i" if chinese else "j F Y, H:i")
        raise CertificatesNotYet(
            _(
                "Certificates can be issued once the activity's last session has ended "
                "(%(end)s, %(zone)s)."
            )
            % {"end": day, "zone": activity.time_zone}
        )


def activity_minutes(activity: Activity) -> int:
    """The length of the activity: all its sessions that took place."""
    total = 0
    for session in activity.sessions.exclude(status=SessionStatus.CANCELLED):
        total += int((session.ends_at - session.starts_at).total_seconds() // 60)
    return total


def eligible(activity: Activity, settings_row: RegistrationSettings):
    """Registrants who attended at least the minimum, or were checked in by hand."""
    return (
        Registration.objects.filter(activity=activity, erased_at__isnull=True)
        .exclude(status=RegistrationStatus.CANCELLED)
        .filter(
            Q(minutes_attended__gte=settings_row.certificate_minimum_minutes) | Q(checked_in=True)
        )
    )


# Certificates are rendered in batches into a temporary folder, then put in the storage
# every server shares (``core.storage``): at most this many wait on the local disk.
STORE_BATCH = 500


def _folder(activity_id: int) -> str:
    """Where an activity's certificates are kept in the storage."""
    return f"certificates/{activity_id}"


def _stored_name(certificate: Certificate) -> str:
    """The certificate's PDF in the storage ("" when none was written)."""
    if not certificate.file:
        return ""
    return f"{_folder(certificate.registration.activity_id)}/{certificate.file}"


def _stored_files(activity_id: int) -> set[str]:
    """The names of the PDFs kept for an activity (one listing, not one look-up each)."""
    try:
        return set(default_storage.listdir(_folder(activity_id))[1])
    except FileNotFoundError:  # a folder not made yet
        return set()


def _store(certificates: list[Certificate], data: list[CertificateData], kept: set[str]) -> None:
    """Draw the PDFs of ``certificates`` and put them in the storage, ``certificate.file``
    naming each; a PDF left by a run cut short before it saved its name is replaced."""
    with tempfile.TemporaryDirectory(prefix="amity-certificates-") as scratch:
        paths = render_many(data, scratch, processes=settings.AMITY_CERTIFICATE_PROCESSES)
        for certificate, path in zip(certificates, paths, strict=True):
            name = f"{_folder(certificate.registration.activity_id)}/{path.name}"
            if path.name in kept:
                default_storage.delete(name)
            with path.open("rb") as handle:
                written = storage.save(name, File(handle, name=path.name))
            certificate.file = PurePosixPath(written).name
            path.unlink()


def _shared(activity: Activity) -> dict:
    """What every certificate of one activity prints alike: dates and issuer."""
    home = Institution.objects.filter(partnership_status=PartnershipStatus.HOME).first()
    sessions = activity.sessions.exclude(status=SessionStatus.CANCELLED).order_by("starts_at")
    first = sessions.first()
    dates = ""
    if first is not None:
        local = first.starts_at.astimezone(activity.zone)
        with translation.override("en"):
            english = formats.date_format(local, "j F Y")
        dates = f"{english} · {local.year}年{local.month}月{local.day}日"
    return {
        "title": activity.title,
        "title_local": activity.title_local,
        "dates": dates,
        "issuer": home.name if home else "",
        "issuer_local": home.name_local if home else "",
    }


def certificate_data(certificate: Certificate, shared: dict | None = None) -> CertificateData:
    registration = certificate.registration
    shared = shared or _shared(registration.activity)
    latin = " ".join(p for p in (registration.given_name, registration.family_name) if p)
    return CertificateData(
        code=certificate.code,
        name=latin,
        name_local=registration.name_local,
        minutes=certificate.minutes,
        verification_url=settings.AMITY_SITE_URL + certificate.get_absolute_url(),
        **shared,
    )


def new_certificates(activity: Activity, settings_row: RegistrationSettings) -> list[int]:
    """Give every eligible registrant without a certificate one, with a fresh code."""
    full = activity_minutes(activity)
    created = []
    pending = eligible(activity, settings_row).filter(certificate__isnull=True)
    for registration in pending.iterator(chunk_size=1000):
        minutes = registration.minutes_attended
        if minutes is None or (registration.checked_in and minutes < full):
            minutes = max(minutes or 0, full)
        for _attempt in range(5):  # a clash of random codes is astronomically rare
            try:
                with transaction.atomic():
                    certificate = Certificate.objects.create(
                        registration=registration, code=verification_code(), minutes=minutes
                    )
            except IntegrityError:
                if Certificate.objects.filter(registration=registration).exists():
                    break  # another worker issued it meanwhile
                continue
            created.append(certificate.pk)
            break
    return created


def certificates_queue(*, activity: Activity) -> None:
    """Queue the issuing of the activity's certificates (``certificates_issue``, by a
    background worker) when the transaction commits. Raises ``CertificatesNotYet``, and
    queues nothing, while a session of the activity has not ended."""
    certificates_check_ready(activity)
    with transaction.atomic():
        enqueue_task("registrations.issue_certificates", activity_id=activity.pk)


def certificates_issue(*, activity_id: int) -> int:
    """Issue the activity's certificates: codes for everyone eligible, PDFs for those not
    yet written, and an email to each new holder. Safe to run twice (nothing is issued or
    sent twice). Returns how many certificates were new. Raises ``CertificatesNotYet``, and
    changes nothing, while a session of the activity has not ended."""
    activity = Activity.objects.get(pk=activity_id)
    certificates_check_ready(activity)
    settings_row = RegistrationSettings.objects.get(activity=activity)
    created = new_certificates(activity, settings_row)
    kept = _stored_files(activity.pk)
    missing = [
        c
        # An erased registrant's PDF is never drawn again (it would carry no name anyway).
        for c in Certificate.objects.filter(
            registration__activity=activity, registration__erased_at__isnull=True
        ).select_related("registration__activity")
        if not c.file or c.file not in kept
    ]
    if missing:
        shared = _shared(activity)
        for start in range(0, len(missing), STORE_BATCH):
            batch = missing[start : start + STORE_BATCH]
            data = [certificate_data(c, shared) for c in batch]
            stale = kept & {certificate_filename(item) for item in data}
            _store(batch, data, stale)
            Certificate.objects.bulk_update(batch, ["file"], batch_size=1000)
    # Every holder, not only today's: a run cut short before its emails is completed here;
    # nobody is emailed twice.
    holders = Certificate.objects.filter(registration__activity=activity)
    for pk in holders.values_list("registration_id", flat=True):
        registration_email_queue(registration_id=pk, kind=MessageKind.CERTIFICATE)
    return len(created)


def certificate_file_delete(certificate: Certificate) -> None:
    """Remove the drawn PDF (it carries the name); the code stays verifiable. The file
    leaves the shared storage once the transaction commits (kept if it rolls back)."""
    if certificate.file:
        storage.delete_on_commit(_stored_name(certificate))
        Certificate.objects.filter(pk=certificate.pk).update(file="")
        certificate.file = ""


def certificate_pdf(certificate: Certificate):
    """The PDF as a file to send (read in pieces): the one written in bulk, streamed from
    the shared storage, or drawn now when it is missing."""
    try:
        return storage.open_stream(_stored_name(certificate)).handle
    except FileNotFoundError:
        return io.BytesIO(render_certificate(certificate_data(certificate)))


def certificates_summary(activity: Activity) -> dict:
    settings_row = RegistrationSettings.objects.filter(activity=activity).first()
    issued = Certificate.objects.filter(registration__activity=activity)
    return {
        "eligible": eligible(activity, settings_row).count() if settings_row else 0,
        "issued": issued.count(),
        "written": issued.exclude(file="").count(),
        "minutes": issued.aggregate(total=Sum("minutes"))["total"] or 0,
    }
