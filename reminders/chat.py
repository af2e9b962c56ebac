"""The short text a chat or push channel gets instead of the email digest.

Chat apps show a title and a few lines: the user's safety phrase (so a fake message is
easy to spot), which accounts need a login and how urgently, and one link back to this
app. Never a link to an exchange, never a request for a credential: the same rules as
the email (reminders/digest.py). Rendered in the recipient's language.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from .channels import ChatMessage
from .digest import NEVER_ASK, Digest, absolute_url

MAX_ITEMS_LISTED = 8


def chat_message(digest: Digest) -> ChatMessage:
    with translation.override(digest.language or settings.LANGUAGE_CODE):
        return ChatMessage(title=_title(digest), body="\n".join(_lines(digest)))


def _title(digest: Digest) -> str:
    count = len(digest.items)
    if count:
        title = ngettext(
            "Dormant Guard: %(count)d exchange account needs a login",
            "Dormant Guard: %(count)d exchange accounts need a login", count,
        ) % {"count": count}
    else:
        title = gettext("Dormant Guard: nothing needs a login right now")
    return gettext("[Test] %(title)s") % {"title": title} if digest.is_test else title


def _lines(digest: Digest) -> list[str]:
    lines = []
    if digest.safety_phrase:
        lines.append(gettext("Your safety phrase: %(phrase)s") % {"phrase": digest.safety_phrase})
    for item in digest.items[:MAX_ITEMS_LISTED]:
        lines.append(f"• {item.name}: {item.status_label}")
    if (more := len(digest.items) - MAX_ITEMS_LISTED) > 0:
        lines.append(ngettext("…and %(count)d more", "…and %(count)d more", more)
                     % {"count": more})
    if digest.is_test:
        lines.append(gettext("This is a test message you asked for."))
    lines.append(gettext("Open Dormant Guard: %(url)s")
                 % {"url": absolute_url(reverse("dashboard"))})
    lines.append(str(NEVER_ASK))
    return lines
