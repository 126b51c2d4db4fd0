"""Chromium on a phone, a live server, and an axe-core check for the browser tests."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import support

HERE = Path(__file__).resolve().parent

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Every test in this folder is a browser test, even one whose module forgets `pytestmark`."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"executable_path": support.CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args():
    return {
        "viewport": {"width": 390, "height": 844},
        "screen": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
        "locale": "fr-FR",
        "timezone_id": "Europe/Paris",
        "user_agent": PHONE_USER_AGENT,
    }


@pytest.fixture(scope="session")
def _live_server_thread(app):
    server = support.LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture
def live_server(app, _live_server_thread):
    """The app served over HTTP; e-mailed links point at it while the test runs."""
    previous = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = _live_server_thread.url
    yield _live_server_thread
    app.config["PUBLIC_BASE_URL"] = previous


@pytest.fixture
def page(context):
    """pytest-playwright's page, failing the test on a script error or a CSP violation."""
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: problems.append(f"console {message.type}: {message.text}")
        if message.type == "error" and not _is_http_status_report(message.text)
        else None,
    )
    yield page
    assert not problems, "\n".join(problems)


def _is_http_status_report(text: str) -> bool:
    # Chromium logs every 4xx document it loads; 404 and 422 pages are expected here.
    return text.startswith("Failed to load resource: the server responded with a status of 4")


@pytest.fixture
def axe(axe_source):
    """check_a11y(page): run axe-core (WCAG 2.1 A and AA) on the page, fail on any violation."""

    def check_a11y(page, label: str | None = None) -> None:
        # evaluate() runs through the DevTools protocol, which the page's CSP does not block.
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source)
        results = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            AXE_TAGS,
        )
        if results["violations"]:
            raise AssertionError(_describe(label or page.url, results["violations"]))

    return check_a11y


def _describe(where: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {where}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"][:10]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    at {json.dumps(node['target'])}: {summary}")
    return "\n".join(lines)
