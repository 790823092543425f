"""The document pages as people use them: list, search filters and paging, the page of a
document with its history, the forms with their errors, downloads and the log."""

import re
from urllib.parse import quote

import pytest
from django.urls import reverse

from amity.sharing import services
from amity.sharing.models import Document, DownloadLog, Tag
from tests.sharing.conftest import GUIDELINE_TEXT, file_bytes, pdf_file, text_file

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    return [document.display_title for document in response.context["page"]]


def test_list_shows_each_role_its_documents_newest_first(world, login, library):
    url = reverse("sharing:document_list")
    everything = [
        library.internal.display_title,
        library.gosh.display_title,
        library.guideline.display_title,
        library.covid.display_title,
    ]
    for user in (world.office, world.coordinator, world.staff):
        assert _titles(login(user).get(url)) == everything
    response = login(world.partner_contact).get(url)
    assert _titles(response) == [library.guideline.display_title, library.covid.display_title]
    body = response.content.decode()
    assert "2 documents: guidelines, protocols, cases, slides and recordings" in body
    assert "Internal: hospital staff only" not in body
    assert "Great Ormond Street perioperative protocol" not in body
    assert "ECMO drill checklist" not in body


def test_list_filters_by_topic_kind_and_language(world, login, library):
    client = login(world.staff)
    url = reverse("sharing:document_list")
    assert _titles(client.get(url, {"tag": "cardiac-icu"})) == [
        library.internal.display_title,
        library.gosh.display_title,
    ]
    assert _titles(client.get(url, {"kind": "guideline"})) == [library.guideline.display_title]
    assert _titles(client.get(url, {"language": "zh"})) == [
        library.internal.display_title,
        library.covid.display_title,
    ]
    topics = [choice[1] for choice in client.get(url).context["form"].fields["tag"].choices]
    assert topics == ["All topics", "COVID-19 / 新冠肺炎", "Cardiac ICU / 心脏重症监护"]
    # A partner's topic filter offers only topics of documents they may see.
    partner_form = login(world.partner_contact).get(url).context["form"]
    assert [c[1] for c in partner_form.fields["tag"].choices] == [
        "All topics",
        "COVID-19 / 新冠肺炎",
    ]


def test_list_pages_by_twenty(world, login, library):
    for n in range(21):
        services.document_create(
            fields={"title": f"Handout {n:02}", "kind": "other", "scope": "all_partners"},
            owner=world.office,
            upload=text_file(f"h{n}.txt", "x"),
        )
    client = login(world.partner_contact)
    url = reverse("sharing:document_list")
    first = client.get(url, {"q": "handout"})
    assert len(first.context["page"]) == 20
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?q=handout&amp;page=2"' in first.content.decode()
    second = client.get(url, {"q": "handout", "page": 2})
    assert len(second.context["page"]) == 1
    assert "21 documents match “handout”" in second.content.decode()


def test_list_takes_a_fixed_number_of_queries(world, login, library, django_assert_max_num_queries):
    for n in range(15):
        services.document_create(
            fields={"title": f"Protocol {n}", "kind": "protocol", "scope": "all_partners"},
            owner=world.office,
            tags=[library.covid_tag, library.cicu_tag],
            upload=text_file(f"p{n}.txt", "cardiac"),
        )
    client = login(world.partner_contact)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("sharing:document_list"), {"q": "cardiac"})
    assert len(response.context["page"]) == 16


def test_document_page_shows_the_history_and_what_changed(world, login, library):
    services.version_add(
        document=library.covid,
        uploaded_by=world.office,
        note="Third edition: adds the discharge criteria.",
        upload=pdf_file("covid experience 3rd.pdf", "Discharge after two negative tests."),
    )
    response = login(world.partner_contact).get(library.covid.get_absolute_url())
    body = response.content.decode()
    versions = response.context["versions"]
    assert [(v.number, v.original_name, v.note) for v in versions] == [
        (2, "covid experience 3rd.pdf", "Third edition: adds the discharge criteria."),
        (1, "covid experience.pdf", ""),
    ]
    assert "Third edition: adds the discharge criteria." in body
    assert "First version" in body
    assert reverse("sharing:version_download", args=[library.covid.pk, 1]) in body
    assert reverse("sharing:document_download", args=[library.covid.pk]) in body
    assert "All partner institutions" in body
    assert "Upload a new version" not in body
    assert "Who downloaded it" not in body


def test_partners_are_not_told_who_else_received_a_document(world, login, library):
    services.document_update(
        document=library.guideline, fields={}, partners=[world.partner, world.other_partner]
    )
    partner_page = login(world.partner_contact).get(library.guideline.get_absolute_url())
    body = partner_page.content.decode()
    assert "Your institution" in body
    assert "Great Ormond Street" not in body
    office_page = login(world.office).get(library.guideline.get_absolute_url()).content.decode()
    assert "Chosen partner institutions: " in office_page
    assert "Great Ormond Street Hospital" in office_page


