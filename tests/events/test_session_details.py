import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from amity.events.models import Attendance, Material, SessionSpeaker

pytestmark = pytest.mark.django_db


def test_session_details_set_title_recording_and_speakers(world, client, lecture):
    session = lecture.sessions.get()
    client.force_login(world.coordinator)  # lecture belongs to Rehabilitation
    response = client.post(
        reverse("events:session_edit", args=[session.pk]),
        {
            "title": "Growth and its disorders",
            "notes": "",
            "recording_url": "video.example.org/rec/1",
            "speaker-TOTAL_FORMS": "2",
            "speaker-INITIAL_FORMS": "0",
            "speaker-0-person": world.other_partner_contact.pk,
            "speaker-0-role": "speaker",
            "speaker-0-talk_title": "Short stature",
            "speaker-1-person": world.rehab_colleague.pk,
            "speaker-1-role": "moderator",
            "speaker-1-talk_title": "",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "The session was saved." in body
    assert "Short stature" in body
    session.refresh_from_db()
    assert session.recording_url == "https://video.example.org/rec/1"
    assert sorted(SessionSpeaker.objects.values_list("person__family_name", "role")) == [
        ("Hughes", "speaker"),
        ("Zhao", "moderator"),
    ]


def test_uploaded_material_is_downloaded_only_by_those_who_see_the_activity(world, client, cicu):
    client.force_login(world.office)
    response = client.post(
        reverse("events:material_add", args=[cicu.pk]),
        {
            "title": "Protocol",
            "url": "",
            "session": "",
            "file": SimpleUploadedFile("protocol v2.pdf", b"%PDF-1.7 protocol", "application/pdf"),
        },
        follow=True,
    )
    assert "“Protocol” was added." in response.content.decode()
    material = Material.objects.get()
    url = reverse("events:material_download", args=[material.pk])
    assert url in response.content.decode()

    client.force_login(world.partner_contact)  # Loma Linda is a partner of the call
    download = client.get(url)
    assert b"".join(download.streaming_content) == b"%PDF-1.7 protocol"
    assert 'filename="protocol_v2.pdf"' in download["Content-Disposition"]

    client.logout()
    assert client.get(url).status_code == 404


def test_material_needs_a_link_or_an_allowed_file(world, client, cicu):
    client.force_login(world.office)
    url = reverse("events:material_add", args=[cicu.pk])
    empty = client.post(url, {"title": "Nothing", "url": "", "session": ""})
    assert "Give a link or upload a file." in empty.content.decode()
    script = client.post(
        url,
        {
            "title": "Script",
            "session": "",
            "file": SimpleUploadedFile("run.sh", b"rm -rf /", "text/x-sh"),
        },
    )
    assert script.context["form"].errors == {
        "file": [
            "The content of “run.sh” is not a type Amity accepts. Upload PDF, Word (.docx), "
            "PowerPoint (.pptx), Excel (.xlsx), PNG, JPEG, MP4, plain text (.txt)."
        ]
    }
    assert Material.objects.count() == 0


def test_attendance_is_taken_per_session_and_can_be_corrected(world, client, cicu):
    session = cicu.sessions.order_by("starts_at").first()
    client.force_login(world.office)
    url = reverse("events:attendance", args=[session.pk])
    page = client.get(url).content.decode()
    assert "Shen Jie" in page  # the call's participant
    staff_person = world.staff.person
    response = client.post(url, {"present": [str(staff_person.pk)]}, follow=True)
    assert "Attendance saved: 1 present." in response.content.decode()
    client.post(url, {"present": [str(staff_person.pk)]})
    assert Attendance.objects.filter(session=session, present=True).count() == 1
    client.post(url, {})
    assert Attendance.objects.get(session=session, person=staff_person).present is False


def test_participants_are_added_and_removed(world, client, lecture):
    client.force_login(world.coordinator)
    url = reverse("events:participants", args=[lecture.pk])
    client.post(url, {"person": world.partner_contact.person.pk, "role": "enrolled"})
    page = client.get(url).content.decode()
    assert "Emily Carter" in page and "Enrolled" in page
    client.post(url, {"remove": world.partner_contact.person.pk})
    assert lecture.participations.count() == 0
