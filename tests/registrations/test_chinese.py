"""The registration page reads in Chinese: the heading names the activity in Chinese."""

import re

from django.test import Client
from django.urls import reverse


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_chinese_register_page_heading_names_the_chinese_title(webinar):
    """In Chinese the heading is "报名参加“儿科内分泌网络研讨会”", the English title beneath."""
    page = Client(headers={"accept-language": "zh-hans"}).get(
        reverse("registrations:register", args=[webinar.pk])
    )
    body = page.content.decode()
    assert "<h1>报名参加“儿科内分泌网络研讨会”</h1>" in body
    assert '<p class="lead" lang="en">Paediatric Endocrinology Webinar</p>' in body


def test_english_register_page_heading_names_the_english_title(webinar):
    """In English the heading is "Register for Paediatric Endocrinology Webinar"."""
    page = Client(headers={"accept-language": "en"}).get(
        reverse("registrations:register", args=[webinar.pk])
    )
    body = page.content.decode()
    assert "<h1>Register for Paediatric Endocrinology Webinar</h1>" in body
    assert '<p class="lead" lang="zh-Hans">儿科内分泌网络研讨会</p>' in body
