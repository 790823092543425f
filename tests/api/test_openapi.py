import pytest


@pytest.mark.django_db
def test_openapi_document_lists_the_directory_endpoints_and_bearer_auth(client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["info"]["title"] == "Amity API"
    assert {
        "/api/v1/institutions",
        "/api/v1/institutions/{institution_id}",
        "/api/v1/departments",
        "/api/v1/departments/{department_id}",
        "/api/v1/people",
        "/api/v1/people/{person_id}",
        "/api/v1/me",
    } <= set(document["paths"])
    assert document["components"]["securitySchemes"]["TokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }


@pytest.mark.django_db
def test_api_docs_page_uses_only_local_assets(client, world):
    client.force_login(world.office)
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn." not in page


def test_api_filters_people_like_the_page(world, client):
    client.force_login(world.office)
    data = client.get("/api/v1/people", {"department": world.rehab.pk}).json()
    assert [p["full_name"] for p in data["items"]] == ["Li Haifeng", "Zhao Min"]
    assert data["items"][0]["local_name"] == "李海峰"
    assert (
        data["items"][0]["url"]
        == f"http://testserver/directory/people/{world.coordinator.person.pk}/"
    )


def test_no_two_answer_shapes_share_a_name_in_the_openapi_document():
    """The document keeps one schema per name: two different shapes with one name would
    describe one endpoint's answers with another's fields, and clients generated from it
    would read them wrong."""
    import inspect

    from ninja import Schema

    from amity.api.api import api

    api.get_openapi_schema()  # imports every router's schemas
    by_name: dict[str, dict[str, type]] = {}
    stack = [Schema]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("amity."):
            by_name.setdefault(cls.__name__, {})[f"{cls.__module__}.{cls.__qualname__}"] = cls
    clashes = {
        name: sorted(classes)
        for name, classes in by_name.items()
        if len({str(c.model_json_schema()) for c in classes.values()}) > 1
        and not any(inspect.isabstract(c) for c in classes.values())
    }
    assert clashes == {}
