"""Repeated conditional requests for public feeds, answered in front of the application.

Calendar apps poll a feed every few minutes with the ETag they were given, and nearly every poll ends
in "304 Not Modified". When a view answers such a request with 304, it may call ``share_not_modified``
with the data version the ETag stands for. The same request again (same address, host, scheme and
Accept-Language, no cookie, so no session nor profile language can change the answer) then gets the
very same 304 from here, headers included, without a request context, routing or hooks: as long as the
tables it depends on have not moved (``portal.versions``, no query) and within the same minute.

Anything else goes through the application untouched.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable

from flask import request
from werkzeug.http import parse_etags

_KEY = "portal.conditional.key"
_SHARED = "portal.conditional.shared"


def share_not_modified(tables: tuple[str, ...], stamp: Hashable, minute: int, etag: str) -> None:
    """This 304, computed from ``tables`` at ``stamp`` during ``minute``, may be repeated to the same request."""
    if _KEY in request.environ:
        request.environ[_SHARED] = (tables, stamp, minute, etag)


class NotModifiedAnswers:
    """WSGI layer that repeats the 304 answers views marked as shareable."""

    def __init__(self, wsgi_app: Callable, versions, *, maxsize: int = 512,
                 clock: Callable[[], float] = time.time):
        self.wsgi_app = wsgi_app
        self.versions = versions
        self.maxsize = maxsize
        self.clock = clock
        self._answers: OrderedDict[tuple, tuple] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if (environ["REQUEST_METHOD"] != "GET" or "HTTP_IF_NONE_MATCH" not in environ
                or "HTTP_COOKIE" in environ or "HTTP_AUTHORIZATION" in environ):
            return self.wsgi_app(environ, start_response)
        key = (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SCRIPT_NAME", ""),
               environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
               environ.get("HTTP_ACCEPT_LANGUAGE"))
        answer = self._answers.get(key)
        if answer is not None:
            tables, stamp, minute, etag, headers = answer
            if (int(self.clock()) // 60 == minute and self.versions.stamp(tables) == stamp
                    and parse_etags(environ["HTTP_IF_NONE_MATCH"]).contains(etag)):
                start_response("304 NOT MODIFIED", list(headers))
                return []
        environ[_KEY] = key

        def record(status: str, headers: list[tuple[str, str]], exc_info=None):
            shared = environ.get(_SHARED)
            if shared is not None and status.startswith("304") and not any(
                    name.lower() == "set-cookie" for name, _ in headers):
                self._keep(key, (*shared, tuple(headers)))
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return self.wsgi_app(environ, record)

    def _keep(self, key: tuple, answer: tuple) -> None:
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.maxsize:
                self._answers.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
