"""Checks that the corpus teaches the labels, not the writers' habits.

Our first corpus let a model score well by learning shortcuts: group words meant hate, short messages
were flagged, long tidy ones were harmless, and stock formulas ("gemeld", "ik hoop dat je") belonged to
one class. Each function here measures one such shortcut on the written rows, so `data check` can fail
when a new slice brings one back (see `data/GUIDELINES.md`, section 8).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from threatdetect.identity import identity_groups, mentioned_groups
from threatdetect.labels import HATE, LABELS
from threatdetect.triggers import load_trigger_lexicon

Row = dict[str, Any]

#: A classifier on form alone must not predict a label better than this (cross-validated ROC-AUC).
MAX_FORM_AUC = 0.65
#: Unflagged mentions of each identity group per hate message mentioning it.
MIN_IDENTITY_RATIO = 1.5
#: Largest allowed difference between the flag rates of messages aimed at women and at men.
MAX_GENDER_GAP = 0.10
#: Every label (and the unflagged class) needs this share of messages of 6 words or fewer.
MIN_SHORT_SHARE = 0.12
SHORT_WORDS = 6
#: A word 3-gram seen in this many messages or more ...
FORMULA_MIN_COUNT = 20
#: ... may not fall this much or more in one class (flagged or unflagged).
FORMULA_MAX_SHARE = 0.90
#: A trigger-lexicon term at least this strong makes an n-gram "the harm itself" (allowed to be exclusive).
HARM_TERM_WEIGHT = 0.7
#: A single word seen in this many messages or more ...
LEAN_MIN_COUNT = 15
#: ... leans towards a label when at least this share of them carry it ...
LEAN_MIN_SHARE = 0.6
#: ... and that share is this many times the label's share of all messages (reported, not failed).
LEAN_MIN_LIFT = 2.0
#: `data check` lists this many leaning words per label, those with the most messages above chance ...
LEAN_REPORT_TOP = 30
#: ... and the datasheet's table this many.
LEAN_TABLE_WORDS = 12

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f]")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
POLICE_CUE = re.compile(r"politie|aangifte|gemeld|melding|\bagent(en)?\b|\bcops?\b", re.IGNORECASE)
_QUOTE = re.compile(r"[\"'‘’“”«»]")
_I_HATE = re.compile(r"\bik haat\b", re.IGNORECASE)
_NOTHING_AGAINST = re.compile(r"\b(niks|niets) tegen\b.*\bmaar\b", re.IGNORECASE)

FORM_FEATURES = (
    "words",
    "characters",
    "mean_word_length",
    "uppercase_share",
    "all_caps_words",
    "starts_upper",
    "ends_with_full_stop",
    "exclamations",
    "questions",
    "ellipses",
    "commas",
    "emoji",
    "mentions",
    "hashtags",
    "urls",
    "digits",
)


def is_flagged(row: Row) -> bool:
    return any(row[label] for label in LABELS)


def word_count(text: str) -> int:
    return len(text.split())


def form_features(text: str) -> list[float]:
    """How a message is written, never what it says: the features of `FORM_FEATURES`."""
    words = text.split()
    letters = [char for char in text if char.isalpha()]
    stripped = text.rstrip()
    return [
        len(words),
        len(text),
        sum(len(word) for word in words) / max(len(words), 1),
        sum(char.isupper() for char in letters) / max(len(letters), 1),
        sum(word.isupper() and len(word) > 1 for word in words),
        float(text[:1].isupper()),
        float(stripped.endswith(".") and not stripped.endswith("..")),
        text.count("!"),
        text.count("?"),
        text.count("..") + text.count("…"),
        text.count(","),
        len(_EMOJI.findall(text)),
        len(_MENTION.findall(text)),
        len(_HASHTAG.findall(text)),
        len(_URL.findall(text)),
        sum(char.isdigit() for char in text),
    ]


def form_leak_auc(rows: Sequence[Row], folds: int = 5, seed: int = 13) -> dict[str, float]:
    """Cross-validated ROC-AUC of a gradient-boosted classifier on form features, per label.

    0.5 means the form says nothing about the label. The classifier is non-linear on purpose: a
    length *bucket* that leaks is found as well as a straight length trend.
    """
    features = np.array([form_features(row["text"]) for row in rows], dtype=np.float64)
    targets = {label: np.array([row[label] for row in rows]) for label in LABELS}
    targets["flagged"] = np.array([is_flagged(row) for row in rows], dtype=int)
    result = {}
    for name, y in targets.items():
        if y.min() == y.max():
            continue
        model = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.1, random_state=seed)
        split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        scores = cross_val_predict(model, features, y, cv=split, method="predict_proba")[:, 1]
        result[name] = round(float(roc_auc_score(y, scores)), 3)
    return result


@dataclass(frozen=True)
class GroupBalance:
    hate: int
    unflagged: int
    negated: int
    counter_speech: int

    @property
    def ratio(self) -> float:
        return self.unflagged / self.hate if self.hate else float("inf")


def identity_balance(rows: Sequence[Row]) -> dict[str, GroupBalance]:
    """Per identity group: hate vs unflagged messages that mention it (see `threatdetect.identity`)."""
    counts: dict[str, Counter[str]] = {group: Counter() for group in identity_groups()}
    for row in rows:
        for group in mentioned_groups(row["text"]):
            if row[HATE]:
                counts[group]["hate"] += 1
            elif not is_flagged(row):
                counts[group]["unflagged"] += 1
                counts[group]["negated"] += "negation" in row["phenomena"]
                counts[group]["counter_speech"] += "counter_speech" in row["phenomena"]
    return {
        group: GroupBalance(c["hate"], c["unflagged"], c["negated"], c["counter_speech"])
        for group, c in counts.items()
    }


def flag_rate_by_gender(rows: Sequence[Row]) -> dict[str, float]:
    """Share of flagged messages among those aimed at a woman and at a man."""
    rates = {}
    for gender in ("female", "male"):
        aimed = [row for row in rows if row.get("target_gender") == gender]
        rates[gender] = round(sum(is_flagged(row) for row in aimed) / max(len(aimed), 1), 3)
    return rates


def short_share(rows: Sequence[Row]) -> dict[str, float]:
    """Per label (and `none`), the share of messages of `SHORT_WORDS` words or fewer."""
    shares = {}
    for name in (*LABELS, "none"):
        members = [r for r in rows if (r[name] if name in LABELS else not is_flagged(r))]
        short = sum(word_count(r["text"]) <= SHORT_WORDS for r in members)
        shares[name] = round(short / max(len(members), 1), 3)
    return shares


@lru_cache(maxsize=1)
def harm_terms() -> tuple[str, ...]:
    """Strong trigger-lexicon terms: an n-gram containing one is the harm itself."""
    return tuple(
        term
        for label in LABELS
        for term, weight in load_trigger_lexicon().get(label, ())
        if weight >= HARM_TERM_WEIGHT
    )


#: A harm term this short is a harm in itself, so the 3-grams inside it are too ("ik maak je af");
#: inside longer terms a 3-gram is a formula that can open anything ("ik hoop dat" ... je sterft).
HARM_TERM_MAX_WORDS = 4


def _is_harm(ngram: str) -> bool:
    padded = f" {ngram} "
    return any(
        f" {term} " in padded or (len(term.split()) <= HARM_TERM_MAX_WORDS and f" {ngram} " in f" {term} ")
        for term in harm_terms()
    )


def _trigrams(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    return {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}


@dataclass(frozen=True)
class Formula:
    ngram: str
    messages: int
    share: float
    side: str  # "flagged" or "unflagged"


def label_exclusive_ngrams(
    rows: Sequence[Row], min_count: int = FORMULA_MIN_COUNT, max_share: float = FORMULA_MAX_SHARE
) -> list[Formula]:
    """Word 3-grams in `min_count`+ messages that fall `max_share`+ in one class, harm excepted."""
    seen: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    for row in rows:
        grams = _trigrams(row["text"])
        seen.update(grams)
        if is_flagged(row):
            flagged.update(grams)
    offenders = []
    for gram, total in seen.items():
        if total < min_count or _is_harm(gram):
            continue
        share_flagged = flagged[gram] / total
        if share_flagged >= max_share:
            offenders.append(Formula(gram, total, round(share_flagged, 3), "flagged"))
        elif 1 - share_flagged >= max_share:
            offenders.append(Formula(gram, total, round(1 - share_flagged, 3), "unflagged"))
    return sorted(offenders, key=lambda f: -f.messages)


@dataclass(frozen=True)
class WordLean:
    """A word that occurs mostly in messages with one label."""

    word: str
    messages: int
    share: float  # of the messages with the word, the share that carry the label
    base_rate: float  # the label's share of all messages
    excess: float  # messages with the word and the label beyond what the base rate predicts


def base_rate(rows: Sequence[Row], label: str) -> float:
    """The share of `rows` that carry `label` (0 without rows)."""
    return sum(bool(row[label]) for row in rows) / max(len(rows), 1)


@lru_cache(maxsize=1)
def _one_word_harm_terms() -> frozenset[str]:
    return frozenset(term for term in harm_terms() if " " not in term)


def leaning_words(
    rows: Sequence[Row],
    label: str,
    min_count: int = LEAN_MIN_COUNT,
    min_share: float = LEAN_MIN_SHARE,
    min_lift: float = LEAN_MIN_LIFT,
) -> list[WordLean]:
    """Single words that mostly occur in messages with `label`, harm terms and group words excepted.

    The 3-gram formula check cannot see a lean on one word: "dom" in 42 hate messages against 25
    harmless ones taught a model that "Je bent dom" is hate. A word that is a harm term by itself
    ("doodschieten", a slur; "kogel" and the words of "ik maak je af" are not) or names an identity
    group (that lean is the identity-balance check's) is left out. Listed for the next round of
    contrast writing, not failed: some leans are the label. Strongest first: the most messages with
    the word and the label beyond what the label's base rate predicts.
    """
    seen: Counter[str] = Counter()
    carrying: Counter[str] = Counter()
    for row in rows:
        words = set(_WORD.findall(row["text"].lower()))
        seen.update(words)
        if row[label]:
            carrying.update(words)
    rate = base_rate(rows, label)
    harm = _one_word_harm_terms()
    leans = [
        WordLean(
            word,
            total,
            round(carrying[word] / total, 3),
            round(rate, 3),
            round(carrying[word] - total * rate, 1),
        )
        for word, total in seen.items()
        if total >= min_count
        and carrying[word] / total >= max(min_share, min_lift * rate)
        and word not in harm
        and not mentioned_groups(word)
    ]
    return sorted(leans, key=lambda lean: (-lean.excess, lean.word))


def contrast_counts(rows: Sequence[Row]) -> dict[str, int]:
    """The rows that give a cue to the side it used to be missing from."""
    counter_speech = [
        r
        for r in rows
        if not is_flagged(r)
        and "counter_speech" in r["phenomena"]
        and (mentioned_groups(r["text"]) or _QUOTE.search(r["text"]))
    ]
    return {
        "flagged_with_police_cue": sum(is_flagged(r) and bool(POLICE_CUE.search(r["text"])) for r in rows),
        "hate_ik_haat_group": sum(
            bool(r[HATE] and _I_HATE.search(r["text"]) and mentioned_groups(r["text"])) for r in rows
        ),
        "hate_nothing_against_but": sum(bool(r[HATE] and _NOTHING_AGAINST.search(r["text"])) for r in rows),
        "counter_speech_quoting": len(counter_speech),
        "counter_speech_without_police_cue": sum(not POLICE_CUE.search(r["text"]) for r in counter_speech),
    }
