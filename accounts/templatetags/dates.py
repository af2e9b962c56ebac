"""Template filters over config.dates, so templates count days the way Python does:
`{{ n|days_ago }}` -> "today", "5 days ago", "5日前"; `{{ n|day_count }}` -> "5 days"."""

from django import template

from config import dates

register = template.Library()


@register.filter
def days_ago(n: int) -> str:
    return dates.days_ago(n)


@register.filter
def day_count(n: int) -> str:
    return dates.day_count(n)
