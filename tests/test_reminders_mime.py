"""reminders/mime.py: the bytes written for SMTP parse back to the same email that
Django's own message class would send."""

import email
import email.policy

import pytest

from reminders.mime import OutgoingEmail, encode_header_text

HEADERS = {
    "Message-ID": "<0123abcd.reminder@guard.example.com>",
    "Date": "Tue, 24 Nov 2026 09:00:00 +0000",
    "List-Unsubscribe": "<https://guard.example.com/reminders/unsubscribe/abc/one-click/>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "Auto-Submitted": "auto-generated",
}
LONG_LINE = "Open each exchange from your own bookmark " * 6
TEXT = (f"Kraken – Main: overdue\n\n{LONG_LINE}\n= an equals sign, trailing space \n"
        ".\n日本語のテキスト\n")
HTML = (f'<p style="color:#123">Kraken – Main</p>\n'
        f'<a href="https://guard.example.com/a?b=1">{LONG_LINE}</a>\n')


def outgoing(subject: str = "Kraken – Main is overdue", **fields) -> OutgoingEmail:
    return OutgoingEmail(**{
        "from_header": "Dormant Guard <noreply@guard.example.com>", "to": "ann@example.com",
        "subject": subject, "text": TEXT, "html": HTML, "headers": dict(HEADERS), **fields,
    })


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def bodies(message: email.message.EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return (text.get_content().replace("\r\n", "\n"),
            html.get_content().replace("\r\n", "\n"))


@pytest.mark.parametrize("subject", [
    "Kraken – Main is overdue",
    "Nothing needs a login right now",
    "[Test] Binance – Trading is dormant, and 4 more accounts need a login " * 2,
    "バイナンス – メイン はログインが必要です、他に 3 件のアカウントがあります",
])
def test_the_fast_bytes_parse_back_to_what_django_would_send(subject):
    mail = outgoing(subject)
    ours = parsed(mail.as_bytes())
    djangos = parsed(mail.as_django_message().message().as_bytes())
    for name in ("From", "To", "Subject", *HEADERS):
        # (Django folds a long header onto a continuation line: same value, one space.)
        assert str(ours[name]).strip() == str(djangos[name]).strip(), name
    assert ours["Subject"] == subject.strip() or ours["Subject"] == subject
    assert bodies(ours) == bodies(djangos) == (TEXT, HTML)
    assert ours.get_content_type() == "multipart/alternative"
    assert not ours.defects and all(not part.defects for part in ours.walk())


def test_lines_are_crlf_and_short_enough_for_any_mail_server():
    raw = outgoing("A subject long enough to be folded " * 4).as_bytes()
    head, body = raw.split(b"\r\n\r\n", 1)
    assert b"\n" not in raw.replace(b"\r\n", b"")  # no bare LF or CR anywhere
    assert b"\r" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in head.split(b"\r\n")) <= 998  # RFC 5322's hard limit
    subject = head.split(b"Subject: ", 1)[1].split(b"\r\nMessage-ID", 1)[0]
    assert max(len(line) for line in subject.split(b"\r\n")) <= 78  # folded
    assert max(len(line) for line in body.split(b"\r\n")) <= 76  # quoted-printable


def test_a_non_ascii_subject_is_encoded_in_words_that_never_split_a_character():
    value = encode_header_text("Subject", "é" * 60)
    words = value.split("\r\n ")
    assert len(words) > 1
    assert all(len(word) <= 75 and word.startswith("=?utf-8?b?") for word in words)
    assert parsed(f"Subject: {value}\r\n\r\n".encode())["Subject"] == "é" * 60


@pytest.mark.parametrize("fields", [
    {"to": "anné@exämple.com"},
    {"from_header": "Dörmant Guard <noreply@guard.example.com>"},
    {"headers": {**HEADERS, "List-Unsubscribe": "<https://x\r\nBcc: victim@example.com>"}},
    {"subject": "Two\r\nBcc: victim@example.com"},
])
def test_anything_but_plain_ascii_headers_is_left_to_the_email_package(fields):
    mail = outgoing(**fields)
    assert not mail.has_fast_path
    with pytest.raises(ValueError, match="email package"):
        mail.as_bytes()


def test_each_message_gets_its_own_boundary():
    first, second = outgoing().as_bytes(), outgoing().as_bytes()
    boundary = parsed(first).get_boundary()
    assert boundary.startswith("=_") and boundary not in second.decode()
