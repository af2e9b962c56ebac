"""`{{ text|markdown }}`: editors' Markdown, sanitised (see checklists/markdown.py)."""

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString

from checklists.markdown import render_markdown
from config.lists import join_clauses, join_items

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    return render_markdown(text)


@register.filter
def items(names: Iterable[str]) -> str:
    """`{{ names|items }}`: 'a, b' in English, 'a、b' in Chinese (config/lists.py)."""
    return join_items(names)


@register.filter
def clauses(items: Iterable[str]) -> str:
    """`{{ waits|clauses }}`: 'a; b' in English, 'a；b' in Chinese (config/lists.py)."""
    return join_clauses(items)


@register.filter
def users_with_progress(target) -> int:
    """How many users have progress on a step, a guide's steps, or a queryset of either
    (for the admin's delete confirmations)."""
    from checklists.models import Guide, Step, StepProgress

    steps: Iterable[Step]
    if isinstance(target, Step):
        steps = [target]
    elif isinstance(target, Guide):
        steps = target.steps.all()
    elif getattr(target, "model", None) is Guide:
        steps = Step.objects.filter(guide__in=target)
    else:
        steps = target
    return (
        StepProgress.objects.filter(step__in=steps)
        .values("walkthrough__account__owner").distinct().count()
    )
