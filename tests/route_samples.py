"""Sample values for URL parameters, shared by the route matrix and the CSRF test.

A route with a new parameter name (``<int:booking_id>``...) needs one entry in
PARAMETERS: a function that receives the test's Samples and returns a value.
Objects are created on first use, so a test only makes what its route needs.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from werkzeug.routing import Rule

# Passes the URL converter but fails the signature check: the view must say 400.
INVALID_TOKEN = "pas-un-jeton-valide"

IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Samples:
    """The objects URL parameters point to, made on demand with the test's factories."""

    def __init__(self, make_user):
        self._make_user = make_user
        self._cache: dict[str, object] = {}

    def _once(self, key: str, make: Callable[[], object]):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def user(self):
        """Somebody else's account: what an admin page or action is about."""
        return self._once("user", lambda: self._make_user(name="Camille Exemple", roles=("member",)))


PARAMETERS: dict[str, Callable[[Samples], object]] = {
    "user_id": lambda samples: samples.user().id,
    "token": lambda samples: INVALID_TOKEN,
}


def sample_url(rule: Rule, samples: Samples) -> str:
    missing = sorted(set(rule.arguments) - set(PARAMETERS))
    if missing:
        pytest.fail(f"{rule.rule}: add a sample value for {missing} to PARAMETERS in {__name__}")
    values = {name: PARAMETERS[name](samples) for name in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def routes(app) -> Iterator[tuple[str, Rule]]:
    """Every (method, rule) the application answers, without static files, HEAD and OPTIONS."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        for method in sorted(rule.methods - IGNORED_METHODS):
            yield method, rule
