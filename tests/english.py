"""Find English left in a page or email that should be in another language.

A page is rendered twice, in English and in the other language. Every run of three or
more English words in the other render that also appears in the English render is a
sentence nobody translated. Comparing with the English render (rather than looking for
"English-looking" words) leaves alone what is English in both on purpose: data the user
typed, exchange names, e-mail addresses, time zone names. Text inside an element marked
`translate="no"` (the HTML attribute for "not to be translated") is skipped too.
"""

import re
from html.parser import HTMLParser

# Three or more words of Latin letters in a row ("Add an account", "Last login today").
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ \u00a0]+[A-Za-z][A-Za-z'’-]*){2,}")
# Attributes a reader sees or hears: tooltips, accessible names, placeholders, confirm
# dialogs, and the cell labels the stylesheet shows on phones.
READABLE_ATTRIBUTES = {"title", "aria-label", "alt", "placeholder", "data-confirm", "data-label"}
SKIPPED_ELEMENTS = {"script", "style"}
VOID_ELEMENTS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}
# English in every language on purpose: the product's name.
ALWAYS_ALLOWED = ("Dormant Guard",)


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, skipped)

    def _skipping(self) -> bool:
        return any(skipped for _, skipped in self._stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = tag in SKIPPED_ELEMENTS or attrs.get("translate") == "no"
        if not (skipped or self._skipping()):
            self.texts += [v for k, v in attrs.items() if k in READABLE_ATTRIBUTES and v]
            if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
                self.texts.append(attrs["value"])
        if tag not in VOID_ELEMENTS:
            self._stack.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                return

    def handle_data(self, data):
        if not self._skipping() and data.strip():
            self.texts.append(data)


def readable_text(html: str) -> list[str]:
    """Every piece of text a reader of `html` sees or hears, one string per text node."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return collector.texts


def english_runs(texts: list[str], allowed: tuple[str, ...] = ()) -> set[str]:
    """Runs of 3+ English words, after cutting out `allowed` strings (user data, names)."""
    runs: set[str] = set()
    for text in texts:
        text = " ".join(text.split())
        for fragment in sorted((*ALWAYS_ALLOWED, *allowed), key=len, reverse=True):
            if fragment:
                text = text.replace(fragment, " · ")
        runs.update(" ".join(m.group(0).split()) for m in ENGLISH_RUN.finditer(text))
    return runs


def untranslated(english: list[str], other: list[str], allowed: tuple[str, ...] = ()) -> list[str]:
    """English sentences (runs of 3+ words) the other-language texts still share with the
    English ones."""
    return sorted(english_runs(other, allowed) & english_runs(english, allowed))


def untranslated_html(english_html: str, other_html: str, allowed: tuple[str, ...] = ()):
    return untranslated(readable_text(english_html), readable_text(other_html), allowed)


def html_lang(html: str) -> str | None:
    match = re.search(r"<html[^>]*\slang=\"([^\"]+)\"", html)
    return match.group(1) if match else None
