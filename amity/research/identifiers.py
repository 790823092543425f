"""Registry identifiers and DOIs: format checks and one normal spelling.

A pure module (no models, no web code): the models' validators, the forms and the API all
call these functions, so a page and the API refuse exactly the same values.

Formats checked (format only — Amity never asks the registry whether the number exists):

==================  =====================================  ==============================
registry            accepted                               stored as
==================  =====================================  ==============================
clinicaltrials_gov  ``NCT`` + 8 digits                     ``NCT04280705``
chictr              ``ChiCTR`` + 10 digits (2016 on) or    ``ChiCTR2000029308``,
                    the older ``ChiCTR-XXX-`` + 8 digits   ``ChiCTR-IOR-17013245``
isrctn              ``ISRCTN`` + 8 digits                  ``ISRCTN12345678``
other               any printable text up to 100 chars     as typed, trimmed
==================  =====================================  ==============================

Lower-case prefixes, surrounding spaces and a pasted registry address
(``https://clinicaltrials.gov/study/NCT04280705``) are accepted and normalised.

A DOI is ``10.`` + 4–9 digits + ``/`` + a suffix without spaces (the Crossref pattern). DOIs
are case-insensitive, so the stored form is lower case, without ``https://doi.org/``,
``doi:`` or similar prefixes.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLINICALTRIALS_GOV = "clinicaltrials_gov"
CHICTR = "chictr"
ISRCTN = "isrctn"
OTHER = "other"
REGISTRIES = (CLINICALTRIALS_GOV, CHICTR, ISRCTN, OTHER)
OTHER_MAX_LENGTH = 100

_NCT = re.compile(r"NCT(\d{8})", re.IGNORECASE)
# ChiCTR2000029308 (since 2016) or ChiCTR-IOR-17013245, ChiCTR-TRC-12002345, ChiCTR-ONRC-…
_CHICTR = re.compile(r"ChiCTR(?:(\d{10})|-([A-Z]{2,5})-(\d{8}))", re.IGNORECASE)
_ISRCTN = re.compile(r"ISRCTN(\d{8})", re.IGNORECASE)

_EXAMPLES = {
    CLINICALTRIALS_GOV: "NCT04280705",
    CHICTR: "ChiCTR2000029308",
    ISRCTN: "ISRCTN12345678",
}

DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIXES = re.compile(
    r"^(?:https?://(?:dx\.)?doi\.org/|doi\.org/|dx\.doi\.org/|doi:\s*|urn:doi:)",
    re.IGNORECASE,
)


def _last_path_part(value: str) -> str:
    """The identifier out of a pasted registry address (``…/study/NCT04280705?tab=…``)."""
    if "://" not in value:
        return value
    path = value.split("://", 1)[1].split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return path.rsplit("/", 1)[-1] if "/" in path else value


def validate_registry_id(registry: str, value: str) -> str:
    """The normal spelling of ``value`` as an identifier of ``registry``.

    Raises ValidationError (code ``invalid_registry_id``, or ``unknown_registry``) whose
    message names the expected format with an example."""
    text = (value or "").strip()
    if registry not in REGISTRIES:
        raise ValidationError(
            _("Unknown registry “%(registry)s”."),
            code="unknown_registry",
            params={"registry": registry},
        )
    if not text:
        raise ValidationError(_("Enter the registry identifier."), code="invalid_registry_id")
    if registry == OTHER:
        if len(text) > OTHER_MAX_LENGTH or not text.isprintable():
            raise ValidationError(
                _("An identifier has at most %(limit)d printable characters."),
                code="invalid_registry_id",
                params={"limit": OTHER_MAX_LENGTH},
            )
        return text
    candidate = _last_path_part(text).replace(" ", "")
    if registry == CLINICALTRIALS_GOV and (match := _NCT.fullmatch(candidate)):
        return f"NCT{match[1]}"
    if registry == ISRCTN and (match := _ISRCTN.fullmatch(candidate)):
        return f"ISRCTN{match[1]}"
    if registry == CHICTR and (match := _CHICTR.fullmatch(candidate)):
        if match[1]:
            return f"ChiCTR{match[1]}"
        return f"ChiCTR-{match[2].upper()}-{match[3]}"
    messages = {
        CLINICALTRIALS_GOV: _(
            "A ClinicalTrials.gov identifier is NCT followed by 8 digits, e.g. %(example)s."
        ),
        CHICTR: _(
            "A ChiCTR identifier is ChiCTR followed by 10 digits, e.g. %(example)s, "
            "or the older form ChiCTR-IOR-17013245."
        ),
        ISRCTN: _("An ISRCTN identifier is ISRCTN followed by 8 digits, e.g. %(example)s."),
    }
    raise ValidationError(
        messages[registry], code="invalid_registry_id", params={"example": _EXAMPLES[registry]}
    )


def guess_registry(value: str) -> str:
    """The registry whose format ``value`` has, or ``other``."""
    for registry in (CLINICALTRIALS_GOV, CHICTR, ISRCTN):
        try:
            validate_registry_id(registry, value)
        except ValidationError:
            continue
        return registry
    return OTHER


def registry_url(registry: str, identifier: str) -> str:
    """The public page of a (normalised) identifier on its registry; empty for ``other``."""
    if registry == CLINICALTRIALS_GOV:
        return f"https://clinicaltrials.gov/study/{identifier}"
    if registry == CHICTR:
        return f"https://www.chictr.org.cn/searchprojEN.html?regno={identifier}"
    if registry == ISRCTN:
        return f"https://www.isrctn.com/{identifier}"
    return ""


def validate_doi(value: str) -> str:
    """The normal spelling of a DOI: lower case, no resolver prefix.

    Accepts ``10.1016/S0140-6736(20)30183-5``, ``doi:10.…`` and ``https://doi.org/10.…``;
    raises ValidationError (code ``invalid_doi``) otherwise."""
    text = _DOI_PREFIXES.sub("", (value or "").strip()).strip()
    if not DOI_PATTERN.fullmatch(text):
        raise ValidationError(
            _("A DOI starts with 10., a registrant number and a slash, e.g. %(example)s."),
            code="invalid_doi",
            params={"example": "10.1016/S0140-6736(20)30183-5"},
        )
    return text.lower()


def doi_url(doi: str) -> str:
    """The resolver address of a (normalised) DOI."""
    return f"https://doi.org/{doi}" if doi else ""
