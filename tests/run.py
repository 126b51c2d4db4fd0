"""`make test`: the whole suite on SQLite, then on PostgreSQL when one is reachable.

Browser tests run on the SQLite pass when /usr/bin/chromium exists. With
PORTAL_TEST_STRICT=1 (CI), a missing PostgreSQL or browser is a failure.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

from tests import support


def run_pytest(label: str, env_extra: dict[str, str], args: list[str]) -> int:
    env = {**os.environ, **env_extra}
    print(f"\n=== {label} ===", flush=True)
    started = time.monotonic()
    code = subprocess.call([sys.executable, "-m", "pytest", *args], env=env)
    print(f"=== {label}: exit {code} in {time.monotonic() - started:.0f} s ===", flush=True)
    return code


def main() -> int:
    extra = sys.argv[1:]
    pg_base = os.environ.get("TEST_DATABASE_URL", support.DEFAULT_PG_URL)
    results: dict[str, int] = {}

    # The two passes also run under two process time zones: times must not depend on it.
    results["SQLite"] = run_pytest("SQLite, TZ=Pacific/Auckland", {"TEST_DATABASE_URL": "", "TZ": "Pacific/Auckland"}, extra)

    if support.pg_reachable(pg_base):
        results["PostgreSQL"] = run_pytest(
            "PostgreSQL, TZ=UTC", {"TEST_DATABASE_URL": pg_base, "TZ": "UTC"}, ["-m", "not browser", *extra]
        )
    elif support.strict():
        print(f"PostgreSQL is not reachable at {pg_base}: failing (strict mode)", flush=True)
        results["PostgreSQL"] = 1
    else:
        print(f"PostgreSQL is not reachable at {pg_base}: skipped", flush=True)

    print("\nSummary: " + ", ".join(f"{name} {'ok' if code == 0 else f'FAILED ({code})'}" for name, code in results.items()))
    return 0 if all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
