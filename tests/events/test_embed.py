"""The agenda snippet partner sites embed with <iframe>: /evenements/integrer.

Only this page may be framed by another site; it shows upcoming public events, whoever asks,
and carries no script and no form.
"""
from __future__ import annotations

import re
from datetime import time, timedelta
from html.parser import HTMLParser

import pytest

from portal.events.models import EventAudience, Theme
from portal.events.services import events as event_service
from tests.events.conftest import real_now
from tests.support import page

EMBED = "/evenements/integrer"


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(response) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(response.get_data(as_text=True))
    return parser.tags


def directives(policy: str) -> dict[str, str]:
    return {name: value.strip() for name, _, value in (d.strip().partition(" ") for d in policy.split(";"))}


@pytest.fixture
def organiser(make_organiser):
    return make_organiser()


def test_partners_may_frame_the_snippet_and_nothing_else_relaxes(client):
    embed, agenda = client.get(EMBED), client.get("/evenements")

    assert embed.status_code == 200 and embed.mimetype == "text/html"
    assert "X-Frame-Options" not in embed.headers
    framed, usual = directives(embed.headers["Content-Security-Policy"]), directives(agenda.headers["Content-Security-Policy"])
    assert framed["frame-ancestors"] == "*"
    assert {k: v for k, v in framed.items() if k != "frame-ancestors"} == {
        k: v for k, v in usual.items() if k != "frame-ancestors"}
    assert framed["script-src"] == "'self'" and framed["form-action"] == "'self'"
    assert embed.headers["X-Content-Type-Options"] == "nosniff"
    # Every other page still refuses to be framed, both ways.
    assert usual["frame-ancestors"] == "'none'" and agenda.headers["X-Frame-Options"] == "DENY"


def test_an_error_on_the_snippet_address_is_not_framable(client):
    response = client.get(EMBED, query_string={"theme": "cuisine"})

    assert response.status_code == 404
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_snippet_lists_upcoming_public_events_only(db, client, login, make_user, make_event, organiser,
                                                      upcoming_day):
    now = real_now()
    make_event(organiser=organiser, title="Bal populaire", day=upcoming_day, now=now)
    make_event(organiser=organiser, title="Assemblée des membres", day=upcoming_day,
               audience=EventAudience.MEMBERS, now=now)
    make_event(organiser=organiser, title="Brouillon secret", day=upcoming_day, status="draft", now=now)
    make_event(organiser=organiser, title="Fête d'hier", starts_at=now - timedelta(days=1, hours=3),
               ends_at=now - timedelta(days=1), now=now - timedelta(days=10))
    called_off = make_event(organiser=organiser, title="Pique-nique", day=upcoming_day, now=now)
    event_service.cancel_event(organiser, called_off, "Il pleuvra.", now=now)
    db.session.commit()

    for viewer in (client, login(make_user())):  # a member's session changes nothing here
        text = page(viewer.get(EMBED))
        assert "Bal populaire" in text
        assert "Assemblée des membres" not in text and "Brouillon secret" not in text
        assert "Fête d'hier" not in text
        assert re.search(r"Annulé\s*</span>\s*Pique-nique", text)


def test_the_snippet_is_self_contained_without_script_or_form(client, make_event, organiser, upcoming_day):
    event = make_event(organiser=organiser, title="Atelier vélo", day=upcoming_day, now=real_now())

    response = client.get(EMBED)
    tags = tags_of(response)

    names = {name for name, _attrs in tags}
    assert not names & {"script", "form", "input", "iframe", "button"}
    assert "csrf" not in response.get_data(as_text=True).lower()
    (sheet,) = [attrs for name, attrs in tags if name == "link" and attrs.get("rel") == "stylesheet"]
    assert re.fullmatch(r"/static/css/portal\.css\?v=[0-9a-f]{12}", sheet["href"])
    links = [attrs for name, attrs in tags if name == "a"]
    event_link = next(a for a in links if a["href"].endswith(f"/evenements/{event.id}"))
    assert event_link["href"].startswith("http")  # absolute: the page is shown inside another site
    assert all(a.get("target") == "_blank" and "noopener" in a.get("rel", "") for a in links)
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_the_snippet_filters_by_theme_and_limits_its_length(client, make_event, organiser, upcoming_day):
    now = real_now()
    for n in range(4):
        make_event(organiser=organiser, title=f"Permanence emploi {n}", day=upcoming_day + timedelta(days=n),
                   theme=Theme.WORKING, now=now)
    make_event(organiser=organiser, title="Balade au bord de Seine", day=upcoming_day, start=time(10), end=time(12),
               theme=Theme.VISITING_MEETING, now=now)

    def shown(**query) -> list[str]:
        response = client.get(EMBED, query_string=query)
        assert response.status_code == 200
        return re.findall(r"(Permanence emploi \d|Balade au bord de Seine)", page(response))

    assert shown() == ["Balade au bord de Seine", "Permanence emploi 0", "Permanence emploi 1",
                       "Permanence emploi 2", "Permanence emploi 3"]
    assert shown(theme="travailler") == [f"Permanence emploi {n}" for n in range(4)]
    assert shown(theme="visiter_rencontrer") == ["Balade au bord de Seine"]
    assert shown(limit=2) == ["Balade au bord de Seine", "Permanence emploi 0"]
    assert shown(theme="travailler", limit=1) == ["Permanence emploi 0"]
    assert len(shown(limit="beaucoup")) == 5  # not a number: the default length
    assert len(shown(limit=0)) == 1


def test_an_empty_agenda_says_so(client):
    assert "Aucun événement à venir" in page(client.get(EMBED))
