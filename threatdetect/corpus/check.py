"""`threatdetect data check`: validate the built corpus and regenerate the datasheet tables.

Checks: schema of every row, death_threat => intimidation, no duplicate texts, no group in two
splits, no near-duplicate pair across splits (character 5-gram Jaccard > 0.6), augmentation only in
train and at most 30% of it, and the minimum counts the project promises.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threatdetect.corpus.similarity import LEAKAGE_THRESHOLD, similar_pairs
from threatdetect.corpus.sources import GENDERS, STYLES, TARGETS, load_phenomena
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
    "written": 8000,
    "death_threat": 1200,
    "intimidation_without_death_threat": 1500,
    "hate": 1500,
    "no_label": 3500,
    "hard_negatives": 2500,
    "hard_negative_phenomena": 15,
}
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


def corpus_stats(rows_by_split: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    hard_negative_tags = set(load_phenomena()["hard_negative"]) - {"neutral"}
    written = [r for rows in rows_by_split.values() for r in rows if r["origin"] == "written"]
    no_label = [r for r in written if not any(r[label] for label in LABELS)]
    hard = [r for r in no_label if set(r["phenomena"]) & hard_negative_tags]
    threats = [r for r in written if r[INTIMIDATION]]
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
        "threats_aimed_at_women_share": round(
            sum(r.get("target_gender") == "female" for r in threats) / max(len(threats), 1), 3
        ),
        "rows_per_split": {split: len(rows) for split, rows in rows_by_split.items()},
        "augmented_in_train": sum(r["origin"] != "written" for r in rows_by_split.get("train", [])),
    }


def check_corpus(corpus_dir: Path, leakage_threshold: float = LEAKAGE_THRESHOLD) -> CheckResult:
    result = CheckResult()
    tags = {tag for group in load_phenomena().values() for tag in group}
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
    result.stats = corpus_stats(rows_by_split)
    result.stats["cross_split_near_duplicates"] = leaks
    for name, minimum in MINIMUMS.items():
        if result.stats[name] < minimum:
            result.problems.append(f"{name}: {result.stats[name]} < required {minimum}")
    return result
