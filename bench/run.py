"""`make bench`: throughput of the portal against a bare Flask "hello world" ceiling.

Both are served by gunicorn with the same settings (config/gunicorn.conf.py, 2 sync
workers) and loaded from a second process by wrk on loopback, in one run. The
portal runs with its production settings on PostgreSQL (SQLite when none
answers). SQL queries per request are counted in-process at small and at full
volume: they must be equal (no N+1).
"""
from __future__ import annotations

import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/")
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "16")
WORKERS = os.environ.get("BENCH_WORKERS", "2")
SMALL = dict(members=50, past=2_000, future=200)
FULL = dict(members=2_000, past=200_000, future=5_000)
TARGETS = {"availability page": 0.40, "availability API": 0.40, "booking creation": 0.20,
           "agenda page": 0.40, "public feed (304)": 0.60}
EVENTS = dict(upcoming=2_000, past=1_100)  # three a day: a year of history
PROFILES = dict(small=200, full=6_000)  # directory profiles (a quarter hidden)
TARGETS["directory search"] = 0.40
DIRECTORY_SEARCH = "/annuaire?q=cuisine&kind=person"
DIRECTORY_API = "/api/v1/directory?q=cuisine&language=ar"  # signed in, never cached: the queries themselves
# Latency targets (p95, ms), measured with one connection per worker: a report is read, not hammered.
P95_TARGETS = {"year dashboard": 1000}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> tuple[str, str]:
    sys.path.insert(0, str(ROOT))
    from tests.support import create_pg_database, pg_reachable

    if pg_reachable(PG_URL):
        return create_pg_database(PG_URL), "PostgreSQL"
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}", "SQLite"


def make_app(url: str):
    os.environ.update(PORTAL_ENV="production", DATABASE_URL=url, SECRET_KEY=BENCH_SECRET,
                      RATELIMIT_STORAGE_URI="memory://", MAIL_BACKEND="console")
    from portal import create_app

    return create_app()


BENCH_SECRET = secrets.token_urlsafe(48)


class QueryCounter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.count += 1


def count_queries(app, requests: dict[str, tuple]) -> dict[str, tuple[int, int]]:
    """Queries of a request once the caches are warm, and of the first one (cold caches)."""
    from portal.extensions import db
    from portal.versions import forget_everything

    counts = {}
    with app.app_context():
        counter = QueryCounter(db.engine)
    client = app.test_client()
    for name, (method, path, headers, body) in requests.items():
        # Paths and bodies may be functions of the call number: a write is measured on a fresh
        # target, as under load, after a first call has warmed the caches.
        pick = lambda value, n: value(n) if callable(value) else value  # noqa: E731
        forget_everything(app)
        counter.count = 0
        client.open(pick(path, 0), method=method, headers=headers, json=pick(body, 0))
        cold = counter.count
        # Two warm calls, keeping the smaller count: caches keyed on the minute may expire between
        # two calls, which is a refresh, not a query per row.
        warm = []
        for n in (1, 2):
            counter.count = 0
            response = client.open(pick(path, n), method=method, headers=headers, json=pick(body, n))
            assert response.status_code < 500, (name, response.status_code, response.data[:300])
            warm.append(counter.count)
        counts[name] = (min(warm), cold)
    return counts


def serve(module: str, url: str | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "WEB_CONCURRENCY": WORKERS, "GUNICORN_BIND": f"127.0.0.1:{port}",
           "GUNICORN_ACCESS_LOG": "/dev/null", "GUNICORN_LOG_LEVEL": "warning", "GUNICORN_MAX_REQUESTS": "0"}
    if url:
        env.update(PORTAL_ENV="production", DATABASE_URL=url, SECRET_KEY=BENCH_SECRET,
                   RATELIMIT_STORAGE_URI="memory://", MAIL_BACKEND="console")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "config/gunicorn.conf.py", module],
        cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + ("/healthz" if url else "/"), timeout=1)
            return process, base
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"{module} did not start")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


# The cores are shared with whatever else runs: while set, every scenario is preceded by a
# measurement of the ceiling, and its ratio uses that neighbouring figure.
PAIRED_CEILING: dict = {"url": None, "figures": []}


def wrk(url: str, script: Path, env: dict | None = None, connections: str = CONNECTIONS) -> dict:
    ceiling_url = PAIRED_CEILING["url"]
    if ceiling_url and url != ceiling_url:
        ceiling = _wrk(ceiling_url, ROOT / "bench" / "wrk_report.lua", None, CONNECTIONS)
        PAIRED_CEILING["figures"].append(ceiling)
        return {**_wrk(url, script, env, connections), "ceiling_rps": ceiling["rps"]}
    return _wrk(url, script, env, connections)


