"""Shared clinical experience: documents, their versions, who downloaded what, and the
small inverted index that search runs on.

A document is described in English and/or Chinese and has a sharing scope: internal (the
home hospital only), all partners, or chosen partner institutions. Its content lives in
versions: a new upload adds a version and never replaces an older file, so the history
(and "what changed") stays readable and downloadable.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amity.core.bilingual import BilingualTitle, in_reader_language
from amity.directory.models import Department, Institution


class DocumentKind(models.TextChoices):
    GUIDELINE = "guideline", _("Guideline")
    PROTOCOL = "protocol", _("Treatment protocol")
    CASE = "case", _("Case experience")
    SLIDES = "slides", _("Slides")
    RECORDING = "recording", _("Recording link")
    OTHER = "other", _("Other")


class Scope(models.TextChoices):
    INTERNAL = "internal", _("Internal: hospital staff only")
    ALL_PARTNERS = "all_partners", _("All partner institutions")
    CHOSEN = "chosen", _("Chosen partner institutions")


class Tag(models.Model):
    """A topic (COVID-19 / 新冠肺炎, Cardiac ICU / 心脏重症监护, …)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    name_local = models.CharField(_("name in Chinese"), max_length=80, blank=True)
    slug = models.SlugField(_("short code"), max_length=80, unique=True, allow_unicode=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} / {self.name_local}" if self.name_local else self.name

    @property
    def label(self) -> str:
        """The name in the interface's language."""
        return in_reader_language(self.name, self.name_local)


class Document(BilingualTitle, models.Model):
    """A guideline, protocol, case, slides or a recording's link, with its versions.

    ``current_version`` is the latest version (kept by the services); ``partners`` only
    matter when the scope is "chosen partner institutions"."""

    title = models.CharField(_("title in English"), max_length=250, blank=True)
    title_local = models.CharField(_("title in Chinese"), max_length=250, blank=True)
    summary = models.TextField(_("summary in English"), blank=True)
    summary_local = models.TextField(_("summary in Chinese"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    tags = models.ManyToManyField(
        Tag, verbose_name=_("topics"), blank=True, related_name="documents"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="shared_documents",
        null=True,
        blank=True,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        related_name="shared_documents",
        null=True,
        blank=True,
    )
    scope = models.CharField(
        _("shared with"), max_length=20, choices=Scope.choices, default=Scope.INTERNAL
    )
    partners = models.ManyToManyField(
        Institution,
        verbose_name=_("partner institutions"),
        blank=True,
        related_name="shared_documents",
    )
    current_version = models.ForeignKey(
        "DocumentVersion",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("shared document")
        verbose_name_plural = _("shared documents")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(title="") | ~Q(title_local=""),
                name="sharing_document_has_a_title",
                violation_error_message=_("Give a title in English or in Chinese (or both)."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values) & Q(scope__in=Scope.values),
                name="sharing_document_choices_valid",
            ),
        ]
        indexes = [models.Index(fields=["-updated_at", "-id"], name="sharing_doc_recent")]

    def __str__(self) -> str:
        return self.display_title

    def get_absolute_url(self) -> str:
        return reverse("sharing:document_detail", args=[self.pk])

    @property
    def display_summary(self) -> str:
        """The summary in the reader's language (the other one if only that is stored)."""
        return in_reader_language(self.summary, self.summary_local)

    @property
    def languages(self) -> list[str]:
        """The languages the document is described in: "en", "zh" or both."""
        return [code for code, text in (("en", self.title), ("zh", self.title_local)) if text]

    def clean(self):
        errors = {}
        if not self.title and not self.title_local:
            message = _("Give a title in English or in Chinese (or both).")
            errors["title"] = message
            errors["title_local"] = message
        if self.summary and not self.title:
            errors["title"] = _("The summary is in English: give the English title too.")
        if self.summary_local and not self.title_local:
            errors["title_local"] = _("The summary is in Chinese: give the Chinese title too.")
        if errors:
            raise ValidationError(errors)


def version_storage_name(instance, filename: str) -> str:
    """Uploads are stored under a random name: never the uploader's name, so nothing in a
    name can reach the file system, and names cannot be guessed."""
    return f"sharing/{secrets.token_hex(16)}"


class DocumentVersion(models.Model):
    """One upload (or, for a recording, one link) of a document. Numbered from 1; from
    version 2 on it says what changed. Files are never replaced or removed."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=version_storage_name, max_length=200, blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("type"), max_length=120, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    note = models.TextField(_("what changed"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    text = models.TextField(_("extracted text"), blank=True, editable=False)

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="sharing_version_number_unique"
            ),
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(link="")) | (~Q(file="") & Q(link="")),
                name="sharing_version_file_or_link",
                violation_error_message=_("Upload a file or give a link, not both."),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="sharing_version_number_positive"
            ),
            models.CheckConstraint(
                condition=Q(number=1) | ~Q(note=""),
                name="sharing_version_says_what_changed",
                violation_error_message=_("Say what changed in this version."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"

    def clean(self):
        if self.number and self.number > 1 and not self.note.strip():
            raise ValidationError({"note": _("Say what changed in this version.")})

    @property
    def is_link(self) -> bool:
        return bool(self.link)

    def get_download_url(self) -> str:
        return reverse("sharing:version_download", args=[self.document_id, self.number])


class DownloadVia(models.TextChoices):
    WEB = "web", _("Web page")
    API = "api", _("API")


class DownloadLog(models.Model):
    """One download (or opened recording link): who, from which institution at the time,
    which version, when and from where."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="downloads")
    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
    )
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    via = models.CharField(_("through"), max_length=10, choices=DownloadVia.choices)

    class Meta:
        verbose_name = _("download")
        verbose_name_plural = _("downloads")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.version} @ {self.at:%Y-%m-%d %H:%M}"


class DocumentTerm(models.Model):
    """The search index: one row per (document, term), built by ``amity.sharing.search``.

    ``weight`` adds up where the term occurs (title 8, topic 4, summary 2, file text 1),
    so a query's score favours title hits. Plain columns and B-tree indexes: the same on
    SQLite and PostgreSQL."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(max_length=40)
    weight = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "term"], name="sharing_term_unique")
        ]
        # Covers the search query: look up by term, group by document, sum the weights.
        indexes = [models.Index(fields=["term", "document", "weight"], name="sharing_term_lookup")]

    def __str__(self) -> str:
        return self.term
