"""Our calendar feeds read back by parsers that did not write them.

``icalendar`` writes the feeds; the tests read them with ical.js (the parser inside
Thunderbird, run by node) and vobject (run in a fresh Python process per file: it
caches time zones per process). Both resolve each TZID through the feed's own
VTIMEZONE, so the times they report depend on what the feed says about
Europe/Paris, not on the reader's tz database.

Each parser reports, per VEVENT: uid, status, sequence, summary, and for DTSTART
and DTEND either a DATE (``is_date``, ``date``) or a date-time (``local`` wall clock
through the VTIMEZONE, ``utc``, ``tzid``, ``floating``, ``has_vtimezone``).
"""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import strict

ROOT = Path(__file__).resolve().parents[1]

NODE_SCRIPT = r"""
import { readFileSync } from "node:fs";

const { default: ICAL } = await import(process.argv[2]);
const root = new ICAL.Component(ICAL.parse(readFileSync(process.argv[3], "utf8")));

// The feed's own time zone definitions, by TZID.
const zones = new Map(root.getAllSubcomponents("vtimezone").map(
  (c) => [c.getFirstPropertyValue("tzid"), new ICAL.Timezone(c)]));

const pad = (n) => String(n).padStart(2, "0");
const day = (t) => `${t.year}-${pad(t.month)}-${pad(t.day)}`;
const wallClock = (t) => `${day(t)}T${pad(t.hour)}:${pad(t.minute)}`;

function read(prop) {
  const raw = prop.getFirstValue();
  const tzid = prop.getParameter("tzid") || null;
  if (raw.isDate) {
    return { tzid, is_date: true, date: day(raw), floating: false, has_vtimezone: false };
  }
  const isUtc = raw.zone === ICAL.Timezone.utcTimezone;
  const zone = isUtc ? ICAL.Timezone.utcTimezone : (tzid ? zones.get(tzid) : null);
  if (!zone) {
    return { tzid, is_date: false, floating: !tzid && !isUtc, has_vtimezone: false };
  }
  const written = ICAL.Time.fromData({
    year: raw.year, month: raw.month, day: raw.day, hour: raw.hour, minute: raw.minute, second: raw.second,
  }, zone);
  const utc = written.convertToZone(ICAL.Timezone.utcTimezone);
  return {
    tzid, is_date: false, floating: false, has_vtimezone: true,
    local: wallClock(utc.convertToZone(zone)),  // back from UTC through the VTIMEZONE rules
    utc: wallClock(utc),
    unix: written.toUnixTime(),
    parser_zone: raw.zone ? raw.zone.tzid : null,  // what ical.js itself resolved
  };
}

const events = root.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  const start = read(vevent.getFirstProperty("dtstart"));
  const end = read(vevent.getFirstProperty("dtend"));
  return {
    uid: event.uid,
    summary: event.summary,
    status: vevent.getFirstPropertyValue("status"),
    sequence: event.sequence,
    start, end,
    minutes: start.has_vtimezone && end.has_vtimezone ? (end.unix - start.unix) / 60 : null,
    event_minutes: event.duration.toSeconds() / 60,  // ical.js's own endDate - startDate
  };
});
console.log(JSON.stringify(events));
"""

