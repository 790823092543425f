"""Shared documents read in Chinese: Chinese titles and department names first."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _read(client, user, language):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_chinese_documents_show_chinese_titles_and_departments(world, client, library):
    """In Chinese the list shows "ECMO 团队演练核查表" with "心内科", the English title
    beneath it, and the Chinese summary; the document's page is headed by the Chinese
    title and its department."""
    client = _read(client, world.office, "zh-hans")
    page = client.get(reverse("sharing:document_list")).content.decode()
    assert re.search(r'<h2 class="document-title"><a [^>]*>ECMO 团队演练核查表</a></h2>', page)
    assert '<p class="local-name" lang="en">ECMO drill checklist</p>' in page
    text = _text(client.get(reverse("sharing:document_list")))
    assert "心内科 · " in text and "Cardiology" not in text
    assert "康复科 · " in text and "Rehabilitation" not in text
    assert "包括合并先天性心脏病患儿的儿童心脏重症监护经验。" in text
    assert "Screening, isolation" not in text
    detail = client.get(library.internal.get_absolute_url()).content.decode()
    assert "<h1>ECMO 团队演练核查表</h1>" in detail
    assert (
        '<p class="lead">心内科 <span class="local-name" lang="en">Cardiology</span></p>' in detail
    )


def test_english_documents_show_english_titles_and_departments(world, client, library):
    """In English the same pages lead with the English title and department name."""
    client = _read(client, world.office, "en")
    page = client.get(reverse("sharing:document_list")).content.decode()
    assert re.search(r'<h2 class="document-title"><a [^>]*>ECMO drill checklist</a></h2>', page)
    assert "Cardiology · " in _text(client.get(reverse("sharing:document_list")))
    detail = client.get(library.internal.get_absolute_url()).content.decode()
    assert "<h1>ECMO drill checklist</h1>" in detail
    assert (
        '<p class="lead">Cardiology <span class="local-name" lang="zh-Hans">心内科</span></p>'
    ) in detail
