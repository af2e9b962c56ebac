"""A reminder email as bytes for the SMTP wire, built without the `email` package's cost.

Python's `email` package parses every header it is given and re-folds it on output;
for a digest that was about half of the sweep's CPU (BENCHMARKS.md, "Reminder sweep").
A digest has one fixed shape, so it is written directly: multipart/alternative with a
text and an HTML part, UTF-8, quoted-printable bodies (binascii, in C) and an RFC 2047
encoded subject. The same `OutgoingEmail` also becomes a Django `EmailMultiAlternatives`
for every other mail backend (console, locmem, third-party), and the tests check that
both parse back to the same message.

Only plain ASCII header values without line breaks take the fast path; anything else (an
internationalised address, say) goes through Django and the `email` package as before.
"""

import base64
import binascii
import secrets
from dataclasses import dataclass, field

from django.core.mail import EmailMultiAlternatives

# RFC 2047: an encoded word is at most 75 characters; 45 bytes of UTF-8 in base64 plus
# "=?utf-8?b?" and "?=" stay under that.
ENCODED_WORD_BYTES = 45
# RFC 5322 asks for lines of at most 78 characters.
HEADER_LINE_LENGTH = 78
CRLF = b"\r\n"


def _is_plain(value: str) -> bool:
    return value.isascii() and "\r" not in value and "\n" not in value


def _utf8_chunks(text: str, limit: int):
    """`text` as UTF-8 pieces of at most `limit` bytes, never splitting a character."""
    chunk: list[str] = []
    size = 0
    for char in text:
        length = len(char.encode())
        if size + length > limit and chunk:
            yield "".join(chunk).encode()
            chunk, size = [], 0
        chunk.append(char)
        size += length
    if chunk:
        yield "".join(chunk).encode()


def encode_header_text(name: str, value: str) -> str:
    """A header line's value (unstructured text such as Subject), folded; non-ASCII text
    as RFC 2047 base64 encoded words, which readers join back without the spaces."""
    if value.isascii():
        words, lines, line = value.split(" "), [], name + ":"
        for word in words:
            if len(line) + 1 + len(word) > HEADER_LINE_LENGTH and line != name + ":":
                lines.append(line)
                line = ""
            line += " " + word
        lines.append(line)
        return "\r\n".join(lines)[len(name) + 2:]
    encoded = [
        f"=?utf-8?b?{base64.b64encode(chunk).decode()}?="
        for chunk in _utf8_chunks(value, ENCODED_WORD_BYTES)
    ]
    return "\r\n ".join(encoded)


def _body(text: str) -> bytes:
    # istext: "\n" ends a line; the result's lines stay within 76 characters.
    encoded = binascii.b2a_qp(text.replace("\r\n", "\n").encode(), istext=True)
    return encoded.replace(b"\n", CRLF)


@dataclass(frozen=True)
class OutgoingEmail:
    """One email with a text and an HTML body. `headers` are extra header fields
    (Message-ID, Date, List-Unsubscribe, ...), written in the order given."""

    from_header: str
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def has_fast_path(self) -> bool:
        """Can `as_bytes()` write it? Plain ASCII addresses and headers only."""
        return all(
            _is_plain(value)
            for value in (self.from_header, self.to, *self.headers, *self.headers.values())
        ) and "\r" not in self.subject and "\n" not in self.subject

    def as_bytes(self) -> bytes:
        """The message as sent over SMTP (CRLF line ends; smtplib adds dot-stuffing)."""
        if not self.has_fast_path:
            raise ValueError("This email needs the email package: use as_django_message().")
        boundary = f"=_{secrets.token_hex(12)}"  # "=_" never occurs in quoted-printable
        head = [
            f"From: {self.from_header}",
            f"To: {self.to}",
            f"Subject: {encode_header_text('Subject', self.subject)}",
            *(f"{name}: {value}" for name, value in self.headers.items()),
            "MIME-Version: 1.0",
            f'Content-Type: multipart/alternative; boundary="{boundary}"',
        ]
        part = (
            f"--{boundary}\r\nContent-Type: text/{{}}; charset=\"utf-8\"\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        )
        return b"".join([
            "\r\n".join(head).encode(), CRLF, CRLF,
            part.format("plain").encode(), _body(self.text), CRLF,
            part.format("html").encode(), _body(self.html), CRLF,
            f"--{boundary}--\r\n".encode(),
        ])

    def as_django_message(self) -> EmailMultiAlternatives:
        """The same email for any Django mail backend (console, locmem, others)."""
        message = EmailMultiAlternatives(
            subject=self.subject, body=self.text, from_email=self.from_header,
            to=[self.to], headers=dict(self.headers),
        )
        message.attach_alternative(self.html, "text/html")
        return message
