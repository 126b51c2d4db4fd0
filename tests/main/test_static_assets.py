"""Static files are addressed by their content: kept a year by browsers, replaced when they change."""
from __future__ import annotations

import os
import re


def test_pages_link_style_sheets_by_content_and_they_are_kept_a_year(client):
    html = client.get("/evenements").get_data(as_text=True)
    (href,) = re.findall(r'href="(/static/css/portal\.css\?v=[0-9a-f]{12})"', html)

    kept = client.get(href)
    assert kept.status_code == 200 and kept.mimetype == "text/css"
    assert kept.cache_control.max_age == 365 * 24 * 3600 and kept.cache_control.immutable
    assert kept.cache_control.public and not kept.cache_control.no_cache


def test_an_old_or_missing_version_is_revalidated_as_usual(client):
    for url in ("/static/css/portal.css", "/static/css/portal.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert not response.cache_control.immutable and response.cache_control.max_age != 365 * 24 * 3600


def test_a_changed_file_gets_a_new_address(app, tmp_path):
    from flask import url_for

    from tests.conftest import make_app

    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    other.static_folder = str(tmp_path)
    other.debug = True  # files are looked at again, as while developing
    sheet = tmp_path / "site.css"
    sheet.write_text("body { color: black; }")
    with other.test_request_context():
        first = url_for("static", filename="site.css")
        sheet.write_text("body { color: navy; }")
        os.utime(sheet, (1, 1))  # a different modification time, whatever the clock's resolution
        second = url_for("static", filename="site.css")
        missing = url_for("static", filename="nowhere.css")
    assert first != second and first.startswith("/static/site.css?v=")
    assert missing == "/static/nowhere.css"
