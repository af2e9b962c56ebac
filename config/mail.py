"""A development email backend that prints each email as its reader would see it.

Django's console backend prints the raw MIME message. Any body line longer than 78
characters (every link that carries a token) is then quoted-printable encoded, which
cuts the link with `=` soft line breaks and turns `=` into `=3D`: a link copied from the
terminal answers 404. This backend prints the headers and the decoded text instead, so
each link is on one line, exactly as sent.

Why a console backend and not 8-bit bodies: only the terminal output changes. Mail sent
over SMTP keeps the encoding Python's email package chooses, which keeps every line
under SMTP's 998-character limit and needs no 8BITMIME support from the relay.
"""

from email.message import EmailMessage

from django.core.mail import EmailMessage as DjangoEmailMessage
from django.core.mail.backends import console

# Headers that describe the MIME structure, not the email: of no use to a reader.
STRUCTURAL_HEADERS = {"content-type", "content-transfer-encoding", "mime-version"}
SEPARATOR = "-" * 79


class ReadableConsoleBackend(console.EmailBackend):
    def write_message(self, message: DjangoEmailMessage) -> None:
        self.stream.write(readable_text(message.message()) + "\n" + SEPARATOR + "\n")


def readable_text(msg: EmailMessage) -> str:
    """Headers, then the plain-text body decoded (the HTML one when there is no plain
    text), then one line naming each part not shown."""
    lines = [
        f"{name}: {value}"
        for name, value in msg.items()
        if name.lower() not in STRUCTURAL_HEADERS
    ]
    parts = [part for part in msg.walk() if not part.is_multipart()]
    shown = _part_to_show(parts)
    for part in parts:
        if part is shown:
            lines += ["", part.get_content().rstrip("\n"), ""]  # decoded text
        else:
            lines.append(f"[{part.get_content_type()} part not shown]")
    return "\n".join(lines)


def _part_to_show(parts: list[EmailMessage]) -> EmailMessage | None:
    for content_type in ("text/plain", "text/html"):
        for part in parts:
            if part.get_content_type() == content_type and not part.get_filename():
                return part
    return None
