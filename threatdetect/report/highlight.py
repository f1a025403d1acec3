"""Cut a message into pieces so the trigger spans can be marked, even where spans overlap.

Span offsets are Python `str` indices (code points) into the raw text, so an emoji before a span
counts as one character. Every span start and end is a cut; each piece between two cuts carries the
labels of all spans that cover it. A span whose `text` does not match the raw text at its offsets is
moved to the nearest place where that text does occur, or dropped: a wrong highlight on evidence is
worse than none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from threatdetect.labels import SEVERITY_ORDER


@dataclass(frozen=True)
class Segment:
    """A piece of the raw text; `labels` (most severe first) is empty for unmarked text."""

    text: str
    labels: tuple[str, ...] = ()


def _locate(text: str, span: Mapping[str, Any]) -> tuple[int, int] | None:
    try:
        start, end = int(span["start"]), int(span["end"])
    except (KeyError, TypeError, ValueError):
        return None
    expected = span.get("text")
    if 0 <= start < end <= len(text) and (expected is None or text[start:end] == expected):
        return start, end
    if not expected:
        return None
    found = [i for i in range(len(text)) if text.startswith(expected, i)]
    if not found:
        return None
    nearest = min(found, key=lambda i: abs(i - start))
    return nearest, nearest + len(expected)


def _severity(label: str) -> int:
    return SEVERITY_ORDER.index(label) if label in SEVERITY_ORDER else len(SEVERITY_ORDER)


def highlight_segments(text: str, spans: Iterable[Mapping[str, Any]]) -> list[Segment]:
    """`text` as consecutive segments whose concatenation is exactly `text`."""
    located = []
    for span in spans:
        where = _locate(text, span)
        if where is not None:
            located.append((*where, str(span.get("label", ""))))
    cuts = sorted({0, len(text), *(s for s, _, _ in located), *(e for _, e, _ in located)})
    segments: list[Segment] = []
    for start, end in pairwise(cuts):
        labels = tuple(sorted({lab for s, e, lab in located if s <= start and end <= e}, key=_severity))
        if segments and segments[-1].labels == labels:
            segments[-1] = Segment(segments[-1].text + text[start:end], labels)
        else:
            segments.append(Segment(text[start:end], labels))
    return segments
