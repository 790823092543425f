"""Every form refuses control characters with a message on the field: none in one-line
fields (a line break in a title would reach calendar feeds and email subjects), and only
tabs and line breaks in multi-line ones."""

from django.urls import reverse

from amity.events.models import Activity


def _activity(**overrides):
    data = {
        "title": "Speech classroom",
        "kind": "classroom",
        "status": "planned",
        "visibility": "partners",
        "time_zone": "Asia/Shanghai",
        "description": "",
    }
    return data | overrides


def test_activity_form_refuses_a_line_break_in_the_title(world, client):
    """The title is one line: a CR/LF in it is refused on the page, nothing is saved."""
    client.force_login(world.office)
    response = client.post(
        reverse("events:activity_create"), _activity(title="Speech\r\nBcc: x@example.org")
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "title": ["Enter this on one line, without line breaks."]
    }
    assert "Enter this on one line, without line breaks." in response.content.decode()
    assert not Activity.objects.exists()


def test_activity_form_keeps_line_breaks_in_the_description_but_not_a_control(world, client):
    """The description is multi-line: line breaks are kept, a bell character is refused."""
    client.force_login(world.office)
    url = reverse("events:activity_create")
    refused = client.post(url, _activity(description="Week 1\x07"))
    assert refused.context["form"].errors == {
        "description": ["Remove the control character U+0007: it cannot be stored."]
    }
    client.post(url, _activity(description="Week 1\r\nWeek 2"))
    assert Activity.objects.get().description == "Week 1\r\nWeek 2"
