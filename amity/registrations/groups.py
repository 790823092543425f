"""Group registration: an institution's coordinator registers a team by pasting or
uploading a table, checked row by row before anything is saved.

Who may: a partner contact of one of the activity's partner institutions (for an activity
they see), the activity's organisers, or anyone holding a one-time group link the
organiser made (``GroupLink``: only the token's hash is kept; the link works until it
expires, is revoked or has been used once).

The table (CSV in any encoding Excel writes — UTF-8 with or without BOM, GB18030 — or
XLSX, or text pasted from a spreadsheet, tab-separated) has a header row in English or
Chinese; the columns are recognised by name (``COLUMNS``): a name in Chinese and/or in
Latin script (one column, or family and given name), email, and optionally profession,
institution, time zone and language of the emails. Cells are read as NFKC (full-width
letters, digits and "＠" become ASCII) without surrounding spaces.

``team_check`` lists every problem, each with the row number as the spreadsheet shows
it, the column as the table names it and a sentence in the page's language: missing or
malformed values, the same address twice in the table. Addresses already registered for
the activity are notes, not problems: they are not registered twice (their holder is
sent the link to their registration, as when registering alone).

``group_register`` saves a table without problems in one transaction under the
activity's lock through ``services.registrations_create_many`` — places and waiting list
exactly as for single registrations, each person's own confirmation email and link — or
raises ``TeamInvalid`` with the problems and saves nothing. The people registered
accepted the privacy notice through their coordinator, who confirms it; no separate
consent is given on their behalf (a transfer abroad counts as refused).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from amity.accounts.models import User
from amity.directory.models import Institution
from amity.events import permissions as event_permissions
from amity.events.models import Activity
from amity.registrations import selectors, services
from amity.registrations.attendance import ReportError, read_tables
from amity.registrations.forms import valid_zone
from amity.registrations.models import (
    GroupLink,
    GroupSubmission,
    Profession,
    Registration,
    RegistrationStatus,
)

# The largest team registered at once: a province's hospitals together stay below it.
MAX_TEAM_ROWS = 5000
HEADER_SEARCH_ROWS = 10

# Field → header texts that name it (compared as ``_key`` makes them), the most specific
# first. "姓名" alone is the Chinese name; "name" alone the Latin one.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name_local": (
        "name in chinese",
        "chinese name",
        "name (chinese)",
        "name in local script",
        "name (local script)",
        "中文姓名",
        "中文名",
        "姓名 (中文)",
        "姓名",
    ),
    "name_latin": (
        "name in latin script",
        "name (latin script)",
        "name (latin)",
        "latin name",
        "english name",
        "name (english)",
        "name (pinyin)",
        "pinyin",
        "拼音",
        "拼音姓名",
        "英文姓名",
        "英文名",
        "姓名 (拼音)",
        "姓名 (英文)",
        "full name",
        "name",
    ),
    "family_name": ("family name", "surname", "last name", "姓", "姓氏"),
    "given_name": ("given name", "first name", "名", "名字"),
    "email": (
        "email",
        "e-mail",
        "email address",
        "e-mail address",
        "邮箱",
        "电子邮箱",
        "电子邮件",
        "邮箱地址",
        "电子邮箱地址",
    ),
    "profession": ("profession", "occupation", "role", "职业", "身份", "人员类别"),
    "institution": (
        "institution",
        "hospital",
        "organisation",
        "organization",
        "单位",
        "医院",
        "机构",
        "工作单位",
        "所在单位",
    ),
    "time_zone": ("time zone", "timezone", "时区"),
    "language": ("language", "email language", "语言", "邮件语言"),
}

# What a profession cell may say, in either language, for each choice.
PROFESSION_WORDS: dict[str, tuple[str, ...]] = {
    Profession.PHYSICIAN: ("physician", "doctor", "md", "医生", "医师", "大夫", "主治医师"),
    Profession.NURSE: ("nurse", "护士", "护师", "护理"),
    Profession.THERAPIST: ("therapist", "治疗师", "康复治疗师"),
    Profession.PHARMACIST: ("pharmacist", "药师", "药剂师"),
    Profession.RESEARCHER: ("researcher", "研究人员", "科研人员", "研究员"),
    Profession.STUDENT: (
        "student",
        "trainee",
        "student or trainee",
        "resident",
        "学生",
        "研究生",
        "规培生",
        "进修生",
        "住院医师",
    ),
    Profession.ADMINISTRATOR: ("administrator", "admin", "行政", "管理人员", "行政人员"),
    Profession.OTHER: ("other", "其他"),
}
LANGUAGE_WORDS = {
    "en": ("en", "english", "英文", "英语"),
    "zh-hans": ("zh", "zh-hans", "zh-cn", "chinese", "中文", "汉语", "简体中文"),
}
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

FIELD_LABELS = {
    "name_local": gettext_lazy("Name in Chinese"),
    "name_latin": gettext_lazy("Name in Latin script"),
    "family_name": gettext_lazy("Family name"),
    "given_name": gettext_lazy("Given name"),
    "email": gettext_lazy("Email"),
    "profession": gettext_lazy("Profession"),
    "institution": gettext_lazy("Institution"),
    "time_zone": gettext_lazy("Time zone"),
    "language": gettext_lazy("Language"),
}


# ----- the table -------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong: ``row`` as the spreadsheet numbers it (None: the whole table),
    ``column`` as the table names it ("" when no one column)."""

    row: int | None
    column: str
    message: str


