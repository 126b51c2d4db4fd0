"""A readable page of the OpenAPI document, rendered on the server (no script, no CDN)."""
from __future__ import annotations

from flask import Blueprint, render_template

from portal.api import api

bp = Blueprint("api_docs", __name__)


@bp.get("/api/v1/docs")
def show_docs():
    spec = api.spec.to_dict()
    operations = []
    for path, methods in spec.get("paths", {}).items():
        for method, operation in methods.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                operations.append((path, method.upper(), operation))
    return render_template("api/docs.html", spec=spec, operations=operations)
