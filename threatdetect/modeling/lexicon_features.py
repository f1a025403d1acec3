"""Lexicon features: weighted hits of our hand-written trigger terms, per label.

The trigger lexicon (`resources/trigger_lexicon.json`) is data, not code. The linear model uses
the per-label hit scores as extra features, and the explainer uses the same matches to point at
the words that triggered a flag.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from threatdetect.labels import LABELS


@dataclass(frozen=True)
class LexiconHit:
    label: str
    term: str
    weight: float
    start: int
    end: int


def _entries(raw: object) -> list[tuple[str, float]]:
    """Accept {"term": weight}, [{"term": .., "weight": ..}] or ["term", ...] per label."""
    if isinstance(raw, dict):
        return [(str(term), float(weight)) for term, weight in raw.items()]
    entries = []
    for item in raw or []:
        if isinstance(item, str):
            entries.append((item, 1.0))
        elif isinstance(item, dict):
            entries.append((str(item.get("term") or item.get("text")), float(item.get("weight", 1.0))))
        else:
            entries.append((str(item[0]), float(item[1])))
    return entries


class TriggerLexicon:
    """Compiled per-label term matchers over lowercased normalised text."""

    def __init__(self, terms: dict[str, list[tuple[str, float]]]) -> None:
        self.terms = terms
        self._weights: dict[str, dict[str, float]] = {}
        self._patterns: dict[str, re.Pattern[str]] = {}
        for label in LABELS:
            entries = sorted(terms.get(label, []), key=lambda entry: -len(entry[0]))
            self._weights[label] = {term.lower(): weight for term, weight in entries}
            if entries:
                alternatives = "|".join(re.escape(term.lower()) for term, _ in entries)
                self._patterns[label] = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> TriggerLexicon:
        text = resources.files("threatdetect.resources").joinpath("trigger_lexicon.json").read_text("utf-8")
        data = json.loads(text)
        return cls({label: _entries(data.get(label)) for label in LABELS})

    def hits(self, lower_text: str) -> list[LexiconHit]:
        found = []
        for label, pattern in self._patterns.items():
            for match in pattern.finditer(lower_text):
                term = match.group(0)
                found.append(LexiconHit(label, term, self._weights[label].get(term, 1.0), *match.span()))
        return found

    def features(self, lower_texts: list[str]) -> np.ndarray:
        """(n, 2 * n_labels): per label the summed weight and the strongest single hit."""
        out = np.zeros((len(lower_texts), 2 * len(LABELS)), dtype=np.float32)
        for row, text in enumerate(lower_texts):
            for column, label in enumerate(LABELS):
                pattern = self._patterns.get(label)
                if pattern is None:
                    continue
                weights = [self._weights[label].get(m.group(0), 1.0) for m in pattern.finditer(text)]
                if weights:
                    out[row, 2 * column] = min(sum(weights), 3.0)
                    out[row, 2 * column + 1] = max(weights)
        return out
