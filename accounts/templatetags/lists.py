"""Template filters over config.lists: lists joined with the reader's punctuation."""

from django import template

from config import lists

register = template.Library()


@register.filter
def code_list(words) -> str:
    """`{{ columns|code_list }}` -> "<code>exchange</code>, <code>label</code>"."""
    return lists.code_list(words)
