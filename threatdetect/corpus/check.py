"""`threatdetect data check`: validate the built corpus and regenerate the datasheet tables.

Checks: schema of every row, death_threat => intimidation, no duplicate texts, no group in two
splits, no near-duplicate pair across splits (character 5-gram Jaccard > 0.6), augmentation only in
train and at most 30% of it, the minimum counts the project promises, and the shortcut checks of
`shortcuts.py` (form leak, identity balance, gender gap, short messages, label-exclusive formulas).
Words that lean towards a label are reported in the stats, not failed.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threatdetect.corpus import shortcuts
from threatdetect.corpus.similarity import LEAKAGE_THRESHOLD, similar_pairs
from threatdetect.corpus.sources import GENDERS, INSULT_TAGS, ORDINARY_TAGS, STYLES, TARGETS, load_phenomena
from threatdetect.labels import DEATH_THREAT, HATE, INTIMIDATION, LABELS

SPLITS = ("train", "dev", "test")
REQUIRED_FIELDS = {
    "id": str,
    "text": str,
    "hate": int,
    "intimidation": int,
    "death_threat": int,
    "target": str,
    "style": str,
    "phenomena": list,
    "origin": str,
    "group": str,
}
MINIMUMS = {
    "written": 16000,
    "death_threat": 1200,
    "intimidation_without_death_threat": 1500,
    "hate": 1500,
    "no_label": 3500,
    "hard_negatives": 2500,
    "hard_negative_phenomena": 15,
    "ordinary": 4000,
    "insults_without_protected_characteristic": 600,
    "new_threat_registers": 1500,
    "flagged_with_police_cue": 50,
    "hate_ik_haat_group": 50,
    "hate_nothing_against_but": 50,
    "counter_speech_quoting": 300,
}
#: Threat registers our first corpus lacked: incitement, public figures, genocidal language, calls to
#: arms, sexual violence, news replies, bare death curses, threats that mention the police.
NEW_REGISTER_TAGS = frozenset(
    {
        "public_figure",
        "genocidal_historical",
        "call_to_arms",
        "news_reply",
        "death_curse",
        "police_mention",
        "incitement",
        "sexual_violence",
    }
)
MIN_NEGATED_PER_GROUP = 15
MAX_AUGMENTED_SHARE = 0.30


@dataclass
class CheckResult:
    problems: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_split(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}: line {number}: invalid JSON ({error.msg})") from error
            row["_line"] = number
            rows.append(row)
    return rows


def _schema_problems(path: Path, row: dict[str, Any], tags: set[str]) -> list[str]:
    where = f"{path}: line {row['_line']}"
    problems = []
    for name, kind in REQUIRED_FIELDS.items():
        if not isinstance(row.get(name), kind) or isinstance(row.get(name), bool):
            problems.append(f"{where}: field '{name}' missing or not {kind.__name__}")
    if problems:
        return problems
    if any(row[label] not in (0, 1) for label in LABELS):
        problems.append(f"{where}: label fields must be 0 or 1")
    if row[DEATH_THREAT] and not row[INTIMIDATION]:
        problems.append(f"{where}: death_threat without intimidation")
    if row["target"] not in TARGETS:
        problems.append(f"{where}: field 'target' has unknown value {row['target']!r}")
    if row.get("target_gender") not in set(GENDERS.values()):
        problems.append(f"{where}: field 'target_gender' has unknown value {row.get('target_gender')!r}")
    if row["style"] not in STYLES:
        problems.append(f"{where}: field 'style' has unknown value {row['style']!r}")
    unknown = [t for t in row["phenomena"] if t not in tags]
    if unknown:
        problems.append(f"{where}: field 'phenomena' has unknown tags {unknown}")
    if not (row["origin"] == "written" or row["origin"].startswith("augmented:")):
        problems.append(f"{where}: field 'origin' must be 'written' or 'augmented:<operation>'")
    return problems


def corpus_stats(
    rows_by_split: dict[str, list[dict[str, Any]]], phenomena: dict[str, dict[str, str]]
) -> dict[str, Any]:
    hard_negative_tags = set(phenomena["hard_negative"]) - {"neutral"}
    written = [r for rows in rows_by_split.values() for r in rows if r["origin"] == "written"]
    no_label = [r for r in written if not any(r[label] for label in LABELS)]
    hard = [r for r in no_label if set(r["phenomena"]) & hard_negative_tags]
    threats = [r for r in written if r[INTIMIDATION] and r.get("target_gender") in ("female", "male")]
    flagged = [r for r in written if shortcuts.is_flagged(r)]
    hard_tag_counts = Counter(t for r in hard for t in r["phenomena"] if t in hard_negative_tags)
    return {
        "written": len(written),
        "death_threat": sum(r[DEATH_THREAT] for r in written),
        "intimidation_without_death_threat": sum(r[INTIMIDATION] and not r[DEATH_THREAT] for r in written),
        "hate": sum(r[HATE] for r in written),
        "no_label": len(no_label),
        "hard_negatives": len(hard),
        "hard_negative_phenomena": len(hard_tag_counts),
        "hard_negative_tag_counts": dict(hard_tag_counts.most_common()),
        "ordinary": sum(bool(set(r["phenomena"]) & ORDINARY_TAGS) for r in no_label),
        "insults_without_protected_characteristic": sum(
            bool(set(r["phenomena"]) & INSULT_TAGS) for r in no_label
        ),
        "new_threat_registers": sum(bool(set(r["phenomena"]) & NEW_REGISTER_TAGS) for r in flagged),
        # Of the threats aimed at one woman or one man (group threats have no single gender).
        "threats_aimed_at_women_share": round(
            sum(r.get("target_gender") == "female" for r in threats) / max(len(threats), 1), 3
        ),
        **shortcuts.contrast_counts(written),
        "rows_per_split": {split: len(rows) for split, rows in rows_by_split.items()},
        "augmented_in_train": sum(r["origin"] != "written" for r in rows_by_split.get("train", [])),
    }


def check_corpus(
    corpus_dir: Path, phenomena_file: Path, leakage_threshold: float = LEAKAGE_THRESHOLD
) -> CheckResult:
    result = CheckResult()
    phenomena = load_phenomena(phenomena_file)
    tags = {tag for group in phenomena.values() for tag in group}
    rows_by_split: dict[str, list[dict[str, Any]]] = {}
    for split in SPLITS:
        path = corpus_dir / f"{split}.jsonl"
        if not path.is_file():
            result.problems.append(f"{path}: missing; run `threatdetect data build`")
            continue
        rows_by_split[split] = read_split(path)
        for row in rows_by_split[split]:
            result.problems.extend(_schema_problems(path, row, tags))
    if result.problems:
        return result

    # Written rows must differ beyond case and spacing; augmented rows (e.g. the casing operation)
    # may differ from their source only in case, but never repeat a text exactly.
    all_rows = [r for rows in rows_by_split.values() for r in rows]
    written_texts = Counter(" ".join(r["text"].lower().split()) for r in all_rows if r["origin"] == "written")
    exact_texts = Counter(" ".join(r["text"].split()) for r in all_rows)
    duplicates = [t for t, n in written_texts.items() if n > 1] + [t for t, n in exact_texts.items() if n > 1]
    if duplicates:
        result.problems.append(f"{len(duplicates)} duplicate text(s), e.g. {duplicates[0][:40]!r}")
    group_splits: dict[str, set[str]] = {}
    for split, rows in rows_by_split.items():
        for row in rows:
            group_splits.setdefault(row["group"], set()).add(split)
    crossing = [g for g, s in group_splits.items() if len(s) > 1]
    if crossing:
        result.problems.append(f"{len(crossing)} group(s) appear in more than one split, e.g. {crossing[0]}")
    for split in ("dev", "test"):
        augmented = [r for r in rows_by_split.get(split, []) if r["origin"] != "written"]
        if augmented:
            result.problems.append(
                f"{split}: {len(augmented)} augmented row(s); augmentation belongs in train only"
            )
    train = rows_by_split.get("train", [])
    share = sum(r["origin"] != "written" for r in train) / max(len(train), 1)
    if share > MAX_AUGMENTED_SHARE:
        result.problems.append(f"train: {share:.1%} augmented rows, above the {MAX_AUGMENTED_SHARE:.0%} cap")

    leaks = 0
    split_names = list(rows_by_split)
    for a in range(len(split_names)):
        for b in range(a + 1, len(split_names)):
            left = [r["text"] for r in rows_by_split[split_names[a]]]
            right = [r["text"] for r in rows_by_split[split_names[b]]]
            for i, j, value in similar_pairs(left, right, threshold=leakage_threshold):
                leaks += 1
                if leaks <= 5:
                    result.problems.append(
                        f"near-duplicate across {split_names[a]}/{split_names[b]} (Jaccard {value:.2f}): "
                        f"{rows_by_split[split_names[a]][i]['id']} ~ {rows_by_split[split_names[b]][j]['id']}"
                    )
    result.stats = corpus_stats(rows_by_split, phenomena)
    result.stats["cross_split_near_duplicates"] = leaks
    for name, minimum in MINIMUMS.items():
        if result.stats[name] < minimum:
            result.problems.append(f"{name}: {result.stats[name]} < required {minimum}")
    if result.stats["counter_speech_without_police_cue"] * 2 < result.stats["counter_speech_quoting"]:
        result.problems.append("counter-speech: fewer than half of the quoting rows are free of a police cue")
    written = [r for r in all_rows if r["origin"] == "written"]
    result.stats["shortcuts"] = shortcut_stats(written)
    result.problems.extend(shortcut_problems(result.stats["shortcuts"]))
    return result


def shortcut_stats(written: list[dict[str, Any]]) -> dict[str, Any]:
    balance = shortcuts.identity_balance(written)
    return {
        "form_leak_auc": shortcuts.form_leak_auc(written),
        "identity_balance": {
            group: {**b.__dict__, "ratio": round(b.ratio, 2)} for group, b in balance.items()
        },
        "flag_rate_by_target_gender": shortcuts.flag_rate_by_gender(written),
        "short_share": shortcuts.short_share(written),
        "label_exclusive_trigrams": [f.__dict__ for f in shortcuts.label_exclusive_ngrams(written)],
        "leaning_words": {label: leaning_word_report(written, label) for label in LABELS},
    }


def leaning_word_report(written: list[dict[str, Any]], label: str) -> dict[str, Any]:
    """How many words lean towards `label`, and the strongest of them (`shortcuts.leaning_words`)."""
    leans = shortcuts.leaning_words(written, label)
    return {"count": len(leans), "strongest": [lean.__dict__ for lean in leans[: shortcuts.LEAN_REPORT_TOP]]}


def shortcut_problems(stats: dict[str, Any]) -> list[str]:
    problems = []
    for label, auc in stats["form_leak_auc"].items():
        if auc > shortcuts.MAX_FORM_AUC:
            problems.append(
                f"form leak: a classifier on form alone predicts {label} with ROC-AUC {auc:.3f} "
                f"(limit {shortcuts.MAX_FORM_AUC})"
            )
    for group, b in stats["identity_balance"].items():
        if b["unflagged"] < shortcuts.MIN_IDENTITY_RATIO * b["hate"]:
            problems.append(
                f"identity balance: {group}: {b['unflagged']} unflagged vs {b['hate']} hate messages "
                f"(need {shortcuts.MIN_IDENTITY_RATIO}x)"
            )
        if b["negated"] < MIN_NEGATED_PER_GROUP:
            problems.append(
                f"identity balance: {group}: {b['negated']} negated-hate rows < {MIN_NEGATED_PER_GROUP}"
            )
    rates = stats["flag_rate_by_target_gender"]
    if abs(rates["female"] - rates["male"]) > shortcuts.MAX_GENDER_GAP:
        problems.append(
            f"gender gap: {rates['female']:.1%} of messages aimed at women are flagged vs "
            f"{rates['male']:.1%} aimed at men (limit {shortcuts.MAX_GENDER_GAP:.0%} points)"
        )
    for name, share in stats["short_share"].items():
        if share < shortcuts.MIN_SHORT_SHARE:
            problems.append(
                f"short messages: {share:.1%} of {name} rows have {shortcuts.SHORT_WORDS} words or fewer "
                f"(need {shortcuts.MIN_SHORT_SHARE:.0%})"
            )
    for formula in stats["label_exclusive_trigrams"]:
        problems.append(
            f"formula: '{formula['ngram']}' is in {formula['messages']} messages, "
            f"{formula['share']:.0%} of them {formula['side']}"
        )
    return problems


def suite_texts(path: Path) -> list[str]:
    """The text column of the functional suite (`capability<TAB>labels<TAB>text`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[-1] for line in lines[1:] if line.strip() and not line.startswith("#")]


