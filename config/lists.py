"""Joining translated pieces with the reader's own punctuation: "a, b" and "a; b" in
English, "a、b" and "a；b" in Chinese and Japanese. The separators are catalog strings,
the way Django's own `get_text_list` translates its ", "."""

from collections.abc import Iterable

from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language, pgettext

# Chinese and Japanese set sentences side by side with no space between them; English
# and Korean put one space.
UNSPACED_LANGUAGES = ("zh", "ja")


def join_items(items: Iterable[str]) -> str:
    """Names in a list: 'Main, Savings'."""
    return pgettext("between the items of a list", ", ").join(items)


def join_clauses(clauses: Iterable[str]) -> str:
    """Parts of one sentence that each stand alone: '3 check-ins; longest gap 40 days'."""
    return pgettext("between the clauses of a sentence", "; ").join(clauses)


def join_sentences(sentences: Iterable[str]) -> str:
    """Whole sentences, one after the other: 'Unknown columns: x. Missing columns: y.'"""
    language = get_language() or ""
    separator = "" if language.startswith(UNSPACED_LANGUAGES) else " "
    return separator.join(sentences)


def code_list(words: Iterable[str]) -> SafeString:
    """Words set as code, in a list: '<code>exchange</code>, <code>label</code>'."""
    return format_html_join(
        pgettext("between the items of a list", ", "), "<code>{}</code>", ((w,) for w in words)
    )
