"""The research services: what each writes, what it refuses and to whom."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from amity.accounts.models import Role
from amity.relations.models import Agreement
from amity.research import selectors, services
from amity.research.models import (
    Enrolment,
    EthicsApproval,
    Publication,
    RegistryId,
    Site,
    Study,
    StudyMember,
)
from tests.factories import InstitutionFactory, PersonFactory, UserFactory

THIS_MONTH = timezone.localdate().replace(day=1)


def _months_ago(n: int) -> date:
    month = THIS_MONTH
    for _ in range(n):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


# --- studies -------------------------------------------------------------------------------


def test_office_staff_create_a_study_with_its_topics_and_meetings(research_world):
    from amity.sharing.models import Tag

    w = research_world
    covid = Tag.objects.create(name="COVID-19", slug="covid-19")
    study = services.study_create(
        by=w.office,
        title="Remdesivir in children",
        design="interventional",
        lead_institution=w.home,
        principal_investigator=w.pi_person,
        topics=[covid],
    )
    assert (study.created_by, study.status) == (w.office, "planning")
    assert list(study.topics.values_list("name", flat=True)) == ["COVID-19"]


@pytest.mark.parametrize("role", [Role.STAFF, Role.PARTNER_CONTACT])
def test_staff_and_partner_contacts_may_not_start_a_study(research_world, role):
    w = research_world
    with pytest.raises(PermissionDenied):
        services.study_create(
            by=UserFactory(role=role),
            title="X",
            design="other",
            lead_institution=w.home,
            principal_investigator=w.pi_person,
        )
    assert Study.objects.count() == 2


def test_a_study_with_missing_fields_is_refused_with_the_fields_named(research_world):
    with pytest.raises(ValidationError) as error:
        services.study_create(by=research_world.office, title="", design="other")
    assert set(error.value.message_dict) >= {"title", "lead_institution", "principal_investigator"}


def test_the_study_pi_edits_the_study_a_staff_member_outside_the_team_may_not(research_world):
    w = research_world
    services.study_update(by=w.pi, study=w.study, target_enrolment=320)
    w.study.refresh_from_db()
    assert w.study.target_enrolment == 320
    with pytest.raises(PermissionDenied):
        services.study_update(by=w.staff, study=w.study, target_enrolment=1)
    with pytest.raises(PermissionDenied):
        services.study_update(by=w.partner_contact, study=w.study, target_enrolment=1)
    w.study.refresh_from_db()
    assert w.study.target_enrolment == 320


def test_a_department_coordinator_starts_a_study_and_may_edit_it(research_world):
    w = research_world
    study = services.study_create(
        by=w.coordinator,
        title="Speech rehabilitation by video",
        design="interventional",
        lead_institution=w.home,
        principal_investigator=w.home_coordinator_person,
    )
    services.study_update(by=w.coordinator, study=study, acronym="SPEECH-V")
    assert Study.objects.get(pk=study.pk).acronym == "SPEECH-V"
    with pytest.raises(PermissionDenied):
        services.study_update(by=w.coordinator, study=w.study, acronym="X")


def test_a_site_coordinator_at_home_is_of_the_team_and_edits(research_world):
    w = research_world
    login = UserFactory(role=Role.STAFF)
    w.home_coordinator_person.user = login
    w.home_coordinator_person.save()
    services.study_update(by=login, study=w.study, acronym="PEDCOV-19")
    w.study.refresh_from_db()
    assert w.study.acronym == "PEDCOV-19"


def test_a_partner_site_coordinator_is_not_of_the_team(research_world):
    """The partner's contact coordinates their own site but edits nothing of the study."""
    w = research_world
    with pytest.raises(PermissionDenied):
        services.publication_add(by=w.partner_contact, study=w.study, title="X", authors="Y")