def check_held_out_sets(
    corpus_dir: Path, challenge_dir: Path, suite_path: Path, problems: list[str]
) -> dict[str, Any]:
    """Check the challenge set against the corpus and the suite, and the suite against the corpus.

    Appends to `problems`; returns the counts for the report.
    """
    from threatdetect.corpus.challenge import CATEGORIES, challenge_problems, load_challenge
    from threatdetect.corpus.similarity import paraphrase_pairs

    corpus_texts = [r["text"] for split in SPLITS for r in read_split(corpus_dir / f"{split}.jsonl")]
    suite = suite_texts(suite_path)
    paraphrases = sorted({i for i, _ in paraphrase_pairs(suite, corpus_texts)})
    for i in paraphrases[:5]:
        problems.append(f"{suite_path}: case {suite[i][:50]!r} paraphrases a corpus line")
    if len(paraphrases) > 5:
        problems.append(f"{suite_path}: {len(paraphrases)} cases paraphrase a corpus line in all")
    stats: dict[str, Any] = {"suite_cases": len(suite), "suite_paraphrases_of_corpus": len(paraphrases)}
    if challenge_dir.is_dir():
        cases = load_challenge(challenge_dir)
        problems.extend(challenge_problems(cases, corpus_texts + suite))
        per_category = Counter(case.category for case in cases)
        stats["challenge_cases"] = len(cases)
        stats["challenge_per_category"] = {name: per_category[name] for name in CATEGORIES}
    else:
        problems.append(f"{challenge_dir}: missing; the blind challenge set belongs there")
    return stats