def test_creating_a_document_shows_errors_next_to_each_field(world, login):
    client = login(world.staff)
    response = client.post(
        reverse("sharing:document_create"),
        {"title": "", "title_local": "", "summary_local": "摘要", "kind": "", "scope": "chosen"},
    )
    errors = response.context["form"].errors
    assert errors["kind"] == ["This field is required."]
    assert errors["title_local"] == ["The summary is in Chinese: give the Chinese title too."]
    assert errors["title"] == ["Give a title in English or in Chinese (or both)."]
    assert Document.objects.count() == 0
    response = client.post(
        reverse("sharing:document_create"),
        {"title": "Echo atlas", "kind": "slides", "scope": "chosen"},
    )
    assert response.context["form"].errors == {
        "partners": ["Choose at least one partner institution, or share with all partners."]
    }
    response = client.post(
        reverse("sharing:document_create"),
        {"title": "Echo atlas", "kind": "slides", "scope": "internal"},
    )
    assert response.context["form"].errors == {
        "file": ["Upload a file (or, for a recording, give its link)."]
    }
    assert Document.objects.count() == 0


def test_creating_a_document_with_a_file_and_new_topics(world, login):
    client = login(world.staff)
    response = client.post(
        reverse("sharing:document_create"),
        {
            "title": "Echo atlas",
            "title_local": "超声心动图图谱",
            "kind": "slides",
            "department": world.cardiology.pk,
            "new_tags": "Echocardiography / 超声心动图，Neonatology",
            "scope": "chosen",
            "partners": [world.partner.pk],
            "file": pdf_file("Echo atlas.pdf", "Four-chamber view."),
        },
    )
    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == document.get_absolute_url()
    assert (document.owner, document.department, document.scope) == (
        world.staff,
        world.cardiology,
        "chosen",
    )
    assert [str(t) for t in document.tags.order_by("name")] == [
        "Echocardiography / 超声心动图",
        "Neonatology",
    ]
    assert list(document.partners.all()) == [world.partner]
    assert document.current_version.original_name == "Echo atlas.pdf"
    page = client.get(response["Location"]).content.decode()
    assert "“Echo atlas” was added." in page


def test_a_staff_member_files_documents_only_under_their_department(world, login):
    response = login(world.staff).get(reverse("sharing:document_create"))
    form = response.context["form"]
    assert list(form.fields["department"].queryset) == [world.cardiology]
    assert form.initial["department"] == world.cardiology.pk
    office_form = login(world.office).get(reverse("sharing:document_create")).context["form"]
    assert list(office_form.fields["department"].queryset) == [world.cardiology, world.rehab]


def test_editing_changes_the_description_and_sharing(world, login, library):
    client = login(world.coordinator)
    response = client.post(
        reverse("sharing:document_edit", args=[library.guideline.pk]),
        {
            "title": "Home speech rehabilitation guideline",
            "title_local": "居家言语康复指导",
            "kind": "guideline",
            "department": world.rehab.pk,
            "scope": "all_partners",
        },
    )
    assert response["Location"] == library.guideline.get_absolute_url()
    library.guideline.refresh_from_db()
    assert library.guideline.title_local == "居家言语康复指导"
    assert library.guideline.scope == "all_partners"
    assert list(library.guideline.partners.all()) == []


def test_uploading_a_new_version_needs_what_changed(world, login, library):
    client = login(world.coordinator)
    url = reverse("sharing:version_add", args=[library.guideline.pk])
    page = client.get(url).content.decode()
    assert "Upload version 2" in page
    response = client.post(url, {"note": "", "file": text_file("v2.txt", "New text.")})
    assert response.context["form"].errors == {"note": ["Say what changed in this version."]}
    response = client.post(url, {"note": "Shorter sessions.", "file": text_file("v2.txt", "New")})
    assert response["Location"] == library.guideline.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert "Version 2 of “Home speech rehabilitation guideline” is now the current one." in page
    assert [v.number for v in library.guideline.versions.all()] == [2, 1]


def test_download_sends_the_file_as_an_attachment_and_logs_it(world, login, library):
    client = login(world.partner_contact)
    response = client.get(reverse("sharing:document_download", args=[library.guideline.pk]))
    assert response.status_code == 200
    assert file_bytes(response) == GUIDELINE_TEXT.encode()
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"home-rehab.txt\"; filename*=UTF-8''home-rehab.txt"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(GUIDELINE_TEXT.encode()))
    entry = DownloadLog.objects.get()
    assert (entry.user, entry.institution, entry.version.number, entry.via, entry.ip) == (
        world.partner_contact,
        world.partner,
        1,
        "web",
        "127.0.0.1",
    )


def test_a_chinese_file_name_is_sent_as_rfc5987_filename_star(world, login):
    name = "儿童心脏重症监护 方案(2020).pdf"
    document = services.document_create(
        fields={"title_local": "方案", "kind": "protocol", "scope": "internal"},
        owner=world.office,
        upload=pdf_file(name, "text"),
    )
    response = login(world.staff).get(reverse("sharing:document_download", args=[document.pk]))
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"(2020).pdf\"; filename*=UTF-8''{quote(name)}"
    )
    assert response["Content-Type"] == "application/pdf"
    assert file_bytes(response).startswith(b"%PDF-")


