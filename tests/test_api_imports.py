"""`POST /api/v1/imports/`: staff-only Markdown upload through the importer, per-file report."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from posts.importers.sources import MAX_FILE_BYTES
from posts.models import Post, PostTranslation
from tests.test_import_command import LEAVE_CN, LEAVE_EN

pytestmark = pytest.mark.django_db

URL = reverse("import-list")


def upload(name: str, text: str | bytes) -> SimpleUploadedFile:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/markdown")


def statuses(response) -> list[tuple[str, str]]:
    return sorted((item["file"], item["status"]) for item in response.json()["files"])


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("editor", password="pw", is_staff=True)


def test_one_file_is_imported_and_reported(staff_api):
    response = staff_api.post(URL, {"files": [upload("2025-03-30-leave-en.md", LEAVE_EN)]})

    assert response.status_code == 201
    body = response.json()
    assert body["summary"] == {"created": 1, "updated": 0, "unchanged": 0, "failed": 0}
    assert body["files"][0] | {"warnings": []} == {
        "file": "2025-03-30-leave-en.md",
        "status": "created",
        "slug": "leave",
        "warnings": [],
    }
    assert Post.objects.get().languages == ["en"]


def test_several_files_pair_into_one_post_and_reuploading_is_unchanged(staff_api):
    files = lambda: [  # noqa: E731
        upload("2025-03-30-leave-cn.md", LEAVE_CN),
        upload("2025-03-30-leave-en.md", LEAVE_EN),
    ]

    first = staff_api.post(URL, {"files": files()})
    again = staff_api.post(URL, {"files": files()})

    assert first.status_code == 201
    assert Post.objects.get().languages == ["zh-hans", "en"]
    assert again.status_code == 200
    assert statuses(again) == [
        ("2025-03-30-leave-cn.md", "unchanged"),
        ("2025-03-30-leave-en.md", "unchanged"),
    ]


def test_a_raw_markdown_body_is_named_by_the_query_or_content_disposition(staff_api):
    by_query = staff_api.post(
        f"{URL}?filename=2025-03-30-leave-cn.md", LEAVE_CN, content_type="text/markdown"
    )
    by_header = staff_api.generic(
        "POST",
        URL,
        LEAVE_EN.encode("utf-8"),
        content_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="2025-03-30-leave-en.md"'},
    )
    unnamed = staff_api.post(URL, "---\ntitle: Hi\n---\nHello.\n", content_type="text/markdown")

    assert by_query.status_code == 201 and by_header.status_code == 200
    assert statuses(by_header) == [("2025-03-30-leave-en.md", "updated")]
    assert Post.objects.get(slug="leave").languages == ["zh-hans", "en"]
    assert statuses(unnamed) == [("upload.md", "created")]


def test_folder_parts_of_file_names_are_dropped(staff_api):
    staff_api.post(URL, {"files": [upload("../../etc/2025-03-30-leave-en.md", LEAVE_EN)]})

    assert PostTranslation.objects.get().source_path == "2025-03-30-leave-en.md"


def test_dry_run_reports_and_writes_nothing(staff_api):
    response = staff_api.post(
        f"{URL}?dry_run=1", {"files": [upload("2025-03-30-leave-en.md", LEAVE_EN)]}
    )

    assert response.status_code == 200
    assert response.json()["dry_run"] is True
    assert statuses(response) == [("2025-03-30-leave-en.md", "created")]
    assert Post.objects.count() == 0 and PostTranslation.objects.count() == 0


@pytest.mark.parametrize("query", ["dry_run=maybe", "strict=1"])
def test_bad_query_parameters_are_refused(staff_api, query):
    response = staff_api.post(f"{URL}?{query}", {"files": [upload("a.md", LEAVE_EN)]})

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["errors"]
    assert Post.objects.count() == 0


def test_anonymous_users_are_refused(api):
    response = api.post(URL, {"files": [upload("a.md", LEAVE_EN)]})

    assert response.status_code in (401, 403)
    assert Post.objects.count() == 0


def test_non_staff_users_are_refused(django_user_model):
    user = django_user_model.objects.create_user("reader", password="pw")
    client = APIClient()
    client.force_login(user)

    response = client.post(URL, {"files": [upload("a.md", LEAVE_EN)]})

    assert response.status_code == 403
    assert Post.objects.count() == 0


def test_a_session_needs_the_csrf_token(editor):
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="editor", password="pw")
    client.get("/admin/")  # any page with a form sets the csrftoken cookie, as for a browser
    token = client.cookies["csrftoken"].value

    without = client.post(URL, {"files": [upload("2025-03-30-leave-en.md", LEAVE_EN)]})
    with_token = client.post(
        URL,
        {"files": [upload("2025-03-30-leave-en.md", LEAVE_EN)]},
        headers={"X-CSRFToken": token},
    )

    assert without.status_code == 403
    assert "CSRF" in without.json()["detail"]
    assert with_token.status_code == 201
    assert Post.objects.count() == 1


def test_an_oversized_file_is_refused_by_name(staff_api):
    big = "---\ntitle: Big\n---\n" + "x" * MAX_FILE_BYTES
    response = staff_api.post(
        URL, {"files": [upload("2025-03-30-leave-en.md", LEAVE_EN), upload("big.md", big)]}
    )
    raw = staff_api.post(f"{URL}?filename=huge.md", big, content_type="text/markdown")

    assert response.status_code == 413
    assert "big.md" in response.json()["detail"]
    assert raw.status_code == 413
    assert "huge.md" in raw.json()["detail"]
    assert Post.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"\x00\x01\x02binary", "NUL"), ("caf\xe9 au lait".encode("latin-1"), "not UTF-8")],
)
def test_non_utf8_uploads_are_refused_by_name(staff_api, content, reason):
    response = staff_api.post(URL, {"files": [upload("bad.md", content)]})
    raw = staff_api.post(f"{URL}?filename=raw.md", content, content_type="text/markdown")

    assert response.status_code == 400
    assert response.json()["files"][0]["file"] == "bad.md"
    assert reason in response.json()["files"][0]["reason"]
    assert raw.status_code == 400 and raw.json()["files"][0]["file"] == "raw.md"


def test_every_file_failing_is_400_with_the_reasons(staff_api):
    response = staff_api.post(
        URL,
        {
            "files": [
                upload("broken.md", "---\ntitle: [unclosed\n---\nbody\n"),
                upload("latin.md", "caf\xe9".encode("latin-1")),
            ]
        },
    )

    assert response.status_code == 400
    body = response.json()
    assert body["summary"]["failed"] == 2
    reasons = {item["file"]: item["reason"] for item in body["files"]}
    assert "line 3: invalid YAML" in reasons["broken.md"] and "UTF-8" in reasons["latin.md"]


def test_a_partial_failure_is_listed_with_the_success_status(staff_api):
    response = staff_api.post(
        URL,
        {"files": [upload("2025-03-30-leave-en.md", LEAVE_EN), upload("bad.md", b"\x00")]},
    )

    assert response.status_code == 201
    assert statuses(response) == [("2025-03-30-leave-en.md", "created"), ("bad.md", "failed")]


def test_a_request_without_files_is_400(staff_api):
    response = staff_api.post(URL, {"other": "x"})

    assert response.status_code == 400
    assert "files" in response.json()["errors"]
