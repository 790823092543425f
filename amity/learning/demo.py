"""Demo courses: OPEN Pediatrics, the free online platform for clinicians caring for
children founded by Boston Children's Hospital, which Dr. Shen Jie of Cardiology
introduced to colleagues. A few home-hospital staff have recorded completions.

Loading is idempotent: courses are found by title and completions by (course, person),
and only what is missing is created, through the services. The directory demo must be
loaded first (departments, people and Boston Children's Hospital).
"""

from datetime import date

from django.db import transaction

from amity.directory.models import Department, Institution, Language, Person
from amity.learning import services
from amity.learning.models import CourseCompletion, ExternalCourse

PROVIDER = "OPEN Pediatrics"
PROVIDER_URL = "https://www.openpediatrics.org/"
SHEN_JIE = "jie.shen@zch.example.cn"

COURSES = [
    {
        "title": "Basics of Mechanical Ventilation in Children",
        "title_local": "儿童机械通气基础",
        "description": "Video lectures and simulations on modes of ventilation, settings and "
        "weaning in the paediatric intensive care unit.",
        "audiences": ["for_doctors", "for_nurses", "for_allied_health"],
        "department": "cardiology",
    },
    {
        "title": "Recognition and Management of Pediatric Sepsis",
        "title_local": "儿童脓毒症的识别与处理",
        "description": "Early recognition, the first hour of resuscitation and ongoing "
        "critical care of children with sepsis and septic shock.",
        "audiences": ["for_doctors", "for_nurses"],
        "department": "cardiology",
    },
    {
        "title": "COVID-19 in Children: Clinical Care and Infection Prevention",
        "title_local": "儿童新冠肺炎：临床救治与感染防控",
        "description": "What clinicians caring for children need to know about SARS-CoV-2: "
        "presentation, critical care, MIS-C and personal protective equipment.",
        "audiences": ["for_doctors", "for_nurses", "for_allied_health", "for_researchers"],
        "department": "cardiology",
    },
    {
        "title": "Pediatric Nursing Fundamentals: Safe Medication Administration",
        "title_local": "儿科护理基础：安全给药",
        "description": "Weight-based dosing, double checks and infusion safety for nurses new "
        "to the care of children.",
        "audiences": ["for_nurses"],
        "department": "nursing",
    },
]

# (course title, person's email, completed on)
COMPLETIONS = [
    ("Basics of Mechanical Ventilation in Children", SHEN_JIE, date(2020, 3, 12)),
    ("Recognition and Management of Pediatric Sepsis", SHEN_JIE, date(2020, 4, 2)),
    ("COVID-19 in Children: Clinical Care and Infection Prevention", SHEN_JIE, date(2020, 2, 20)),
    ("Basics of Mechanical Ventilation in Children", "hao.chen@zch.example.cn", date(2020, 5, 8)),
    (
        "COVID-19 in Children: Clinical Care and Infection Prevention",
        "min.zhao@zch.example.cn",
        date(2020, 3, 3),
    ),
    (
        "Pediatric Nursing Fundamentals: Safe Medication Administration",
        "min.zhao@zch.example.cn",
        date(2020, 6, 15),
    ),
]


@transaction.atomic
def load_demo_courses() -> int:
    """Create the demo courses and completions that are missing. Returns how many courses
    were created (0 on a second run)."""
    departments = {d.slug: d for d in Department.objects.all()}
    shen = Person.objects.filter(email=SHEN_JIE).first()
    bch = Institution.objects.filter(name="Boston Children's Hospital").first()
    english = list(Language.objects.filter(code="en"))
    created = 0
    courses = {}
    for data in COURSES:
        course = ExternalCourse.objects.filter(title=data["title"]).first()
        if course is None:
            fields = {
                "title": data["title"],
                "title_local": data["title_local"],
                "provider": PROVIDER,
                "provider_institution": bch,
                "url": PROVIDER_URL,
                "description": data["description"],
                "recommended_by": departments.get(data["department"]),
                "recommended_by_person": shen,
                **dict.fromkeys(data["audiences"], True),
            }
            course = services.course_create(fields=fields, languages=english)
            created += 1
        courses[course.title] = course

    people = {p.email: p for p in Person.objects.filter(email__in={e for _t, e, _d in COMPLETIONS})}
    for title, email, completed_on in COMPLETIONS:
        person = people.get(email)
        if person is None or title not in courses:
            continue
        if not CourseCompletion.objects.filter(course=courses[title], person=person).exists():
            services.completion_record(
                course=courses[title], person=person, completed_on=completed_on
            )
    return created
