"""Security headers and safe redirects."""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# For the few pages partner sites embed with <iframe>: any site may frame them, nothing else relaxes.
FRAMABLE_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors *")


def allow_framing(response: Response) -> Response:
    """Let any site show this response in a frame (its CSP decides; no X-Frame-Options then)."""
    response.headers["Content-Security-Policy"] = FRAMABLE_CONTENT_SECURITY_POLICY
    return response


@lru_cache(maxsize=32)
def _frame_ancestors(policy: str) -> str | None:
    for directive in policy.split(";"):
        name, _, value = directive.strip().partition(" ")
        if name.lower() == "frame-ancestors":
            return value.strip()
    return None


def init_security(app: Flask) -> None:
    hsts = app.config.get("HSTS", False)
    # Added when the view did not set its own; one pass over the response headers.
    defaults = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if hsts:
        defaults.append(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))
    defaults = [(name.lower(), name, value) for name, value in defaults]

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        present = {name.lower() for name in headers.keys()}
        added = [(name, value) for lower, name, value in defaults if lower not in present]
        if "content-security-policy" in present:
            policy = headers["Content-Security-Policy"]
        else:
            policy = CONTENT_SECURITY_POLICY
            added.append(("Content-Security-Policy", policy))
        if "x-frame-options" not in present and _frame_ancestors(policy) in (None, "'none'"):
            # X-Frame-Options knows no "any site": a view that opens frame-ancestors drops it.
            added.append(("X-Frame-Options", "DENY"))
        if "cache-control" not in present and request.endpoint and not request.endpoint.endswith("static"):
            # Pages may hold personal data: never keep them in a shared cache.
            added.append(("Cache-Control", "no-store"))
        headers.extend(added)
        return response


def safe_next_url(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, else None.

    Refuses absolute URLs, scheme-relative ``//host`` and backslash tricks that
    browsers normalise into another host.
    """
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    return target
