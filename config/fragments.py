"""`{% fragment "name" var ... %}...{% endfragment %}`: render a piece of a template once
per process for each combination of the given values, then reuse the HTML.

Why: the base layout is the same on every page apart from a few values (language,
signed in or not, staff or not, which nav link is current), yet it costs more to render
than a whole minimal Django page: seventeen `{% url %}`, six `{% static %}`, two dozen
translations and two language pickers. Django's `{% cache %}` tag would do the same
through a cache backend (a pickle, an md5 and a lock per fragment, and a second CACHES
alias every test override would have to repeat); these fragments are a few kilobytes
that never go stale while the process lives, so a dict is enough.

Rules, so a cached fragment can never show one user's data to another:
- everything inside must depend only on the values listed in the tag (and the active
  language, which is always part of the key); no csrf_token, no user data, no request
  path, no `{% block %}` a child template could fill;
- the values must come from a small set (booleans, language codes, URL names), since
  each combination is kept for the life of the process (capped, see MAX_ENTRIES).

With DEBUG on nothing is kept, so edited templates show at once.

A kept fragment loses its indentation: whitespace between tags that holds a line break
becomes that line break alone, which a browser renders the same (one space, or nothing
between block elements), so fragments must not contain <pre> or <textarea>.
"""

import re

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

INDENTATION = re.compile(r">[ \t]*\n\s*<")

MAX_ENTRIES = 2000
_rendered: dict[tuple, str] = {}


class FragmentNode(template.Node):
    def __init__(self, name: str, values: list[template.base.FilterExpression], nodelist):
        self.name, self.values, self.nodelist = name, values, nodelist

    def render(self, context) -> str:
        if settings.DEBUG:
            return self.nodelist.render(context)
        key = (self.name, get_language(), *(v.resolve(context) for v in self.values))
        html = _rendered.get(key)
        if html is None:
            html = INDENTATION.sub(">\n<", self.nodelist.render(context))
            if len(_rendered) < MAX_ENTRIES:
                _rendered[key] = html
        return mark_safe(html)  # noqa: S308 (template output, escaped when rendered)


@register.tag
def fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError('usage: {% fragment "name" value ... %}')
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(bits[1][1:-1], [parser.compile_filter(b) for b in bits[2:]], nodelist)


def clear() -> None:
    """Forget every rendered fragment (tests that change settings the layout reads)."""
    _rendered.clear()
