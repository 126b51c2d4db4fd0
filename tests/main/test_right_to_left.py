"""A right-to-left language is a catalogue away: pages say their direction and the style sheets use
logical properties (start/end), so that borders, indents and the skip link follow the text."""
from __future__ import annotations

import re

from tests.support import ROOT

PHYSICAL_SIDE = re.compile(
    r"(?:margin|padding|border)-(?:left|right)\b|(?<![-\w])(?:left|right)\s*:|"
    r"text-align\s*:\s*(?:left|right)|float\s*:\s*(?:left|right)")


def test_style_sheets_use_logical_sides_only():
    offending = []
    for sheet in sorted((ROOT / "static" / "css").glob("*.css")):
        for number, line in enumerate(sheet.read_text().splitlines(), start=1):
            if PHYSICAL_SIDE.search(line):
                offending.append(f"{sheet.name}:{number}: {line.strip()}")
    assert not offending, "use inline-start/inline-end instead:\n" + "\n".join(offending)


def test_a_right_to_left_language_turns_the_page(database_url):
    from tests.conftest import make_app

    app = make_app(database_url, LANGUAGES={"fr": "Français", "en": "English", "ar": "العربية"})
    client = app.test_client()

    arabic = client.get("/evenements", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    french = client.get("/evenements", headers={"Accept-Language": "fr"}).get_data(as_text=True)

    assert '<html lang="ar" dir="rtl">' in arabic
    assert '<html lang="fr" dir="ltr">' in french
