"""Static files named by their content, so that phones keep them and never ask again.

Every ``url_for("static", ...)`` gets ``?v=<hash of the file>``. A request carrying the current
hash is answered with a year-long, immutable cache lifetime; a changed file gets a new address, so
nobody keeps an old one. Without a hash (an old link), Flask's usual revalidation applies.
"""
from __future__ import annotations

import hashlib
import os

from flask import Flask, Response, request
from werkzeug.security import safe_join

YEAR = 365 * 24 * 3600


def init_static_versions(app: Flask) -> None:
    hashes: dict[str, tuple[float, str]] = {}

    def version_of(filename: str) -> str | None:
        path = safe_join(app.static_folder or "", filename)
        if path is None:
            return None
        try:
            # Checked again only in debug, where files change while the server runs.
            known = hashes.get(filename)
            if known is not None and not app.debug:
                return known[1]
            modified = os.stat(path).st_mtime
            if known is not None and known[0] == modified:
                return known[1]
            with open(path, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()[:12]
        except OSError:
            return None
        hashes[filename] = (modified, digest)
        return digest

    @app.url_defaults
    def _add_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and values.get("filename"):
            version = version_of(values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def _cache_versioned(response: Response) -> Response:
        if (request.endpoint == "static" and response.status_code in (200, 304)
                and request.args.get("v") and request.args["v"] == version_of(request.view_args["filename"])):
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        return response
