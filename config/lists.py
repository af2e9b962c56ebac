"""Joining translated pieces with the reader's own punctuation: "a, b" and "a; b" in
English, "a、b" and "a；b" in Chinese and Japanese. The separators are catalog strings,
the way Django's own `get_text_list` translates its ", "."""

from collections.abc import Iterable

from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import pgettext


def join_items(items: Iterable[str]) -> str:
    """Names in a list: 'Main, Savings'."""
    return pgettext("between the items of a list", ", ").join(items)


def join_clauses(clauses: Iterable[str]) -> str:
    """Parts of one sentence that each stand alone: '3 check-ins; longest gap 40 days'."""
    return pgettext("between the clauses of a sentence", "; ").join(clauses)


def code_list(words: Iterable[str]) -> SafeString:
    """Words set as code, in a list: '<code>exchange</code>, <code>label</code>'."""
    return format_html_join(
        pgettext("between the items of a list", ", "), "<code>{}</code>", ((w,) for w in words)
    )
