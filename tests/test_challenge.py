"""The blind challenge set: counts, label sanity per category, and independence from the corpus."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from threatdetect.corpus.challenge import (
    CATEGORIES,
    MAX_SIMILARITY,
    MIN_CASES,
    MIN_PER_CATEGORY,
    ChallengeError,
    challenge_problems,
    load_challenge,
)
from threatdetect.corpus.similarity import similar_pairs

CHALLENGE = Path("data/challenge")


@pytest.fixture(scope="module")
def cases():
    return load_challenge(CHALLENGE)


@pytest.fixture(scope="module")
def corpus():
    return [
        json.loads(line)["text"]
        for split in ("train", "dev", "test")
        for line in Path(f"data/corpus/{split}.jsonl").read_text(encoding="utf-8").splitlines()
    ]


def test_counts_per_category(cases):
    assert len(cases) >= MIN_CASES
    counts = Counter(case.category for case in cases)
    assert set(counts) == set(CATEGORIES)
    assert min(counts.values()) >= MIN_PER_CATEGORY


def test_no_case_is_near_a_corpus_or_suite_line(cases, corpus):
    suite = [
        line.split("\t")[-1] for line in Path("data/functional/suite.tsv").read_text("utf-8").splitlines()[1:]
    ]
    texts = [case.text for case in cases]
    close = list(similar_pairs(texts, corpus + suite, threshold=MAX_SIMILARITY))
    assert not close, [(texts[i], (corpus + suite)[j]) for i, j, _ in close[:3]]


def test_the_whole_check_passes(cases, corpus):
    assert challenge_problems(cases, corpus) == []


def test_challenge_problems_catch_a_leaked_case_and_a_wrong_label(tmp_path):
    (tmp_path / "a.tsv").write_text(
        "category\tlabels\ttarget_gender\ttext\n"
        "short_reply\tDI\t-\tga dood\n"
        "direct_threat\tDI\tf\tik weet waar je woont wethouder en ik kom je halen\n",
        encoding="utf-8",
    )
    problems = challenge_problems(
        load_challenge(tmp_path), ["ik weet waar je woont wethouder en ik kom je halen!"]
    )
    assert any("short_reply case must be unflagged" in p for p in problems)
    assert any("within Jaccard" in p for p in problems)


def test_malformed_lines_name_file_line_and_field(tmp_path):
    (tmp_path / "a.tsv").write_text(
        "category\tlabels\ttarget_gender\ttext\nnonsense\t-\t-\thoi\n", encoding="utf-8"
    )
    with pytest.raises(ChallengeError, match=r"a.tsv: line 2: field 'category'"):
        load_challenge(tmp_path)