def test_a_study_starts_enrolling_only_with_a_site(research_world):
    w = research_world
    services.study_set_status(by=w.office, study=w.study, status="enrolling")
    assert Study.objects.get(pk=w.study.pk).status == "enrolling"
    lonely = services.study_create(
        by=w.office,
        title="Alone",
        design="other",
        lead_institution=w.home,
        principal_investigator=w.pi_person,
    )
    with pytest.raises(ValidationError) as error:
        services.study_set_status(by=w.office, study=lonely, status="enrolling")
    assert error.value.message_dict == {
        "status": ["Add at least one site before the study starts enrolling."]
    }
    with pytest.raises(ValidationError):
        services.study_set_status(by=w.office, study=lonely, status="paused")


def test_team_members_are_added_once_per_role_and_removed(research_world):
    w = research_world
    stats = PersonFactory(institution=w.home, family_name="Zhao")
    services.study_member_add(by=w.office, study=w.study, person=stats, role="statistician")
    with pytest.raises(ValidationError) as error:
        services.study_member_add(by=w.office, study=w.study, person=stats, role="statistician")
    assert error.value.messages == ["This person already has this role in the study."]
    services.study_member_add(by=w.office, study=w.study, person=stats, role="member")
    assert StudyMember.objects.filter(study=w.study, person=stats).count() == 2
    assert services.study_member_remove(
        by=w.office, study=w.study, person=stats, role="statistician"
    )
    assert list(StudyMember.objects.values_list("role", flat=True)) == ["member"]


def test_registry_identifiers_are_normalised_and_unique_per_registry(research_world):
    w = research_world
    rid = services.registry_id_add(
        by=w.office, study=w.study, registry="chictr", identifier="chictr2000029308"
    )
    assert rid.identifier == "ChiCTR2000029308"
    with pytest.raises(ValidationError) as error:
        services.registry_id_add(
            by=w.office, study=w.other_study, registry="chictr", identifier="ChiCTR2000029308"
        )
    assert error.value.messages == ["A study already has this identifier."]
    with pytest.raises(ValidationError):
        services.registry_id_add(
            by=w.office, study=w.study, registry="clinicaltrials_gov", identifier="NCT0428"
        )
    services.registry_id_remove(by=w.office, registry_id=rid)
    assert RegistryId.objects.count() == 0


# --- sites and agreements ------------------------------------------------------------------


def test_a_site_pi_must_work_at_the_site_institution(research_world):
    w = research_world
    elsewhere = InstitutionFactory(name="Boston Children's Hospital")
    with pytest.raises(ValidationError) as error:
        services.site_add(by=w.office, study=w.study, institution=elsewhere, site_pi=w.pi_person)
    assert error.value.message_dict == {
        "site_pi": ["Junfen Fu does not work at Boston Children's Hospital."]
    }
    assert not Site.objects.filter(institution=elsewhere).exists()


def test_an_institution_is_added_as_a_site_once(research_world):
    w = research_world
    with pytest.raises(ValidationError) as error:
        services.site_add(by=w.office, study=w.study, institution=w.partner)
    assert error.value.messages == ["This institution is already a site of the study."]


def test_site_update_changes_status_and_target(research_world):
    w = research_world
    services.site_update(
        by=w.pi, site=w.partner_site, status="active", target=60, joined_on=date(2020, 3, 2)
    )
    site = Site.objects.get(pk=w.partner_site.pk)
    assert (site.status, site.target, site.joined_on) == ("active", 60, date(2020, 3, 2))
    with pytest.raises(PermissionDenied):
        services.site_update(by=w.partner_contact, site=w.partner_site, target=1000)


def test_a_site_links_only_agreements_its_institution_signed(research_world):
    w = research_world
    signed = Agreement.objects.create(title="Research collaboration", kind="research")
    signed.partners.add(w.partner)
    elsewhere = Agreement.objects.create(title="Milan MoU", kind="mou")
    elsewhere.partners.add(w.other)
    exchange = Agreement.objects.create(title="Nurse exchange", kind="exchange")
    exchange.partners.add(w.partner)

    services.site_link_agreement(by=w.office, site=w.partner_site, agreement=signed)
    with pytest.raises(ValidationError) as error:
        services.site_link_agreement(by=w.office, site=w.partner_site, agreement=elsewhere)
    assert error.value.messages == ["Loma Linda University is not a party to this agreement."]
    with pytest.raises(ValidationError):
        services.site_link_agreement(by=w.office, site=w.partner_site, agreement=exchange)
    assert list(w.partner_site.agreements.all()) == [signed]


