"""The three labels, their severity order and the rule that ties them together.

Every other module takes label names from here, so a label is spelled in exactly one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

HATE = "hate"
INTIMIDATION = "intimidation"
DEATH_THREAT = "death_threat"

#: Label names in model-output order.
LABELS: tuple[str, ...] = (HATE, INTIMIDATION, DEATH_THREAT)

#: Most severe first; reports group flagged messages in this order.
SEVERITY_ORDER: tuple[str, ...] = (DEATH_THREAT, INTIMIDATION, HATE)

#: Dutch display names for reports.
DUTCH_NAMES: dict[str, str] = {
    HATE: "haat",
    INTIMIDATION: "bedreiging en intimidatie",
    DEATH_THREAT: "doodsbedreiging",
}


def enforce_implication(scores: Mapping[str, float]) -> dict[str, float]:
    """Return scores where intimidation is at least death_threat.

    Every death threat is also intimidation (label guide), so a model output that says otherwise
    is lifted rather than trusted.
    """
    fixed = dict(scores)
    fixed[INTIMIDATION] = max(fixed[INTIMIDATION], fixed[DEATH_THREAT])
    return fixed


def enforce_implication_array(values: np.ndarray) -> np.ndarray:
    """The same rule on a (n, 3) array of scores or 0/1 flags in LABELS order (changed in place)."""
    if len(values):
        column, death = LABELS.index(INTIMIDATION), LABELS.index(DEATH_THREAT)
        values[:, column] = np.maximum(values[:, column], values[:, death])
    return values


def implied_labels(labels: Iterable[str]) -> tuple[str, ...]:
    """Label names in LABELS order, with intimidation added wherever death_threat is present."""
    present = set(labels)
    if DEATH_THREAT in present:
        present.add(INTIMIDATION)
    return tuple(label for label in LABELS if label in present)


def most_severe(labels: set[str] | list[str]) -> str | None:
    """The most severe label present, or None."""
    for name in SEVERITY_ORDER:
        if name in labels:
            return name
    return None


#: Letters of the compact label code used in the authored TSV files (`-`, `H`, `DI`, `DIH`...).
LABEL_CODES: dict[str, str] = {"H": HATE, "I": INTIMIDATION, "D": DEATH_THREAT}


def parse_label_code(code: str) -> dict[str, int]:
    """`-`, `H`, `I`, `DI`, `DIH`... to a 0/1 dict; D implies I."""
    code = code.strip()
    values = dict.fromkeys(LABELS, 0)
    if code in ("-", ""):
        return values
    for letter in code:
        if letter not in LABEL_CODES:
            raise ValueError(f"unknown label letter {letter!r} in {code!r} (use H, I, D or -)")
        values[LABEL_CODES[letter]] = 1
    return enforce_implication(values)
