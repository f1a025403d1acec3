"""Typed results of scoring and explaining, and the one place a scored record is serialised.

The output contract (pinned by tests/test_cli_score.py): every record has `id`, `text`, `scores`
(hate, intimidation, death_threat floats in [0, 1]), `labels`, `flagged`, plus author, timestamp, url
and platform when the input had them, where it came from, the SHA-256 of the text and the trigger
spans, and `warnings` when the reader repaired the message (undecodable bytes replaced, NULs
removed). The writers in `threatdetect.io.writers` take these records as plain dicts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from threatdetect.io.records import Message
from threatdetect.labels import LABELS


def text_sha256(text: str) -> str:
    """The hash that identifies a message's text in outputs and evidence reports."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Span:
    """A piece of the raw text that drove a label: `text == raw[start:end]`."""

    start: int
    end: int
    text: str
    label: str
    source: str  # "lexicon" or "occlusion"
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "label": self.label,
            "source": self.source,
            "weight": round(self.weight, 4),
        }


@dataclass(frozen=True)
class ScoreResult:
    """Scores per label in [0, 1], the labels over their thresholds, and trigger spans."""

    text: str
    scores: dict[str, float]
    labels: tuple[str, ...]
    flagged: bool
    spans: tuple[Span, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "scores": {label: round(float(self.scores[label]), 6) for label in LABELS},
            "labels": list(self.labels),
            "flagged": self.flagged,
            "spans": [span.to_dict() for span in self.spans],
        }

    def to_record(self, message: Message) -> dict[str, Any]:
        """The output record of `message` scored as this result (see the contract above)."""
        scored = self.to_dict()
        record: dict[str, Any] = {
            "id": message.id,
            "text": message.text,
            "scores": scored["scores"],
            "labels": scored["labels"],
            "flagged": scored["flagged"],
        }
        optional = {
            "author": message.author,
            "timestamp": message.timestamp,
            "url": message.url,
            "platform": message.platform,
        }
        record.update({name: value for name, value in optional.items() if value not in (None, "")})
        record["source"] = message.source
        record["record"] = message.record
        if message.line is not None:
            record["line"] = message.line
        record["sha256"] = text_sha256(message.text)
        record["spans"] = scored["spans"]
        if message.extra:
            record["extra"] = message.extra
        if message.warnings:
            record["warnings"] = list(message.warnings)
        return record


@dataclass(frozen=True)
class Explanation:
    """Why each label scored as it did: spans per label, strongest first."""

    text: str
    scores: dict[str, float]
    labels: tuple[str, ...]
    spans: dict[str, tuple[Span, ...]] = field(default_factory=dict)