@dataclass
class TeamTable:
    """A team's table read into cells: each row's number and its text per field."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field → header as written
    problems: list[Problem] = field(default_factory=list)  # whole-table problems

    def as_json(self) -> str:
        """The table as read, for the confirmation step (read back with ``from_json``)."""
        return json.dumps({"rows": self.rows, "columns": self.columns}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> TeamTable:
        try:
            data = json.loads(text)
            rows = [
                (int(n), {str(k): str(v) for k, v in cells.items()}) for n, cells in data["rows"]
            ]
            columns = {str(k): str(v) for k, v in data["columns"].items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls(problems=[Problem(None, "", _("The table could not be read again."))])
        return cls(rows=rows, columns=columns)


def _key(value: Any) -> str:
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).casefold().strip()
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*\(\s*", " (", text).replace(" )", ")")
    return text.rstrip(":：*").strip()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value))).strip()


def _header(cells: list[Any]) -> dict[str, int] | None:
    keys = [_key(c) for c in cells]
    found: dict[str, int] = {}
    for name, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in keys and keys.index(alias) not in found.values():
                found[name] = keys.index(alias)
                break
    return found if "email" in found and len(found) >= 2 else None


def read_team_table(data: bytes | str, filename: str = "") -> TeamTable:
    """The rows of an uploaded or pasted table, by its header row. Never raises: a file
    that cannot be read, a missing header or too many rows is a whole-table problem."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        tables = read_tables(data, filename)
    except ReportError as problem:
        return TeamTable(problems=[Problem(None, "", str(problem))])
    for _sheet, rows in tables:
        for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
            columns = _header(cells)
            if columns is None:
                continue
            table = TeamTable(columns={name: _cell(cells[i]) for name, i in columns.items()})
            for number, body in enumerate(rows[index + 1 :], start=index + 2):
                values = {
                    name: _cell(body[i]) if i < len(body) else "" for name, i in columns.items()
                }
                if any(values.values()):
                    table.rows.append((number, values))
            if not table.rows:
                table.problems.append(
                    Problem(None, "", _("The table has no rows under its header."))
                )
            elif len(table.rows) > MAX_TEAM_ROWS:
                table.problems.append(
                    Problem(
                        None,
                        "",
                        _("The table has %(count)s people; register at most %(max)s at a time.")
                        % {"count": len(table.rows), "max": MAX_TEAM_ROWS},
                    )
                )
            return table
    return TeamTable(
        problems=[
            Problem(
                None,
                "",
                _(
                    "No header row found. The first row must name the columns, with at "
                    "least “Email” (邮箱) and a name: “Name in Chinese” (姓名) or “Name in "
                    "Latin script” (拼音), or “Family name” and “Given name”."
                ),
            )
        ]
    )