VOBJECT_SCRIPT = r"""
import json, sys
from datetime import datetime, timezone

import vobject

calendar = vobject.readOne(open(sys.argv[1], encoding="utf-8").read())
zones = {c.tzid.value for c in calendar.contents.get("vtimezone", [])}


def read(prop):
    value = prop.value
    # vobject moves TZID aside once it has turned the value into an aware datetime.
    tzid = (prop.params.get("X-VOBJ-ORIGINAL-TZID") or prop.params.get("TZID") or [None])[0]
    tzid = tzid[0] if isinstance(tzid, list) else tzid
    if not isinstance(value, datetime):
        return {"tzid": tzid, "is_date": True, "date": value.isoformat(), "floating": False, "has_vtimezone": False}
    if value.tzinfo is None:
        return {"tzid": tzid, "is_date": False, "floating": True, "has_vtimezone": False}
    utc = value.astimezone(timezone.utc)
    return {
        "tzid": tzid, "is_date": False, "floating": False, "has_vtimezone": tzid is None or tzid in zones,
        "local": utc.astimezone(value.tzinfo).strftime("%Y-%m-%dT%H:%M"),
        "utc": utc.strftime("%Y-%m-%dT%H:%M"),
        "timestamp": utc.timestamp(),
        "tzinfo": f"{type(value.tzinfo).__module__}.{type(value.tzinfo).__name__}",
    }


events = []
for vevent in calendar.contents.get("vevent", []):
    start, end = read(vevent.dtstart), read(vevent.dtend)
    timed = not start["is_date"] and not start["floating"] and not end["is_date"]
    events.append({
        "uid": vevent.uid.value,
        "summary": vevent.summary.value,
        "status": vevent.status.value,
        "sequence": int(vevent.sequence.value),
        "start": start, "end": end,
        "minutes": (end["timestamp"] - start["timestamp"]) / 60 if timed else None,
    })
print(json.dumps(events))
"""


def missing(reason: str):
    """Skip when a parser is not installed; in strict mode (CI) that is a failure."""
    if strict():
        pytest.fail(f"{reason} (PORTAL_TEST_STRICT=1)")
    pytest.skip(reason)


@dataclass
class Reading:
    raw: str
    ical_js: dict[str, dict]  # by UID
    vobject: dict[str, dict]

    def both(self) -> tuple[tuple[str, dict[str, dict]], ...]:
        return ("ical.js", self.ical_js), ("vobject", self.vobject)


def _run(command: list[str]) -> list[dict]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@dataclass(frozen=True)
class Parsers:
    node: str
    ical_js_url: str  # the module file of ical.js, as a URL
    node_script: Path
    vobject_script: Path

    def read(self, data: bytes, path: Path) -> Reading:
        """Write the feed to ``path`` and parse it with both parsers, each in its own process."""
        path.write_bytes(data)
        by_uid = lambda events: {e["uid"]: e for e in events}  # noqa: E731
        return Reading(
            raw=data.decode("utf-8"),
            ical_js=by_uid(_run([self.node, str(self.node_script), self.ical_js_url, str(path)])),
            vobject=by_uid(_run([sys.executable, str(self.vobject_script), str(path)])),
        )


def find_parsers(tmp_path_factory) -> Parsers:
    """Both parsers with their scripts, or a skip (a failure in strict mode)."""
    node = shutil.which("node")
    package = ROOT / "node_modules" / "ical.js" / "package.json"
    if node is None or not package.exists():
        missing("node or node_modules/ical.js is missing (npm ci)")
    if importlib.util.find_spec("vobject") is None:
        missing("vobject is not installed (pip install -r requirements-dev.txt)")
    manifest = json.loads(package.read_text())
    exports = manifest.get("exports", {})
    entry = (exports.get("import") if isinstance(exports, dict) else None) or manifest["main"]
    folder = tmp_path_factory.mktemp("ical-parsers")
    node_script, vobject_script = folder / "read_feed.mjs", folder / "read_feed.py"
    node_script.write_text(NODE_SCRIPT)
    vobject_script.write_text(VOBJECT_SCRIPT)
    return Parsers(node, (package.parent / entry).resolve().as_uri(), node_script, vobject_script)


def unfolded_lines(raw: str) -> list[str]:
    return re.sub(r"\r?\n[ \t]", "", raw).splitlines()


def check_every_tzid_has_its_vtimezone(raw: str) -> set[str]:
    """Every TZID used is defined once by a VTIMEZONE of the feed; returns the TZIDs used."""
    lines = unfolded_lines(raw)
    defined = {line.split(":", 1)[1] for line in lines if line.startswith("TZID:")}
    used = set(re.findall(r";TZID=([^;:]+)", "\n".join(lines)))
    assert used <= defined, f"TZIDs without a VTIMEZONE: {used - defined}"
    assert lines.count("BEGIN:VTIMEZONE") == len(defined)
    return used
