"""Typed results of scoring and explaining."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
            "scores": {k: round(v, 6) for k, v in self.scores.items()},
            "labels": list(self.labels),
            "flagged": self.flagged,
            "spans": [span.to_dict() for span in self.spans],
        }


@dataclass(frozen=True)
class Explanation:
    """Why each label scored as it did: spans per label, strongest first."""

    text: str
    scores: dict[str, float]
    labels: tuple[str, ...]
    spans: dict[str, tuple[Span, ...]] = field(default_factory=dict)
