"""The records that flow from readers to the scorer.

A reader yields, in input order, a `Message` for every usable record and a `Rejected` for every
record it could not use, so that `in = scored + rejected` always holds and nothing disappears.
A problem that makes the whole input unusable (unreadable file, unknown format, missing text
field) raises `InputError` instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: Characters that would break a one-line error (line breaks, other controls) or its printing
#: (lone surrogates from undecodable bytes); field names quoted from a damaged file may hold them.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def _printable(text: str) -> str:
    return _UNPRINTABLE.sub(lambda m: "\ufffd" if m[0] >= "\ud800" else repr(m[0])[1:-1], text)


class InputError(Exception):
    """The input as a whole cannot be read. The message names file, line and field where known.

    The message is always one printable line, whatever the damaged file it quotes from.
    """

    def __init__(self, source: str, reason: str, line: int | None = None, field: str | None = None) -> None:
        reason = _printable(reason)
        self.source, self.reason, self.line, self.field = source, reason, line, field
        where = (
            source + (f": line {line}" if line is not None else "") + (f": field '{field}'" if field else "")
        )
        super().__init__(_printable(f"{where}: {reason}"))


@dataclass
class Message:
    """One message to score. `record` is its 1-based position among the input's records.

    `warnings` say what the reader repaired to make the record scorable (undecodable bytes replaced,
    NULs removed); they go into the output record, and the summary counts repaired messages.
    """

    id: str
    text: str
    record: int
    source: str
    line: int | None = None
    author: str | None = None
    timestamp: str | None = None
    url: str | None = None
    platform: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Rejected:
    """A record that could not be scored, with where and why. `raw` is a snippet for the errors file."""

    source: str
    record: int
    reason: str
    line: int | None = None
    field: str | None = None
    raw: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "record": self.record,
            "line": self.line,
            "field": self.field,
            "reason": self.reason,
            "raw": self.raw,
        }
