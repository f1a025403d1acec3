"""Slices where our first model failed outside its corpus, each with its false-positive rate.

A slice is defined from what any labelled row has (its text) plus what a corpus or challenge row may
add (phenomena tags, a challenge category, the target's gender). False-positive rate: the share of
the slice's truly harmless rows that got any flag. Recall slices: the share of truly flagged rows
that got a flag; for the rows labelled intimidation or death_threat also the share flagged as one of
those two (`recall_as_threat`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from threatdetect.corpus.sources import INSULT_TAGS, ORDINARY_TAGS
from threatdetect.identity import mentioned_groups
from threatdetect.labels import DEATH_THREAT, INTIMIDATION, LABELS

_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]")


@dataclass(frozen=True)
class RowInfo:
    text: str
    phenomena: frozenset[str] = field(default_factory=frozenset)
    category: str | None = None
    target_gender: str | None = None


def is_emoji_only(text: str) -> bool:
    return bool(_EMOJI.search(text)) and not any(char.isalnum() for char in text)


def is_ordinary(row: RowInfo) -> bool:
    """An everyday harmless message, as opposed to a hard negative (idiom, quote, banter...)."""
    return bool(row.phenomena & ORDINARY_TAGS) or row.category in {"short_reply", "ordinary_topic"}


FALSE_POSITIVE_SLICES: dict[str, Callable[[RowInfo], bool]] = {
    "ordinary_messages": is_ordinary,
    "short_3_words_or_fewer": lambda r: len(r.text.split()) <= 3,
    "emoji_only": lambda r: is_emoji_only(r.text),
    "benign_identity_mentions": lambda r: bool(mentioned_groups(r.text)) or r.category == "benign_identity",
    "insults_without_protected_characteristic": lambda r: (
        bool(r.phenomena & INSULT_TAGS) or r.category == "insult_no_pc"
    ),
    "aimed_at_women": lambda r: r.target_gender == "female",
    "aimed_at_men": lambda r: r.target_gender == "male",
}
RECALL_SLICES: dict[str, Callable[[RowInfo], bool]] = {
    "third_person_incitement": lambda r: (
        "incitement" in r.phenomena or r.category == "incitement_third_person"
    ),
    "public_figure_threats": lambda r: "public_figure" in r.phenomena or r.category == "public_figure_threat",
}


def slice_report(rows: Sequence[RowInfo], truth: np.ndarray, predicted: np.ndarray) -> dict[str, dict]:
    """False-positive rate per harmless slice and recall per harmful slice (any flag)."""
    truly_flagged, flagged = truth.any(axis=1), predicted.any(axis=1)
    report: dict[str, dict] = {}
    for name, member in FALSE_POSITIVE_SLICES.items():
        mask = np.array([member(r) for r in rows], dtype=bool) & ~truly_flagged
        report[name] = {
            "false_positive_rate": round(float(flagged[mask].mean()), 4) if mask.any() else None,
            "n_harmless": int(mask.sum()),
        }
    for name, member in RECALL_SLICES.items():
        mask = np.array([member(r) for r in rows], dtype=bool) & truly_flagged
        report[name] = {
            "recall": round(float(flagged[mask].mean()), 4) if mask.any() else None,
            "n_flagged": int(mask.sum()),
        }
    # Threats of either kind (death_threat implies intimidation): flagged at all, and flagged as a threat.
    threat = [LABELS.index(INTIMIDATION), LABELS.index(DEATH_THREAT)]
    mask = truth[:, threat].any(axis=1).astype(bool)
    as_threat = predicted[:, threat].any(axis=1).astype(bool)
    report["intimidation_or_death_threat"] = {
        "recall": round(float(flagged[mask].mean()), 4) if mask.any() else None,
        "recall_as_threat": round(float(as_threat[mask].mean()), 4) if mask.any() else None,
        "n_flagged": int(mask.sum()),
    }
    return report
