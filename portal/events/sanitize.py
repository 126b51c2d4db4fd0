"""Organisers' descriptions: plain text or simple HTML in, safe HTML out (no script, ever)."""
from __future__ import annotations

import re

import nh3
from markupsafe import escape

ALLOWED_TAGS = {"p", "br", "strong", "b", "em", "i", "ul", "ol", "li", "a", "h3", "h4", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
URL = re.compile(r"(https?://[^\s<]+)")
BLOCK_TAG = re.compile(r"<\s*(p|ul|ol|li|h[1-6]|blockquote|div|br)\b", re.IGNORECASE)


def clean_description(text: str) -> str:
    """Sanitise with nh3 (the ammonia library); plain text becomes paragraphs with links."""
    text = (text or "").strip()
    if not text:
        return ""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    if "<" not in text:
        html = "".join(
            "<p>" + URL.sub(r'<a href="\1">\1</a>', str(escape(p))).replace("\n", "<br>") + "</p>"
            for p in paragraphs
        )
    elif not BLOCK_TAG.search(text):  # inline formatting only: keep the paragraphs typed
        html = "".join("<p>" + p.replace("\n", "<br>") + "</p>" for p in paragraphs)
    else:
        html = text
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow")


def plain_text(html: str) -> str:
    """For feeds and e-mails: the description without markup."""
    return nh3.clean(html or "", tags=set()).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").strip()