# --- approvals -----------------------------------------------------------------------------


def test_recording_an_approval_queues_its_reminders(research_world, settings):
    settings.AMITY_APPROVAL_REMINDER_DAYS = [60, 14]
    w = research_world
    today = timezone.localdate()
    approval = services.approval_record(
        by=w.office,
        site=w.partner_site,
        committee="Loma Linda University IRB",
        reference="5200123",
        approved_on=today - timedelta(days=300),
        expires_on=today + timedelta(days=100),
    )
    tasks = DBTaskResult.objects.filter(
        task_path="amity.research.tasks.remind_approval_expiry"
    ).order_by("run_after")
    assert [t.args_kwargs["kwargs"]["days"] for t in tasks] == [60, 14]
    assert {t.args_kwargs["kwargs"]["approval_id"] for t in tasks} == {approval.pk}
    assert [t.run_after.date() for t in tasks] == [
        today + timedelta(days=40),
        today + timedelta(86),
    ]


def test_an_approval_dated_ahead_or_expiring_before_it_was_given_is_refused(research_world):
    w = research_world
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        services.approval_record(
            by=w.office,
            site=w.partner_site,
            committee="IRB",
            reference="1",
            approved_on=today + timedelta(days=1),
        )
    assert error.value.message_dict == {
        "approved_on": ["An approval cannot be dated in the future."]
    }
    with pytest.raises(ValidationError):
        services.approval_record(
            by=w.office,
            site=w.partner_site,
            committee="IRB",
            reference="1",
            approved_on=date(2020, 1, 1),
            expires_on=date(2019, 1, 1),
        )
    assert EthicsApproval.objects.count() == 0


def test_a_partner_contact_may_not_record_approvals(research_world):
    w = research_world
    with pytest.raises(PermissionDenied):
        services.approval_record(
            by=w.partner_contact,
            site=w.partner_site,
            committee="IRB",
            reference="1",
            approved_on=date(2020, 1, 1),
        )


# --- enrolment -----------------------------------------------------------------------------


def test_enrolment_is_one_figure_per_month_a_second_entry_replaces_it(research_world):
    w = research_world
    services.enrolment_enter(
        by=w.partner_contact, site=w.partner_site, month=_months_ago(1), count=4
    )
    services.enrolment_enter(
        by=w.partner_contact, site=w.partner_site, month=_months_ago(1).replace(day=20), count=7
    )
    entry = Enrolment.objects.get()
    assert (entry.month, entry.count, entry.entered_by) == (_months_ago(1), 7, w.partner_contact)


def test_a_partner_contact_enters_enrolment_only_for_their_own_site(research_world):
    w = research_world
    for site in (w.home_site, w.domestic_site):
        with pytest.raises(PermissionDenied):
            services.enrolment_enter(by=w.partner_contact, site=site, month=THIS_MONTH, count=1)
    with pytest.raises(PermissionDenied):
        services.enrolment_enter(by=w.other_contact, site=w.partner_site, month=THIS_MONTH, count=1)
    with pytest.raises(PermissionDenied):
        services.enrolment_enter(by=w.staff, site=w.home_site, month=THIS_MONTH, count=1)
    assert Enrolment.objects.count() == 0
    services.enrolment_enter(by=w.domestic_contact, site=w.domestic_site, month=THIS_MONTH, count=2)
    services.enrolment_enter(by=w.pi, site=w.partner_site, month=THIS_MONTH, count=3)
    assert sorted(Enrolment.objects.values_list("count", flat=True)) == [2, 3]


@pytest.mark.parametrize(
    "count, message",
    [
        (-1, "A count cannot be negative."),
        (2.5, "Enter a whole number of participants."),
        ("3", "Enter a whole number of participants."),
        (100_001, "That is more than 100000 in one month: check the figure."),
    ],
)
def test_enrolment_is_a_whole_count(research_world, count, message):
    w = research_world
    with pytest.raises(ValidationError) as error:
        services.enrolment_enter(by=w.office, site=w.home_site, month=THIS_MONTH, count=count)
    assert error.value.message_dict == {"count": [message]}


