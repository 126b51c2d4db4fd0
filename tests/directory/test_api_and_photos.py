"""The directory in the OpenAPI document; photos validated, resized, stripped and shown only with the profile."""
from __future__ import annotations

import io

from PIL import Image


def test_openapi_lists_the_directory_and_volunteer_calls(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/directory", "/api/v1/members/{user_id}", "/api/v1/organisations/{organisation_id}",
                 "/api/v1/volunteer-calls", "/api/v1/volunteer-calls/{call_id}/answers"):
        assert path in paths, path


def test_api_refuses_unknown_filter_values_with_a_problem(client):
    response = client.get("/api/v1/directory?language=klingon")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert "language" in response.get_json()["errors"]


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (3000, 2000), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "Appareil secret"  # Make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_photo_is_resized_stripped_and_follows_visibility(app, client, auth, db, make_user):
    person = make_user(name="Photo Graphe")
    auth.login(person)
    response = client.post("/annuaire/ma-fiche", data={
        "visibility": "members", "photo": (io.BytesIO(_jpeg_with_exif()), "moi.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    db.session.rollback()
    from sqlalchemy import select

    from portal.directory.models import Profile

    profile = db.session.scalar(select(Profile).where(Profile.user_id == person.id))
    url = f"/annuaire/photos/{profile.id}/{profile.photo}"
    db.session.rollback()
    served = client.get(url)
    assert served.status_code == 200
    with Image.open(io.BytesIO(served.data)) as image:
        assert max(image.size) <= 1600 and not image.getexif()
    auth.logout()
    assert client.get(url).status_code == 404  # members only: not for visitors


def test_a_file_that_is_not_an_image_is_refused_at_the_field(client, auth, make_user):
    auth.login(make_user())
    response = client.post("/annuaire/ma-fiche", data={
        "visibility": "hidden", "photo": (io.BytesIO(b"not an image"), "photo.png")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "pas une image lisible" in response.get_data(as_text=True)
