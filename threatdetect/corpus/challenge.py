"""The blind challenge set in `data/challenge/`: read it and check that it stays independent.

Its writers saw only the guidelines and a voice brief, never the corpus or the functional suite, so
it measures what our own writers' habits cannot teach. It is never used for training, thresholds or
model selection; `evaluate` only reports on it. Format: `data/challenge/README.md`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from threatdetect.corpus.similarity import GROUPING_THRESHOLD, similar_pairs
from threatdetect.labels import LABELS, parse_label_code

HEADER = ("category", "labels", "target_gender", "text")
CATEGORIES: dict[str, str] = {
    "short_reply": "ordinary replies of 1 to 5 words (unflagged)",
    "ordinary_topic": "ordinary and heated-but-legitimate messages on current topics (unflagged)",
    "benign_identity": "neutral or positive mentions of identity groups, self-identification (unflagged)",
    "insult_no_pc": "insults without a protected characteristic (unflagged)",
    "negation_counter": "negated hate or threats, counter-speech quoting them (unflagged)",
    "incitement_third_person": "third-person incitement and calls for violence (flagged)",
    "public_figure_threat": "threats to ministers, judges, journalists, scientists, royals (flagged)",
    "obfuscated_threat": "threats in leetspeak, masked letters, emoji or code (flagged)",
    "direct_threat": "second-person threats to local politicians (flagged)",
    "identity_hate": "hate for a protected characteristic (flagged)",
}
BENIGN_CATEGORIES = frozenset(
    {"short_reply", "ordinary_topic", "benign_identity", "insult_no_pc", "negation_counter"}
)
MIN_CASES = 1500
MIN_PER_CATEGORY = 100
#: No challenge case may be this close (character 5-gram Jaccard) to a corpus or suite line.
MAX_SIMILARITY = GROUPING_THRESHOLD
_GENDERS = {"f": "female", "m": "male", "x": "mixed_or_nonbinary", "-": None}


class ChallengeError(ValueError):
    """A challenge line is malformed; the message names file, line and field."""


@dataclass(frozen=True)
class ChallengeCase:
    category: str
    labels: dict[str, int]
    target_gender: str | None
    text: str
    source: str
    line: int

    @property
    def flagged(self) -> bool:
        return any(self.labels.values())


def _parse(line: str, path: Path, number: int) -> ChallengeCase:
    fields = line.rstrip("\n").split("\t")
    if len(fields) != len(HEADER):
        raise ChallengeError(f"{path}: line {number}: expected 4 tab-separated fields, got {len(fields)}")
    category, code, gender, text = fields
    if category not in CATEGORIES:
        raise ChallengeError(f"{path}: line {number}: field 'category': unknown category {category!r}")
    try:
        labels = parse_label_code(code)
    except ValueError as error:
        raise ChallengeError(f"{path}: line {number}: field 'labels': {error}") from error
    if gender not in _GENDERS:
        raise ChallengeError(f"{path}: line {number}: field 'target_gender': {gender!r} not in f, m, x, -")
    if not 1 <= len(text.split()) <= 80:
        raise ChallengeError(f"{path}: line {number}: field 'text': expected 1 to 80 words")
    return ChallengeCase(category, labels, _GENDERS[gender], text.strip(), path.name, number)


def load_challenge(directory: Path) -> list[ChallengeCase]:
    """Every case of every `*.tsv` in `directory`, in file and line order."""
    cases = []
    paths = sorted(Path(directory).glob("*.tsv"))
    if not paths:
        raise ChallengeError(f"{directory}: no challenge files (*.tsv)")
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if number == 1:
                    if tuple(line.rstrip("\n").split("\t")) != HEADER:
                        raise ChallengeError(f"{path}: line 1: header must be {' TAB '.join(HEADER)}")
                    continue
                if line.strip():
                    cases.append(_parse(line, path, number))
    return cases


def challenge_problems(cases: Sequence[ChallengeCase], reference_texts: Sequence[str]) -> list[str]:
    """Counts, label sanity per category, duplicates, and closeness to corpus or suite lines."""
    problems = []
    if len(cases) < MIN_CASES:
        problems.append(f"challenge: {len(cases)} cases < required {MIN_CASES}")
    per_category = Counter(case.category for case in cases)
    for category in CATEGORIES:
        if per_category[category] < MIN_PER_CATEGORY:
            problems.append(f"challenge: {category}: {per_category[category]} cases < {MIN_PER_CATEGORY}")
    for case in cases:
        if (case.category in BENIGN_CATEGORIES) == case.flagged:
            expected = "unflagged" if case.category in BENIGN_CATEGORIES else "flagged"
            problems.append(
                f"challenge: {case.source}: line {case.line}: a {case.category} case must be {expected}"
            )
    texts = Counter(" ".join(case.text.lower().split()) for case in cases)
    problems += [f"challenge: duplicate text {text[:40]!r}" for text, n in texts.items() if n > 1]
    for i, _, value in similar_pairs([c.text for c in cases], list(reference_texts), MAX_SIMILARITY):
        case = cases[i]
        problems.append(
            f"challenge: {case.source}: line {case.line}: within Jaccard {value:.2f} of a corpus or suite line"
        )
    return problems


def label_matrix(cases: Sequence[ChallengeCase]) -> list[list[int]]:
    return [[case.labels[label] for label in LABELS] for case in cases]
