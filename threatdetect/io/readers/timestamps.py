"""Turn the many ways exports write a moment in time into one ISO 8601 string in UTC.

Exports write epoch seconds (Facebook, Instagram), epoch milliseconds (Facebook messages), X's
`Wed Oct 10 20:19:24 +0000 2018`, ISO 8601 with or without an offset, and, in hand-made
spreadsheets, Dutch day-first dates. A time without an offset is kept as written (no timezone is
guessed: that would put a wrong time on evidence); a value we cannot parse is kept verbatim so that
nothing the source said is lost.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

# Epoch values above this are milliseconds (1e11 seconds is the year 5138).
_MILLISECONDS_FROM = 100_000_000_000
_NUMBER_RE = re.compile(r"^\d{9,13}(\.\d+)?$")
_X_FORMAT = "%a %b %d %H:%M:%S %z %Y"
# Day-first formats seen in Dutch spreadsheets; tried after ISO 8601.
_DAY_FIRST_FORMATS = (
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y",
)


def _format(moment: datetime) -> str:
    spec = "milliseconds" if moment.microsecond else "seconds"
    if moment.tzinfo is None:
        return moment.isoformat(timespec=spec)
    return moment.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


def from_epoch(value: float) -> str:
    """Epoch seconds or milliseconds (told apart by size) as ISO 8601 UTC."""
    seconds = value / 1000 if value >= _MILLISECONDS_FROM else value
    return _format(datetime.fromtimestamp(seconds, tz=UTC))


def _parse_string(text: str) -> datetime | date | None:
    try:
        return datetime.fromisoformat(text.replace(" ", "T", 1) if len(text) > 10 else text)
    except ValueError:
        pass
    for fmt in (_X_FORMAT, *_DAY_FIRST_FORMATS):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        return parsedate_to_datetime(text)  # RFC 2822, as in e-mail and RSS exports
    except (TypeError, ValueError, IndexError):
        return None


def to_iso(value: object) -> str | None:
    """`value` as ISO 8601 (UTC when the source gave an offset); None for nothing, verbatim if unknown."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return _format(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        try:
            return from_epoch(float(value))
        except (OverflowError, OSError, ValueError):
            return str(value)
    text = str(value).strip()
    if _NUMBER_RE.match(text):
        return to_iso(float(text))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    parsed = _parse_string(text)
    if parsed is None:
        return text
    return _format(parsed) if isinstance(parsed, datetime) else parsed.isoformat()
