"""QR codes as inline SVG, drawn on the server (no script)."""
from __future__ import annotations

import io

import segno
from markupsafe import Markup, escape


def qr_svg(data: str, *, label: str, scale: int = 4) -> Markup:
    """An accessible inline SVG: role="img" with the label as its title."""
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True,
                                      title=str(label), svgclass="qr", lineclass=None, dark="#000", light="#fff",
                                      omitsize=True)  # a viewBox instead of a fixed size: CSS scales it
    svg = buffer.getvalue().decode()
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))
