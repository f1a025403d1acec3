"""Real-form dumps for benchmarks, drawn from the held-out test split of our corpus.

Corpus v2 is written in real form (short replies, emoji, @mentions, links, typos, ALL CAPS, Flemish),
so its messages are used as they are, not cut or joined. Only the test split is used: the linear
stage has seen the training split, and a gate measured on texts it memorised would pass fewer
messages than it does on a real dump. The dev split stays for tuning the gate.

- `stream`: the stream the default thresholds are tuned for (`threatdetect.evaluation.prevalence`):
  3% flagged, and of the harmless messages 80% everyday ones (tagged as ordinary: short replies,
  neutral posts, topic opinions...) and 20% hard negatives (insults, identity mentions, counter-speech,
  idioms);
- `stream_uniform`: 3% flagged, the harmless messages drawn from all harmless test messages alike, so
  about half of them are hard negatives (the benchmark's stream until the mix above was used);
- `harsh`: 40% flagged, a dump that is mostly abuse (a politician after a viral moment).

The test split has about 1,500 harmless messages, so a 50,000-message dump repeats each of them many
times; `distinct_share` says how many texts are distinct. The benchmark scores repeats again unless
it measures deduplication on purpose. The result is deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

from threatdetect.evaluation.prevalence import HARD_NEGATIVE_SHARE, STREAM_PREVALENCE
from threatdetect.evaluation.slices import ORDINARY_TAGS

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
FLAGGED_SHARE = {"stream": STREAM_PREVALENCE, "stream_uniform": STREAM_PREVALENCE, "harsh": 0.40}
#: Share of hard negatives among the harmless messages; None: as they come in the test split.
HARD_SHARE = {"stream": HARD_NEGATIVE_SHARE, "stream_uniform": None, "harsh": None}


def _texts(split: str = "test") -> tuple[list[str], list[str], list[str]]:
    """Ordinary harmless, hard-negative harmless and flagged texts of a split."""
    ordinary, hard, flagged = [], [], []
    with (CORPUS / f"{split}.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row["hate"] or row["intimidation"]:
                flagged.append(row["text"])
            else:
                (ordinary if ORDINARY_TAGS & set(row["phenomena"]) else hard).append(row["text"])
    return ordinary, hard, flagged


def messages(n: int, seed: int = 7, kind: str = "stream") -> Iterator[str]:
    rng = random.Random(seed)
    ordinary, hard, flagged = _texts()
    share, hard_share = FLAGGED_SHARE[kind], HARD_SHARE[kind]
    harmless = ordinary + hard
    for _ in range(n):
        if rng.random() < share:
            yield rng.choice(flagged)
        elif hard_share is None:
            yield rng.choice(harmless)
        else:
            yield rng.choice(hard if rng.random() < hard_share else ordinary)


def distinct_share(texts: list[str]) -> float:
    return len(set(texts)) / max(len(texts), 1)


def write_dump(path: Path, n: int, seed: int = 7, kind: str = "stream") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for index, text in enumerate(messages(n, seed, kind), start=1):
            handle.write(json.dumps({"id": f"m{index}", "text": text}, ensure_ascii=False) + "\n")
    return path