def _wrk(url: str, script: Path, env: dict | None, connections: str) -> dict:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{DURATION}", "-s", str(script), url],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, check=True).stdout
    match = re.search(r"^BENCH (\{.*\})$", output, re.MULTILINE)
    if not match:
        raise RuntimeError(output)
    return json.loads(match.group(1))


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 1
    url, database = database_url()
    print(f"database: {database}", flush=True)
    app = make_app(url)
    from flask_migrate import upgrade

    from bench import data
    from portal.api.auth import create_token
    from portal.extensions import db
    from portal.spaces.models import Space, SpaceKind
    from portal.timeutil import paris_today

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        started = time.monotonic()
        data.generate(**SMALL)
        from sqlalchemy import select

        from portal.accounts.models import User

        member = db.session.scalar(select(User).order_by(User.id))
        member_id = member.id
        _token, secret = create_token(member, "banc d'essai", now=datetime.now(UTC))
        rooms = list(db.session.scalars(select(Space.id).where(Space.kind == SpaceKind.MEETING_ROOM)))
        staff_secret = data.create_staff_token()
        db.session.commit()
    tomorrow = (paris_today(datetime.now(UTC)) + timedelta(days=1)).isoformat()
    auth = {"Authorization": f"Bearer {secret}"}
    probe_day = paris_today(datetime.now(UTC)) + timedelta(days=300)
    staff_auth = {"Authorization": f"Bearer {staff_secret}"}
    year_dashboard = f"/lab?periode=year&date={paris_today(datetime.now(UTC)).isoformat()}"
    requests = {
        "year dashboard": ("GET", year_dashboard, staff_auth, None),
        "availability page": ("GET", f"/reservations?date={tomorrow}", {}, None),
        "availability API": ("GET", f"/api/v1/spaces/{rooms[0]}/availability?date={tomorrow}", auth, None),
        "booking creation": ("POST", "/api/v1/bookings", auth, lambda n: {
            "space_id": rooms[-1], "starts_at": f"{probe_day.isoformat()}T{9 + n:02d}:00:00+01:00",
            "ends_at": f"{probe_day.isoformat()}T{9 + n:02d}:30:00+01:00"}),
    }
    small_counts = count_queries(app, requests)
    with app.app_context():
        small_events = data.create_events(member_id, upcoming=30, past=30)
    for name, request_ in {"agenda page": ("GET", "/evenements", {}, None),
                           "public feed (304)": ("GET", "/evenements/flux.ics", {"If-None-Match": "*"}, None),
                           "public feed (cached body)": ("GET", "/evenements/flux.ics", {}, None),
                           "event registration": ("POST", lambda n: f"/api/v1/events/{small_events[n]}/registrations",
                                                  auth, {})
                           }.items():
        small_counts.update(count_queries(app, {name: request_}))
    with app.app_context():
        data.create_profiles(PROFILES["small"])
    small_counts.update(count_queries(app, {"directory search": ("GET", DIRECTORY_SEARCH, {}, None),
                                            "directory search API": ("GET", DIRECTORY_API, auth, None)}))
    with app.app_context():
        from portal.events.models import Event, Registration

        db.session.execute(Registration.__table__.delete())
        db.session.execute(Event.__table__.delete())
        db.session.commit()
    with app.app_context():
        data.grow(**FULL)
        event_ids = data.create_events(member_id, upcoming=EVENTS["upcoming"], past=EVENTS["past"])
        data.create_profiles(PROFILES["full"] - PROFILES["small"])
    print(f"data generated in {time.monotonic() - started:.0f} s", flush=True)
    requests["directory search"] = ("GET", DIRECTORY_SEARCH, {}, None)
    requests["directory search API"] = ("GET", DIRECTORY_API, auth, None)
    requests["agenda page"] = ("GET", "/evenements", {}, None)
    requests["public feed (304)"] = ("GET", "/evenements/flux.ics", {"If-None-Match": "*"}, None)
    requests["public feed (cached body)"] = ("GET", "/evenements/flux.ics", {}, None)
    requests["event registration"] = ("POST", lambda n: f"/api/v1/events/{event_ids[n]}/registrations", auth, {})
    probe_day += timedelta(days=1)
    full_counts = count_queries(app, requests)

    results = {}
    hello, hello_base = serve("bench.hello:app", None)
    try:
        results["hello world (ceiling)"] = wrk(hello_base + "/", ROOT / "bench" / "wrk_report.lua")
        PAIRED_CEILING.update(url=hello_base + "/", figures=[results["hello world (ceiling)"]])
        process, base = serve("wsgi:app", url)
    except BaseException:
        stop(hello)
        raise
    try:
        report = ROOT / "bench" / "wrk_report.lua"
        results["availability page"] = wrk(base + requests["availability page"][1], report)
        api_script = OUT / "availability_api.lua"
        OUT.mkdir(parents=True, exist_ok=True)
        api_script.write_text(f'wrk.headers["Authorization"] = "Bearer {secret}"\n' + report.read_text())
        results["availability API"] = wrk(base + requests["availability API"][1], api_script)
        create_script = OUT / "create_booking.lua"
        create_script.write_text((ROOT / "bench" / "wrk_create_booking.lua").read_text() + report.read_text())
        first_day = (paris_today(datetime.now(UTC)) + timedelta(days=2)).isoformat()
        results["booking creation"] = wrk(base, create_script, env={
            "BENCH_TOKEN": secret, "BENCH_SPACES": ",".join(map(str, rooms)), "BENCH_FIRST_DAY": first_day})
        results["agenda page"] = wrk(base + "/evenements", report)
        results["directory search"] = wrk(base + DIRECTORY_SEARCH, report)
        etag = urllib.request.urlopen(base + "/evenements/flux.ics", timeout=30).headers["ETag"]
        feed_script = OUT / "feed_304.lua"
        feed_script.write_text(f'wrk.headers["If-None-Match"] = {json.dumps(etag)}\n' + report.read_text())
        results["public feed (304)"] = wrk(base + "/evenements/flux.ics", feed_script)
        results["public feed (cached body)"] = wrk(base + "/evenements/flux.ics", report)
        dashboard_script = OUT / "year_dashboard.lua"
        dashboard_script.write_text(f'wrk.headers["Authorization"] = "Bearer {staff_secret}"\n' + report.read_text())
        results["year dashboard"] = wrk(base + year_dashboard, dashboard_script, connections=WORKERS)
        register_script = OUT / "register.lua"
        register_script.write_text((ROOT / "bench" / "wrk_register.lua").read_text() + report.read_text())
        results["event registration"] = wrk(base, register_script, env={
            "BENCH_TOKEN": secret, "BENCH_EVENTS": ",".join(map(str, event_ids))})
    finally:
        stop(process)
        stop(hello)
        if database == "PostgreSQL":
            from tests.support import drop_pg_database

            with app.app_context():
                db.engine.dispose()
            drop_pg_database(url)

    ceilings = PAIRED_CEILING["figures"]
    results["hello world (ceiling)"] = {key: sum(f[key] for f in ceilings) if key == "errors" else
                                        sum(f[key] for f in ceilings) / len(ceilings) for key in ceilings[0]}
    print("ceiling: " + ", ".join(f"{f['rps']:.0f}" for f in ceilings) + " req/s", flush=True)

    table = render(results, small_counts, full_counts, database)
    print(table)
    (ROOT / "bench" / "RESULTS.md").write_text(table)
    ok = all(ratio(results, name) >= share for name, share in TARGETS.items())
    ok = ok and all(results[name]["p95"] < limit for name, limit in P95_TARGETS.items())
    equal = all(small_counts[n] == full_counts[n] for n in small_counts)
    return 0 if ok and equal else 1


