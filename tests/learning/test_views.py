from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from amity.directory.models import Language
from amity.learning.models import CourseCompletion, ExternalCourse
from tests.factories import UserFactory
from tests.learning.factories import ExternalCourseFactory

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    return [course.title for course in response.context["page"]]


def test_catalogue_is_searched_and_filtered_by_audience_department_and_provider(
    world, catalogue, client
):
    client.force_login(world.staff)
    url = reverse("learning:course_list")
    everything = [
        "Good Clinical Practice",
        "Pediatric Gait Analysis",
        "Recognition and Management of Pediatric Sepsis",
    ]
    assert _titles(client.get(url)) == everything
    assert _titles(client.get(url, {"q": "sepsis"})) == [catalogue.sepsis.title]
    assert _titles(client.get(url, {"q": "脓毒症"})) == [catalogue.sepsis.title]
    assert _titles(client.get(url, {"q": "Shen"})) == [catalogue.sepsis.title]
    assert _titles(client.get(url, {"q": "pediatric gait"})) == ["Pediatric Gait Analysis"]
    assert _titles(client.get(url, {"audience": "nurses"})) == [catalogue.sepsis.title]
    assert _titles(client.get(url, {"audience": "allied_health"})) == ["Pediatric Gait Analysis"]
    assert _titles(client.get(url, {"audience": "researchers"})) == ["Good Clinical Practice"]
    assert _titles(client.get(url, {"audience": "doctors"})) == [catalogue.sepsis.title]
    assert _titles(client.get(url, {"department": world.rehab.pk})) == ["Pediatric Gait Analysis"]
    assert _titles(client.get(url, {"provider": "OPEN Pediatrics"})) == [catalogue.sepsis.title]
    assert (
        _titles(client.get(url, {"provider": "OPEN Pediatrics", "audience": "researchers"})) == []
    )
    empty = client.get(url, {"q": "no such course"})
    assert "No course matches these filters." in empty.content.decode()


def test_catalogue_lists_providers_and_completion_counts(world, catalogue, client):
    client.force_login(world.coordinator)
    response = client.get(reverse("learning:course_list"))
    assert [choice[0] for choice in response.context["form"].fields["provider"].choices] == [
        "",
        "NIDA Clinical Trials Network",
        "OPEN Pediatrics",
        "Physiopedia",
    ]
    counts = {course.title: course.completion_count for course in response.context["page"]}
    assert counts == {
        "Good Clinical Practice": 0,
        "Pediatric Gait Analysis": 0,
        "Recognition and Management of Pediatric Sepsis": 1,
    }


def test_catalogue_takes_a_fixed_number_of_queries(world, client, django_assert_max_num_queries):
    english = Language.objects.get(code="en")
    for _ in range(30):
        course = ExternalCourseFactory(recommended_by=world.cardiology)
        course.languages.add(english)
        CourseCompletion.objects.create(
            course=course, person=world.cardiology_colleague, completed_on=date(2020, 1, 1)
        )
    client.force_login(world.office)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("learning:course_list"))
    assert len(response.context["page"]) == 25
    assert "English" in response.content.decode()


def test_course_page_shows_who_completed_it_and_how_many(world, catalogue, client):
    client.force_login(world.staff)
    response = client.get(catalogue.sepsis.get_absolute_url())
    body = response.content.decode()
    assert "1 colleague completed this course." in body
    assert [c.person.full_name for c in response.context["completions"]] == ["Chen Yu"]
    assert "Chen Yu" in body
    assert "Doctors" in body and "Nurses" in body
    assert "Shen Jie" in body  # the recommending colleague
    assert "I completed this" in body


def test_completion_is_recorded_once_changed_in_place_and_undone(world, catalogue, client):
    client.force_login(world.staff)
    course = catalogue.sepsis
    record = reverse("learning:completion_record", args=[course.pk])
    undo = reverse("learning:completion_undo", args=[course.pk])
    shen = world.staff.person

    first = client.post(record, {"completed_on": "2020-05-01", "note": "Certificate 123"})
    assert first["Location"] == course.get_absolute_url()
    again = client.post(record, {"completed_on": "2020-05-01", "note": "Certificate 123"})
    assert again["Location"] == course.get_absolute_url()
    mine = CourseCompletion.objects.filter(course=course, person=shen)
    assert list(mine.values_list("completed_on", "note")) == [(date(2020, 5, 1), "Certificate 123")]
    assert CourseCompletion.objects.filter(course=course).count() == 2  # with Chen Yu's

    client.post(record, {"completed_on": "2020-05-03", "note": ""})
    assert list(mine.values_list("completed_on", "note")) == [(date(2020, 5, 3), "")]

    page = client.get(course.get_absolute_url()).content.decode()
    assert "You completed this course on May 3, 2020." in page
    assert "2 colleagues completed this course." in page

    undone = client.post(undo, follow=True)
    assert "is no longer recorded as completed." in undone.content.decode()
    assert not mine.exists()
    twice = client.post(undo, follow=True)
    assert (
        "You had not recorded “Recognition and Management of Pediatric Sepsis” as completed."
        in (twice.content.decode())
    )
    assert list(
        CourseCompletion.objects.filter(course=course).values_list("person", flat=True)
    ) == [world.cardiology_colleague.pk]