def table_from_rows(rows: Iterable[Mapping[str, Any]]) -> TeamTable:
    """A table given as objects (the API's JSON), one per person, keyed by field name
    (``name_latin`` or ``family_name``/``given_name``, ``name_local``, ``email``, …)."""
    table = TeamTable(columns={name: name for name in COLUMNS})
    for number, row in enumerate(rows, start=1):
        table.rows.append((number, {name: _cell(row.get(name)) for name in COLUMNS}))
    if not table.rows:
        table.problems.append(Problem(None, "", _("The table has no rows under its header.")))
    elif len(table.rows) > MAX_TEAM_ROWS:
        table.problems.append(
            Problem(
                None,
                "",
                _("The table has %(count)s people; register at most %(max)s at a time.")
                % {"count": len(table.rows), "max": MAX_TEAM_ROWS},
            )
        )
    return table


# ----- checking it ---------------------------------------------------------------------------


@dataclass
class TeamCheck:
    """A checked table: each row's registration fields (for rows without problems), every
    problem, and notes (addresses already registered)."""

    people: list[tuple[int, dict[str, Any]]]
    problems: list[Problem]
    notes: list[Problem]
    table: TeamTable

    @property
    def ok(self) -> bool:
        return not self.problems

    def preview(self) -> list[dict[str, Any]]:
        """The people about to be registered, as the list of registrants will show them."""
        labels = dict(Profession.choices)
        rows = []
        for number, fields in self.people:
            person = Registration(
                **{k: fields[k] for k in ("family_name", "given_name", "name_local")}
            )
            rows.append(
                {
                    "row": number,
                    "name": person.display_name,
                    "email": fields["email"],
                    "profession": labels.get(fields["profession"], ""),
                    "time_zone": fields["time_zone"],
                }
            )
        return rows

    def problems_by_row(self) -> dict[int | None, list[Problem]]:
        found: dict[int | None, list[Problem]] = {}
        for problem in self.problems:
            found.setdefault(problem.row, []).append(problem)
        return found


def _word_choice(value: str, words: Mapping[str, Iterable[str]]) -> str | None:
    key = _key(value)
    for choice, names in words.items():
        if key in names or key == _key(choice):
            return choice
    return None


def _profession(value: str) -> str | None:
    found = _word_choice(value, PROFESSION_WORDS)
    if found is None:
        labels = {str(label).casefold(): code for code, label in Profession.choices}
        found = labels.get(_key(value))
    return found