def test_enrolment_for_a_month_ahead_is_refused(research_world):
    w = research_world
    next_month = (THIS_MONTH + timedelta(days=32)).replace(day=1)
    with pytest.raises(ValidationError) as error:
        services.enrolment_enter(by=w.office, site=w.home_site, month=next_month, count=1)
    assert error.value.message_dict == {
        "month": ["Enrolment is entered for months that have begun."]
    }


def test_the_month_grid_saves_all_months_or_none(research_world):
    w = research_world
    with pytest.raises(ValidationError):
        services.enrolment_enter_months(
            by=w.office,
            site=w.home_site,
            counts={_months_ago(2): 5, _months_ago(1): -3, THIS_MONTH: None},
        )
    assert Enrolment.objects.count() == 0
    services.enrolment_enter_months(
        by=w.office,
        site=w.home_site,
        counts={_months_ago(2): 5, _months_ago(1): 6, THIS_MONTH: None},
    )
    assert selectors.site_enrolment(w.office, w.home_site) == {_months_ago(2): 5, _months_ago(1): 6}


# --- publications and links ----------------------------------------------------------------


def test_publications_are_added_edited_and_removed_by_the_team(research_world):
    w = research_world
    paper = services.publication_add(
        by=w.pi,
        study=w.study,
        title="Diagnosis, treatment and prevention of 2019 novel coronavirus infection in children",
        authors="Chen ZM; Fu JF; Shu Q",
        journal="World J Pediatr",
        year=2020,
        volume="16",
        issue="3",
        pages="240-246",
        doi="doi:10.1007/s12519-020-00345-5",
    )
    assert paper.doi == "10.1007/s12519-020-00345-5"
    services.publication_update(by=w.office, publication=paper, pages="240–246")
    assert Publication.objects.get().pages == "240–246"
    with pytest.raises(ValidationError) as error:
        services.publication_add(
            by=w.pi, study=w.study, title="Again", authors="X", year=2020, doi=paper.doi.upper()
        )
    assert error.value.messages == ["This paper is already listed for the study."]
    services.publication_remove(by=w.pi, publication=paper)
    assert Publication.objects.count() == 0


def test_the_study_lists_its_weekly_call_and_protocol(research_world):
    from amity.events import services as events
    from amity.sharing.models import Document

    w = research_world
    call = events.activity_create(
        fields={
            "title": "COVID-19 multicentre weekly call",
            "kind": "call",
            "status": "confirmed",
            "visibility": "partners",
            "time_zone": "Asia/Shanghai",
        },
        partners=[w.partner],
    )
    protocol = Document.objects.create(title="Protocol v2.1", kind="protocol")
    services.study_link_activity(by=w.pi, study=w.study, activity=call)
    services.study_link_document(by=w.pi, study=w.study, document=protocol)
    assert list(w.study.activities.all()) == [call]
    assert list(w.study.documents.all()) == [protocol]
    with pytest.raises(PermissionDenied):
        services.study_link_document(by=w.partner_contact, study=w.study, document=protocol)


@pytest.mark.django_db(transaction=True)
def test_six_coordinators_saving_the_same_month_at_once_leave_one_figure(research_world):
    """The upsert runs under the site's lock (PostgreSQL) or an IMMEDIATE transaction
    (SQLite): no duplicate row, no error, the figure one of those entered."""
    import threading

    from django.db import connection

    w = research_world
    start = threading.Barrier(6)
    outcomes: list[str] = []

    def enter(count: int) -> None:
        start.wait()
        try:
            services.enrolment_enter(by=w.office, site=w.home_site, month=THIS_MONTH, count=count)
            outcomes.append("saved")
        except Exception as error:  # pragma: no cover - reported by the assertion
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=enter, args=(n,)) for n in range(10, 16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert outcomes == ["saved"] * 6
    (entry,) = Enrolment.objects.filter(site=w.home_site)
    assert entry.month == THIS_MONTH and entry.count in range(10, 16)
