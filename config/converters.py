"""URL converters.

Object ids in URLs are 64-bit database keys. Django's `int` converter accepts any number
of digits, and a 30-digit id reaches the database and fails there (SQLite raises
OverflowError: a 500). `id` accepts at most 18 digits, so anything larger is simply a
URL that doesn't match: a 404, like any other id that isn't yours.
"""

from django.urls import register_converter


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