def ratio(results: dict, name: str) -> float:
    figures = results[name]
    return figures["rps"] / figures.get("ceiling_rps", results["hello world (ceiling)"]["rps"])


def render(results: dict, small: dict, full: dict, database: str) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {database}; gunicorn {WORKERS} sync workers "
        f"(config/gunicorn.conf.py), wrk -t2 -c{CONNECTIONS} -d{DURATION} on loopback (client and server share the cores).",
        f"Volume: {FULL['members']} members, {FULL['past']} past and {FULL['future']} future bookings, "
        f"{data_spaces()} spaces, {EVENTS['upcoming']} upcoming events and {EVENTS['past']} in the past year, "
        f"{PROFILES['full']} directory profiles. "
        "The cores are shared: the ceiling is measured again just before each scenario, whose ratio "
        "uses that neighbouring measurement (the ceiling row shows their mean).",
        "",
        "| scenario | req/s | p50 ms | p95 ms | ratio to ceiling | target | SQL queries, warm (cold) caches: small → full | non-2xx/3xx |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for name, figures in results.items():
        share = ratio(results, name)
        target = f"≥ {TARGETS[name]:.0%}" if name in TARGETS else "—"
        if name in P95_TARGETS:
            target = f"p95 < {P95_TARGETS[name]:.0f} ms (-c{WORKERS})"
        queries = f"{small[name][0]} ({small[name][1]}) → {full[name][0]} ({full[name][1]})" if name in small else "—"
        lines.append(f"| {name} | {figures['rps']:.0f} | {figures['p50']:.1f} | {figures['p95']:.1f} | "
                     f"{share:.0%} | {target} | {queries} | {figures['errors']} |")
    return "\n".join(lines) + "\n"


def data_spaces() -> int:
    from bench.data import DESK_AREAS, ROOMS

    return DESK_AREAS + ROOMS


if __name__ == "__main__":
    sys.exit(main())
