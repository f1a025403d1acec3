"""Shared fixtures: small labelled splits cut from our corpus, and a tiny RoBERTa built in the test."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from threatdetect.labels import LABELS

CORPUS = Path("data/corpus")


def _take(path: Path, per_label: int, negatives: int) -> list[dict]:
    """A small split with positives of every label and plenty of negatives, in file order."""
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    rows = [r for r in rows if r["origin"] == "written"]
    picked, counts = [], dict.fromkeys(LABELS, 0)
    clean = 0
    for row in rows:
        positive = [label for label in LABELS if row[label]]
        if positive and any(counts[label] < per_label for label in positive):
            picked.append(row)
            for label in positive:
                counts[label] += 1
        elif not positive and clean < negatives:
            picked.append(row)
            clean += 1
    return picked


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    """train/dev/test JSONL files of a few hundred rows taken from the real corpus."""
    out = tmp_path_factory.mktemp("small_corpus")
    sizes = {"train": (60, 120), "dev": (25, 50), "test": (25, 50)}
    for split, (per_label, negatives) in sizes.items():
        rows = _take(CORPUS / f"{split}.jsonl", per_label, negatives)
        with (out / f"{split}.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return out


@pytest.fixture(scope="session")
def tiny_roberta(tmp_path_factory, small_corpus) -> Path:
    """A randomly initialised 2-layer RoBERTa with a byte-level BPE tokenizer trained on corpus text."""
    from random_roberta import TINY, build_random_roberta
    from transformers import AutoTokenizer

    texts = [json.loads(line)["text"] for line in (small_corpus / "train.jsonl").open(encoding="utf-8")]
    directory = build_random_roberta(texts, tmp_path_factory.mktemp("tiny_roberta"), TINY, vocab_size=600)
    assert AutoTokenizer.from_pretrained(directory).vocab_size > 300, "the trained tokenizer must be in use"
    return directory


def trained_model(config_path: str, out: Path, small_corpus: Path, overrides: Sequence[str] = ()) -> Path:
    """Train `config_path` on the small corpus into `out`, as the CLI would."""
    from threatdetect.training.config import load_config
    from threatdetect.training.train import train

    data = [
        f"data.train={small_corpus / 'train.jsonl'}",
        f"data.dev={small_corpus / 'dev.jsonl'}",
        f"data.test={small_corpus / 'test.jsonl'}",
        f"output_dir={out}",
    ]
    return train(load_config(config_path, [*data, *overrides])).output_dir


# One trained model of each kind per session: tests that only need *a* trained model share these
# instead of training their own.
@pytest.fixture(scope="session")
def linear_model_dir(tmp_path_factory, small_corpus) -> Path:
    """A linear model (configs/linear.yaml) trained in seconds on the small corpus."""
    return trained_model("configs/linear.yaml", tmp_path_factory.mktemp("linear_model"), small_corpus)


@pytest.fixture(scope="session")
def tiny_transformer_dir(tmp_path_factory, small_corpus, tiny_roberta) -> Path:
    """A transformer (configs/tiny.yaml on the tiny RoBERTa) trained in seconds; its scores mean nothing."""
    out = tmp_path_factory.mktemp("tiny_transformer")
    return trained_model("configs/tiny.yaml", out, small_corpus, [f"transformer.base_model={tiny_roberta}"])
