"""Ids and version numbers taken from a URL or a form, bounded before they reach the database.

SQLite's INTEGER is a signed 64-bit number: binding a larger Python int raises OverflowError
(a 500), and Python's ``int()`` itself refuses a string of more than 4,300 digits. Rows' ids
and version numbers start at 1, so anything outside 1..`INT64_MAX` names nothing: the routes'
``{…:id}`` converter (`IdConvertor`, registered by `perfxl.web.app.routes`) hands the handler
`NO_ID` for it (its lookup finds nothing and the page is the one of an unknown id), and a
form's field (`parse_id` gives None) is refused with the form's own message.
"""

from __future__ import annotations

from starlette.convertors import Convertor

INT64_MAX = 2**63 - 1
"""The largest INTEGER of SQLite (PostgreSQL's BIGINT); ids and numbers are at most this."""
NO_ID = 0
"""No row has it (ids and version numbers start at 1): what an out-of-range id becomes."""
_DIGITS = frozenset("0123456789")


def parse_id(text: str) -> int | None:
    """The id written as ``text`` (ASCII digits only), or None when it is none: empty, zero,
    signed, not a whole number, other digits (``²``, full-width), or past `INT64_MAX`."""
    if not text or not _DIGITS.issuperset(text):
        return None
    digits = text.lstrip("0")
    if not digits or len(digits) > len(str(INT64_MAX)):
        return None
    value = int(digits)
    return value if value <= INT64_MAX else None


class IdConvertor(Convertor[int]):
    """``{name:id}`` in a route: digits, handed over as an int within 1..`INT64_MAX`, else
    `NO_ID` (a negative id has no route: the ``-`` does not match)."""

    regex = "[0-9]+"

    def convert(self, value: str) -> int:
        found = parse_id(value)
        return NO_ID if found is None else found

    def to_string(self, value: int) -> str:
        return str(int(value))
