"""The call planner reads in Chinese: its weekly table and its summary."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.scheduling.test_views import SITES, _form

pytestmark = pytest.mark.django_db


def test_chinese_planner_writes_weeks_and_shares_in_chinese(world, client, cicu):
    """In Chinese the weekly table's UTC column reads "3月3日 20:00" (not "3 Mar"), the
    local starts "星期四 04:00", and each site's share "Hangzhou：清晨 … 次…；…。"."""
    client.force_login(world.office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.post(
        reverse("scheduling:plan_call", args=[cicu.pk]),
        _form(SITES, first_date="2027-03-03", weeks="4"),
    )
    body = response.content.decode()
    weeks = body[body.index('data-testid="weeks"') :]
    first_row = re.search(r"<tr><th scope=\"row\">1</th><td>([^<]+)</td>", weeks).group(1)
    assert re.fullmatch(r"3月3日 \d{2}:\d{2}", first_row), first_row
    assert re.search(r">星期[一二三四五六日] \d{2}:\d{2}</td>", weeks)
    assert "Mar" not in weeks
    explain = re.sub(r"<[^>]+>", "", body[body.index('data-testid="explain"') :])
    assert re.search(
        r"Hangzhou：清晨 \d+ 次（原为 \d+ 次）；"
        r"晚间 \d+ 次（原为 \d+ 次）；成本 [\d.]+（原为 [\d.]+）。",
        explain,
    )
