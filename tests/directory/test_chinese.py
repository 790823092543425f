"""The directory reads in Chinese: a person's name is 姓名, an institution's 名称, and
departments are called by their Chinese names."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from amity.directory.models import Language

pytestmark = pytest.mark.django_db


def _read(client, user, language):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_chinese_people_list_heads_names_as_xingming(world, client):
    """The people list's name column is "姓名"; the institutions list's stays "名称"."""
    client = _read(client, world.office, "zh-hans")
    people = client.get(reverse("directory:person_list")).content.decode()
    assert '<th scope="col">姓名</th>' in people
    assert 'data-label="姓名"' in people
    institutions = client.get(reverse("directory:institution_list")).content.decode()
    assert '<th scope="col">名称</th>' in institutions


def test_chinese_department_pages_lead_with_the_chinese_name(world, client):
    """In Chinese the department list and page lead with "康复科", the English name beside
    it; in English with "Rehabilitation"."""
    client = _read(client, world.office, "zh-hans")
    page = client.get(world.rehab.get_absolute_url()).content.decode()
    assert "<h1>康复科</h1>" in page
    assert '<p class="local-name big" lang="en">Rehabilitation</p>' in page
    listing = client.get(reverse("directory:department_list")).content.decode()
    assert re.search(
        r'<strong>康复科</strong><span class="local-name" lang="en">Rehabilitation', listing
    )

    client = _read(client, world.office, "en")
    page = client.get(world.rehab.get_absolute_url()).content.decode()
    assert "<h1>Rehabilitation</h1>" in page
    assert '<p class="local-name big" lang="zh-Hans">康复科</p>' in page


def test_chinese_form_labels_end_in_a_full_width_colon(world, client):
    """Form labels end in "：" in Chinese and in ":" in English."""
    client = _read(client, world.office, "zh-hans")
    page = client.get(reverse("directory:department_create")).content.decode()
    assert re.search(r'<label for="id_name">[^<:]+：</label>', page)
    client = _read(client, world.office, "en")
    page = client.get(reverse("directory:department_create")).content.decode()
    assert '<label for="id_name">Name:</label>' in page


def test_chinese_lists_of_languages_use_the_enumeration_comma(world, client):
    """A person's languages read "英语、瑞典语" in Chinese and "English, Swedish" in English."""
    english = Language.objects.get_or_create(code="en", defaults={"name": "English"})[0]
    swedish = Language.objects.get_or_create(code="sv", defaults={"name": "Swedish"})[0]
    world.rehab_colleague.languages.set([english, swedish])
    client = _read(client, world.office, "zh-hans")
    page = client.get(world.rehab_colleague.get_absolute_url()).content.decode()
    assert "<dd>英语、瑞典语</dd>" in page
    client = _read(client, world.office, "en")
    page = client.get(world.rehab_colleague.get_absolute_url()).content.decode()
    assert "<dd>English, Swedish</dd>" in page