def test_older_versions_stay_downloadable(world, login, library):
    services.version_add(
        document=library.guideline,
        uploaded_by=world.coordinator,
        note="Rewritten.",
        upload=text_file("home-rehab-v2.txt", "Version two.\n"),
    )
    client = login(world.partner_contact)
    old = client.get(reverse("sharing:version_download", args=[library.guideline.pk, 1]))
    assert file_bytes(old) == GUIDELINE_TEXT.encode()
    current = client.get(reverse("sharing:document_download", args=[library.guideline.pk]))
    assert file_bytes(current) == b"Version two.\n"
    missing = client.get(reverse("sharing:version_download", args=[library.guideline.pk, 3]))
    assert missing.status_code == 404
    assert [entry.version.number for entry in DownloadLog.objects.order_by("pk")] == [1, 2]


def test_a_recording_opens_its_link_and_is_logged(world, login):
    recording = services.document_create(
        fields={
            "title": "Remote classroom recording",
            "kind": "recording",
            "scope": "all_partners",
        },
        owner=world.office,
        link="https://video.example.org/classroom",
    )
    response = login(world.partner_contact).get(
        reverse("sharing:document_download", args=[recording.pk])
    )
    assert response.status_code == 302
    assert response["Location"] == "https://video.example.org/classroom"
    assert DownloadLog.objects.get().user == world.partner_contact


def test_download_log_lists_who_downloaded_which_version(world, login, library):
    partner = login(world.partner_contact)
    partner.get(reverse("sharing:document_download", args=[library.covid.pk]))
    partner.get(reverse("sharing:document_download", args=[library.guideline.pk]))
    staff = login(world.staff)
    staff.get(reverse("sharing:version_download", args=[library.covid.pk, 1]))
    office = login(world.office)
    response = office.get(reverse("sharing:download_log"))
    body = response.content.decode()
    assert "3 downloads" in body
    rows = [
        (
            e.user.person.full_name,
            e.institution.display_short_name,
            e.document.display_title,
            e.version.number,
        )
        for e in response.context["page"]
    ]
    assert rows == [
        ("Shen Jie", "ZCH", library.covid.display_title, 1),
        ("Emily Carter", "Loma Linda University", library.guideline.display_title, 1),
        ("Emily Carter", "Loma Linda University", library.covid.display_title, 1),
    ]
    only_covid = office.get(reverse("sharing:download_log"), {"document": library.covid.pk})
    assert "2 downloads of “COVID-19 in children: the ZCH experience”" in (
        only_covid.content.decode()
    )
    by_partner = office.get(reverse("sharing:download_log"), {"institution": world.partner.pk})
    assert len(by_partner.context["page"]) == 2
    detail = office.get(library.covid.get_absolute_url())
    assert [v.download_count for v in detail.context["versions"]] == [2]
    assert re.search(r'<td class="num" data-label="Downloads">2</td>', detail.content.decode())


def test_an_unknown_topic_is_ignored_and_the_search_still_applies(world, login, library):
    response = login(world.staff).get(
        reverse("sharing:document_list"), {"q": "ECMO", "tag": "no-such-topic"}
    )
    assert _titles(response) == [library.internal.display_title]


def test_a_refused_document_adds_no_new_topics(world, login):
    response = login(world.staff).post(
        reverse("sharing:document_create"),
        {
            "title": "Echo atlas",
            "kind": "slides",
            "scope": "chosen",
            "new_tags": "Echocardiography / 超声心动图",
            "file": pdf_file("Echo atlas.pdf", "Four-chamber view."),
        },
    )
    assert list(response.context["form"].errors) == ["partners"]
    assert Tag.objects.count() == 0
    assert Document.objects.count() == 0


def test_download_is_never_sniffed_rendered_or_cached(world, login, library):
    """A shared document goes out like an activity's material: nosniff, a sandbox CSP
    without any allowed source, and kept out of shared caches."""
    client = login(world.partner_contact)
    response = client.get(reverse("sharing:document_download", args=[library.guideline.pk]))
    assert file_bytes(response) == GUIDELINE_TEXT.encode()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "private, no-store"


def test_document_owner_is_linked_only_for_viewers_who_may_open_the_profile(world, login, library):
    """Staff open the owner's profile from a document; a partner contact gets no link to
    a staff profile (the owner is not shown to them)."""
    owner = world.office.person
    link = f'<a href="{reverse("directory:person_detail", args=[owner.pk])}">Wang Lina</a>'
    page = login(world.staff).get(library.covid.get_absolute_url()).content.decode()
    assert link in page
    page = login(world.partner_contact).get(library.covid.get_absolute_url()).content.decode()
    assert reverse("directory:person_detail", args=[owner.pk]) not in page
