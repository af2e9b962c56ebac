"""Markdown written by editors, rendered safely.

Two layers: raw HTML in the source is turned into visible text (Markdown's HTML
processors are switched off), and the output is sanitised with nh3 (a binding to the
Rust `ammonia` crate) so only a small set of formatting tags survives, links may only
use http(s) or mailto, and every link gets rel="noopener noreferrer".
"""

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "hr", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def _converter() -> markdown_lib.Markdown:
    converter = markdown_lib.Markdown(extensions=["tables", "sane_lists"])
    # Without these, "<b>" or "<script>" in the source would pass through as HTML;
    # with them removed, Markdown escapes it and the reader sees the literal text.
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    return converter


def render_markdown(text: str) -> SafeString:
    html = _converter().convert(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return mark_safe(clean)  # noqa: S308 (sanitised by nh3 just above)
