"""`flask translations sync`: extract the strings and bring every catalogue up to date.

The source strings are French, so the French catalogue takes each string as
its own translation; other catalogues keep an empty entry until a translator
fills it (the test suite lists those).
"""
from __future__ import annotations

from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po
from flask.cli import AppGroup

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
SOURCE_LANGUAGE = "fr"

translations_cli = AppGroup("translations", help="Translation catalogues.")


def catalogue_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


@translations_cli.command("sync")
def sync_command() -> None:
    pot = TRANSLATIONS / "messages.pot"
    pybabel = CommandLineInterface()
    pybabel.run(["pybabel", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
                 "--no-location", "--sort-output", "--ignore-dirs", ".* node_modules __pycache__",
                 "-o", str(pot), str(ROOT)])
    pybabel.run(["pybabel", "-q", "update", "-i", str(pot), "-d", str(TRANSLATIONS), "--no-fuzzy-matching",
                 "--ignore-obsolete"])
    path = catalogue_path(SOURCE_LANGUAGE)
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    for message in catalogue:
        if not message.id:
            continue
        if message.pluralizable:
            if not all(message.string):
                singular, plural = message.id
                message.string = (singular,) + (plural,) * (catalogue.num_plurals - 1)
        elif not message.string:
            message.string = message.id
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=0, omit_header=False)
    click.echo("catalogues updated")
