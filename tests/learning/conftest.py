from dataclasses import dataclass
from datetime import date

import pytest

from amity.learning.models import CourseCompletion, ExternalCourse
from tests.learning.factories import ExternalCourseFactory


@dataclass
class Catalogue:
    sepsis: ExternalCourse
    gait: ExternalCourse
    gcp: ExternalCourse
    chen_completion: CourseCompletion


@pytest.fixture
def catalogue(world) -> Catalogue:
    """Three courses: one Cardiology recommends (with Dr. Shen Jie), one Rehabilitation
    recommends, one nobody in particular; Chen Yu of Cardiology completed the first."""
    sepsis = ExternalCourseFactory(
        title="Recognition and Management of Pediatric Sepsis",
        title_local="儿童脓毒症的识别与处理",
        provider="OPEN Pediatrics",
        for_doctors=True,
        for_nurses=True,
        recommended_by=world.cardiology,
        recommended_by_person=world.staff.person,
        description="Early recognition and the first hour of resuscitation.",
    )
    gait = ExternalCourseFactory(
        title="Pediatric Gait Analysis",
        provider="Physiopedia",
        for_doctors=False,
        for_allied_health=True,
        recommended_by=world.rehab,
    )
    gcp = ExternalCourseFactory(
        title="Good Clinical Practice",
        provider="NIDA Clinical Trials Network",
        for_doctors=False,
        for_researchers=True,
    )
    completion = CourseCompletion.objects.create(
        course=sepsis, person=world.cardiology_colleague, completed_on=date(2020, 4, 2)
    )
    return Catalogue(sepsis=sepsis, gait=gait, gcp=gcp, chen_completion=completion)