def team_check(
    activity: Activity,
    table: TeamTable,
    *,
    institution: Institution | None = None,
    language: str = "en",
) -> TeamCheck:
    """Check every row of ``table`` for ``activity`` (see the module's docstring); reads
    which addresses are registered already. ``institution`` fills the institution and
    country of rows that name none; ``language`` is that of rows that say none."""
    problems = list(table.problems)
    notes: list[Problem] = []
    people: list[tuple[int, dict[str, Any]]] = []
    label = {name: table.columns.get(name) or str(FIELD_LABELS[name]) for name in COLUMNS}
    default_zone = (institution.time_zone if institution else "") or activity.time_zone
    first_row_of: dict[str, int] = {}
    for number, cells in table.rows:
        row_problems: list[Problem] = []

        def problem(name: str, message: str, number=number, found=row_problems) -> None:
            found.append(Problem(number, label[name], message))

        email = cells.get("email", "").lower()
        if not email:
            problem("email", _("The email address is missing."))
        else:
            try:
                validate_email(email)
            except ValidationError:
                problem("email", _("“%(value)s” is not an email address.") % {"value": email})
                email = ""
        latin = cells.get("name_latin", "")
        family, given = cells.get("family_name", ""), cells.get("given_name", "")
        local = cells.get("name_local", "")
        if not (latin or family or given or local):
            problem(
                "name_local" if "name_local" in table.columns else "name_latin",
                _("The name is missing: give it in Chinese or in Latin script."),
            )
        for name, value in (("name_latin", latin), ("family_name", family), ("given_name", given)):
            if value and _HAN.search(value):
                problem(
                    name,
                    _(
                        "“%(value)s” is written in Chinese characters: put it in the column "
                        "for the name in Chinese, and the name in Latin script (pinyin) here."
                    )
                    % {"value": value},
                )
        for name, value in (
            ("name_latin", latin),
            ("family_name", family),
            ("given_name", given),
            ("name_local", local),
        ):
            if len(value) > 100:
                problem(name, _("The name is longer than 100 characters."))
        profession = ""
        if raw := cells.get("profession", ""):
            found = _profession(raw)
            if found is None:
                problem(
                    "profession",
                    _("“%(value)s” is not one of the professions: %(choices)s.")
                    % {
                        "value": raw,
                        "choices": ", ".join(str(text) for _code, text in Profession.choices),
                    },
                )
            else:
                profession = found
        zone = cells.get("time_zone", "") or default_zone
        if not valid_zone(zone):
            problem(
                "time_zone",
                _("“%(zone)s” is not a time zone; use a name like Asia/Shanghai.") % {"zone": zone},
            )
        row_language = language
        if raw := cells.get("language", ""):
            found = _word_choice(raw, LANGUAGE_WORDS)
            if found is None:
                problem(
                    "language",
                    _("“%(value)s” is not a language of the emails: English or Chinese (中文).")
                    % {"value": raw},
                )
            else:
                row_language = found
        institution_name = cells.get("institution", "") or (institution.name if institution else "")
        if len(institution_name) > 200:
            problem("institution", _("The institution is longer than 200 characters."))
        if email:
            if email in first_row_of:
                problem(
                    "email",
                    _("The same email address as row %(row)s: each person once.")
                    % {"row": first_row_of[email]},
                )
            else:
                first_row_of[email] = number
        problems.extend(row_problems)
        if row_problems:
            continue
        if not (family or given):
            family = latin or local
        people.append(
            (
                number,
                {
                    "family_name": family[:100],
                    "given_name": given[:100],
                    "name_local": local[:100],
                    "email": email,
                    "institution": institution_name[:200],
                    "country": str(institution.country.code or "") if institution else "",
                    "profession": profession,
                    "time_zone": zone,
                    "language": row_language,
                },
            )
        )
    known = set(
        Registration.objects.filter(activity=activity, email__in=list(first_row_of))
        .exclude(status=RegistrationStatus.CANCELLED)
        .values_list("email", flat=True)
    )
    for email in sorted(known, key=first_row_of.get):
        notes.append(
            Problem(
                first_row_of[email],
                label["email"],
                _(
                    "Already registered for this activity: not registered again; the address "
                    "is sent the link to its registration."
                ),
            )
        )
    return TeamCheck(people=people, problems=problems, notes=notes, table=table)


# ----- saving it -------------------------------------------------------------------------------


class TeamInvalid(Exception):
    """The table has problems: nothing was saved. ``check`` lists them all."""

    def __init__(self, check: TeamCheck):
        super().__init__(_("The table has problems: nothing was registered."))
        self.check = check


class GroupLinkUnusable(Exception):
    """The group link has expired, was revoked or has been used (the message says which)."""


def _consents(activity: Activity) -> dict[str, Any]:
    """What a coordinator's confirmation stands for: the privacy notice in effect; no
    sensitive answers; no consent to a transfer abroad given on anyone's behalf."""
    abroad = selectors.partners_abroad(activity)
    return {
        "notice": services.privacy_notice_current(),
        "sensitive_consent": None,
        "transfer_consent": False if abroad else None,
        "transfer_recipients": [
            {"name": p.name, "country": str(p.country.code or "")} for p in abroad
        ],
        "answers": {},
    }


