"""Errors outside the viewsets are JSON too: unknown routes and methods."""

import pytest

pytestmark = pytest.mark.django_db


def test_unknown_api_route_is_a_json_404(api):
    response = api.get("/api/v1/nothing-here/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_anonymous_writes_are_refused_with_json(api, method):
    response = getattr(api, method)("/api/v1/posts/", {"slug": "x"}, format="json")

    assert response.status_code in (401, 403, 405)
    assert "detail" in response.json()
