from datetime import date

import pytest

from amity.directory.demo import load_demo
from amity.learning.demo import load_demo_courses
from amity.learning.models import CourseCompletion, ExternalCourse

pytestmark = pytest.mark.django_db


def _state():
    return (
        sorted(ExternalCourse.objects.values_list("title", flat=True)),
        sorted(
            CourseCompletion.objects.values_list("course__title", "person__email", "completed_on")
        ),
    )


def test_demo_courses_are_open_pediatrics_recommended_by_cardiology_and_shen_jie():
    load_demo(synthetic_people=0)
    assert load_demo_courses() == 4
    courses = ExternalCourse.objects.select_related(
        "provider_institution", "recommended_by", "recommended_by_person"
    )
    assert {c.provider for c in courses} == {"OPEN Pediatrics"}
    assert {c.provider_institution.name for c in courses} == {"Boston Children's Hospital"}
    assert {c.recommended_by_person.email for c in courses} == {"jie.shen@zch.example.cn"}
    assert sorted(c.recommended_by.slug for c in courses) == [
        "cardiology",
        "cardiology",
        "cardiology",
        "nursing",
    ]
    shen = CourseCompletion.objects.filter(person__email="jie.shen@zch.example.cn")
    assert shen.count() == 3
    assert CourseCompletion.objects.count() == 6
    assert set(
        CourseCompletion.objects.values_list("person__institution__short_name", flat=True)
    ) == {"ZCH"}
    assert CourseCompletion.objects.filter(completed_on__gt=date(2021, 1, 1)).count() == 0


def test_loading_the_demo_courses_twice_duplicates_nothing():
    load_demo(synthetic_people=0)
    load_demo_courses()
    first = _state()
    assert load_demo_courses() == 0
    assert _state() == first
    assert (len(first[0]), len(first[1])) == (4, 6)