def group_register(
    *,
    activity: Activity,
    table: TeamTable,
    user: User | None,
    institution: Institution | None = None,
    label: str = "",
    link: GroupLink | None = None,
    language: str = "en",
) -> tuple[GroupSubmission, TeamCheck]:
    """Register a team: check ``table`` again, then register every row in one
    transaction under the activity's lock (``services.registrations_create_many``), record
    the submission and, for a group link, mark it used. Raises ``TeamInvalid`` (nothing
    saved) when any row has a problem, ``GroupLinkUnusable`` when the link no longer
    works (checked under its own row lock, so a link is used once whatever the
    concurrency), and ``services.RegistrationClosed``."""
    if link is not None:
        institution, label = link.institution, link.label
    check = team_check(activity, table, institution=institution, language=language)
    if not check.ok:
        raise TeamInvalid(check)
    consents = _consents(activity)
    with transaction.atomic():
        now = timezone.now()
        if link is not None:
            link = GroupLink.objects.select_for_update().get(pk=link.pk)
            if not link.usable(now):
                raise GroupLinkUnusable(group_link_problem(link))
            link.used_at = now
            link.save(update_fields=["used_at"])
        results = services.registrations_create_many(
            activity=activity,
            people=[{**fields, **consents} for _number, fields in check.people],
            user=user,
        )
        submission = GroupSubmission.objects.create(
            activity=activity,
            link=link,
            institution=institution,
            label=(label or (institution.name if institution else ""))[:200],
            submitted_by=user if user is not None and user.is_authenticated else None,
            created_at=now,
            rows=len(results),
            confirmed=sum(
                1 for r, new in results if new and r.status == RegistrationStatus.CONFIRMED
            ),
            waiting=sum(1 for r, new in results if new and r.status == RegistrationStatus.WAITING),
            already=sum(1 for _r, new in results if not new),
        )
        submission.registrations.add(*(r for r, _new in results))
    return submission, check


# ----- group links ---------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def group_link_create(
    *,
    activity: Activity,
    label: str,
    expires_at: datetime,
    user: User,
    institution: Institution | None = None,
) -> tuple[GroupLink, str]:
    """Make a one-time group link; returns it and its token, which is shown only now (the
    database keeps its hash)."""
    token = secrets.token_urlsafe(24)
    link = GroupLink.objects.create(
        activity=activity,
        token_hash=_hash(token),
        institution=institution,
        label=label.strip()[:200] or (institution.name if institution else ""),
        created_by=user,
        expires_at=expires_at,
    )
    return link, token


def group_link_revoke(*, link: GroupLink) -> GroupLink:
    """Stop a link from working; revoking twice changes nothing."""
    with transaction.atomic():
        updated = GroupLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        link.refresh_from_db()
    del updated
    return link


def group_link_for_token(token: str) -> GroupLink | None:
    """The link a token names (usable or not); None for an unknown token."""
    if not token or len(token) > 100:
        return None
    return (
        GroupLink.objects.select_related("activity", "institution")
        .filter(token_hash=_hash(token))
        .first()
    )


def group_link_problem(link: GroupLink) -> str:
    """Why a link no longer works ("" when it does)."""
    if link.revoked_at:
        return _("This group registration link has been revoked by the organisers.")
    if link.used_at:
        return _("This group registration link has been used: each link registers one team.")
    if timezone.now() >= link.expires_at:
        return _("This group registration link has expired. Ask the organisers for a new one.")
    return ""


# ----- who may ----------------------------------------------------------------------------------


def team_institution(user: User, activity: Activity) -> Institution | None:
    """The institution whose team ``user`` registers for ``activity``: a partner contact's
    own, when it is one of the activity's partners. None for an organiser (who may
    register any team)."""
    if event_permissions.can_manage_activity(user, activity):
        return None
    person = getattr(user, "person", None)
    if (
        user.is_authenticated
        and user.is_partner_contact
        and person is not None
        and person.institution_id
        and activity.partners.filter(pk=person.institution_id).exists()
    ):
        return person.institution
    raise PermissionDenied


def get_activity_for_team(user: User, pk: int) -> tuple[Activity, Institution | None]:
    """The activity ``user`` registers a team for, and their institution: 404 when they
    may not see it or it takes no registrations, 403 when they may see it but register
    no team for it."""
    activity = event_permissions.get_activity_for_user(user, pk)
    if services.settings_for(activity) is None:
        raise Http404(_("This activity does not take registrations."))
    return activity, team_institution(user, activity)


def submissions_visible(user: User, activity: Activity):
    """The group submissions ``user`` may see: all for an organiser, their institution's
    for a partner contact."""
    qs = activity.group_submissions.select_related("institution", "submitted_by", "link")
    institution = team_institution(user, activity)
    return qs if institution is None else qs.filter(institution=institution)
