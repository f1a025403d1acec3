"""The trigger lexicon: hand-written terms per label with a weight, and where they occur in a text.

`resources/trigger_lexicon.json` is data, not code, and this is its one loader (it validates the
file). The linear model uses the per-label hit scores as features, the explainer points at the words
that triggered a flag, and corpus augmentation obfuscates the trigger words of a message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from threatdetect.labels import LABELS

LEXICON_FILE = "threatdetect/resources/trigger_lexicon.json"

#: Label -> ((term, weight), ...): terms as the normaliser writes them, weights in [0, 1].
TriggerTerms = dict[str, tuple[tuple[str, float], ...]]


@dataclass(frozen=True)
class LexiconHit:
    label: str
    term: str
    weight: float
    start: int
    end: int


def parse_trigger_lexicon(data: Any, where: str = LEXICON_FILE) -> TriggerTerms:
    """Validate a decoded lexicon: `{label: [{"term": str, "weight": 0..1}, ...]}` for known labels."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a JSON object of label -> list of terms")
    table: TriggerTerms = {}
    for label, entries in data.items():
        if label.startswith("_"):
            continue  # "_comment"
        if label not in LABELS:
            raise ValueError(f"{where}: unknown label {label!r}; expected one of {', '.join(LABELS)}")
        if not isinstance(entries, list):
            raise ValueError(f"{where}: {label} needs a list of terms")
        items = []
        for position, entry in enumerate(entries):
            term = entry.get("term") if isinstance(entry, dict) else None
            weight = entry.get("weight") if isinstance(entry, dict) else None
            valid_weight = (
                isinstance(weight, int | float) and not isinstance(weight, bool) and 0 <= weight <= 1
            )
            if not isinstance(term, str) or not term.strip() or not valid_weight:
                raise ValueError(
                    f"{where}: {label}[{position}] needs a term and a weight between 0 and 1, got {entry!r}"
                )
            items.append((term, float(weight)))
        table[label] = tuple(items)
    return table


@lru_cache(maxsize=1)
def load_trigger_lexicon() -> TriggerTerms:
    """The shipped lexicon, validated (read once per process)."""
    text = resources.files("threatdetect").joinpath("resources/trigger_lexicon.json").read_text("utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{LEXICON_FILE} line {error.lineno}: not valid JSON ({error.msg})") from error
    return parse_trigger_lexicon(data)


class TriggerLexicon:
    """Compiled per-label term matchers over lowercased normalised text."""

    def __init__(self, terms: TriggerTerms) -> None:
        self.terms = terms
        self._weights: dict[str, dict[str, float]] = {}
        self._patterns: dict[str, re.Pattern[str]] = {}
        for label in LABELS:
            entries = sorted(terms.get(label, ()), key=lambda entry: -len(entry[0]))
            self._weights[label] = {term.lower(): weight for term, weight in entries}
            if entries:
                alternatives = "|".join(re.escape(term.lower()) for term, _ in entries)
                self._patterns[label] = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> TriggerLexicon:
        """The shipped lexicon, compiled once per process."""
        return cls(load_trigger_lexicon())

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
