"""Every user-visible string has a French and an English translation."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3)}
METHODS = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def not_hidden(dirpath) -> bool:
    """Unlike Babel's default, keep folders starting with "_" (templates/_macros)."""
    name = Path(dirpath).name
    return not name.startswith(".") and name not in {"__pycache__", "node_modules"}


def source_messages() -> set[str]:
    found = set()
    for folder in ("portal", "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, METHODS, keywords=KEYWORDS, directory_filter=not_hidden, options_map={"**.html": {"extensions": "jinja2.ext.do"},
                                                                      "**.txt": {"extensions": "jinja2.ext.do"}}
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalogue(language: str):
    with (ROOT / "portal" / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def messages():
    found = source_messages()
    assert len(found) > 100  # the extraction itself works
    return found


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_string_is_translated(messages, language):
    translations = catalogue(language)
    missing = []
    for msgid in sorted(messages):
        entry = translations.get(msgid)
        strings = entry.string if entry is not None else None
        if isinstance(strings, tuple):
            complete = all(strings)
        else:
            complete = bool(strings)
        if entry is None or not complete or entry.fuzzy:
            missing.append(msgid)
    assert not missing, f"{len(missing)} string(s) without a {language} translation " \
                        f"(run `make translations-sync` and translate): {missing[:10]}"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_translations_keep_their_placeholders(language):
    for entry in catalogue(language):
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) <= expected | {"count", "num"}, (entry.id, text)