def test_completion_in_the_future_is_refused_with_a_clear_message(world, catalogue, client):
    client.force_login(world.coordinator)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        reverse("learning:completion_record", args=[catalogue.gcp.pk]),
        {"completed_on": tomorrow.isoformat()},
    )
    assert response.status_code == 200
    assert "The completion date cannot be in the future." in response.content.decode()
    assert CourseCompletion.objects.filter(course=catalogue.gcp).count() == 0
    missing = client.post(
        reverse("learning:completion_record", args=[catalogue.gcp.pk]), {"completed_on": ""}
    )
    assert "This field is required." in missing.content.decode()


def test_a_login_without_a_directory_entry_cannot_record(world, catalogue, client):
    client.force_login(UserFactory(role="staff"))
    page = client.get(catalogue.gcp.get_absolute_url()).content.decode()
    assert "Good Clinical Practice" in page
    assert "I completed this" not in page
    response = client.post(
        reverse("learning:completion_record", args=[catalogue.gcp.pk]),
        {"completed_on": "2020-01-01"},
    )
    assert response.status_code == 403
    assert CourseCompletion.objects.count() == 1


def test_completion_is_only_for_people_of_the_home_hospital(world, catalogue):
    from django.core.exceptions import ValidationError

    from amity.learning.services import completion_record

    with pytest.raises(ValidationError) as error:
        completion_record(
            course=catalogue.gcp,
            person=world.other_partner_contact,
            completed_on=date(2020, 1, 1),
        )
    assert error.value.message_dict == {
        "person": ["Only people of the home hospital record completed courses."]
    }


def _course_data(**overrides):
    data = {
        "title": "Basics of Mechanical Ventilation in Children",
        "title_local": "儿童机械通气基础",
        "provider": "OPEN Pediatrics",
        "url": "https://www.openpediatrics.org/",
        "for_doctors": "on",
        "for_nurses": "on",
        "languages": ["en", "zh"],
        "description": "Modes, settings and weaning.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_office_adds_a_course_after_clear_error_messages(world, catalogue, client):
    client.force_login(world.office)
    url = reverse("learning:course_create")
    no_audience = client.post(
        url, _course_data(for_doctors=None, for_nurses=None, recommended_by=world.cardiology.pk)
    )
    body = no_audience.content.decode()
    assert "Please correct the errors below." in body
    assert "Choose at least one audience the course is for." in body

    bad = client.post(url, _course_data(title="", url="not a link"))
    assert bad.context["form"].errors == {
        "title": ["This field is required."],
        "url": ["Enter a valid URL."],
    }
    duplicate = client.post(url, _course_data(title=catalogue.sepsis.title))
    assert "This provider already has a course with this title." in duplicate.content.decode()
    assert ExternalCourse.objects.count() == 3

    response = client.post(
        url,
        _course_data(
            recommended_by=world.cardiology.pk, recommended_by_person=world.staff.person.pk
        ),
        follow=True,
    )
    course = ExternalCourse.objects.get(title="Basics of Mechanical Ventilation in Children")
    assert response.redirect_chain == [(course.get_absolute_url(), 302)]
    assert "was added to the catalogue." in response.content.decode()
    assert (course.for_doctors, course.for_nurses, course.for_allied_health) == (True, True, False)
    assert sorted(course.languages.values_list("code", flat=True)) == ["en", "zh"]
    assert course.recommended_by == world.cardiology
    assert course.recommended_by_person == world.staff.person


def test_coordinator_adds_courses_for_their_own_department_only(world, catalogue, client):
    client.force_login(world.coordinator)
    url = reverse("learning:course_create")
    form = client.get(url).context["form"]
    assert list(form.fields["recommended_by"].queryset) == [world.rehab]

    refused = client.post(url, _course_data(recommended_by=world.cardiology.pk))
    assert refused.context["form"].errors == {
        "recommended_by": [
            "Select a valid choice. That choice is not one of the available choices."
        ]
    }
    unassigned = client.post(url, _course_data())
    assert unassigned.context["form"].errors == {"recommended_by": ["This field is required."]}

    client.post(url, _course_data(recommended_by=world.rehab.pk))
    course = ExternalCourse.objects.get(title="Basics of Mechanical Ventilation in Children")
    assert course.recommended_by == world.rehab


def test_coordinator_edits_their_department_course_but_not_another(world, catalogue, client):
    client.force_login(world.coordinator)
    own = reverse("learning:course_edit", args=[catalogue.gait.pk])
    response = client.post(
        own,
        _course_data(
            title="Pediatric Gait Analysis, second edition",
            provider="Physiopedia",
            recommended_by=world.rehab.pk,
            for_nurses=None,
            for_allied_health="on",
        ),
    )
    assert response["Location"] == catalogue.gait.get_absolute_url()
    catalogue.gait.refresh_from_db()
    assert catalogue.gait.title == "Pediatric Gait Analysis, second edition"
    assert catalogue.gait.audiences == ["doctors", "allied_health"]

    other = client.post(
        reverse("learning:course_edit", args=[catalogue.sepsis.pk]),
        _course_data(title="Taken over", recommended_by=world.rehab.pk),
    )
    assert other.status_code == 403
    catalogue.sepsis.refresh_from_db()
    assert catalogue.sepsis.title == "Recognition and Management of Pediatric Sepsis"


@pytest.mark.parametrize(
    ("role", "shown"),
    [("office", True), ("coordinator", True), ("staff", True), ("partner", False)],
)
def test_navigation_offers_courses_and_plans_to_hospital_staff_only(world, login, role, shown):
    body = login(world.user(role)).get(reverse("home:home")).content.decode()
    links = [
        f'<a href="{reverse("learning:course_list")}"',
        f'<a href="{reverse("plans:plan_list")}"',
    ]
    assert [link in body for link in links] == [shown, shown]
