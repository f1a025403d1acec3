"""Any-flag precision and recall on dev at a realistic prevalence: the current default against a previous one.

    python benchmarks/dev_stream_precision.py                # against the previous default (round 8, no LoRA dropout)
    python benchmarks/dev_stream_precision.py --commit REV   # against the default shipped at REV

This is the measure behind the threat labels' recall floor in `configs/default.yaml`
(`thresholds.min_recall`): the floor is the highest of 0.8 / 0.85 / 0.9 at which the default's
precision at 3% is at least 0.5; the previous default's figures on the same dev show what a change
cost. Both models score every dev message with both stages, blended with their own weight (as the
card's comparison table does, no gate), each at its own default thresholds; dev is reweighted to a
stream with 3% and 10% flagged messages. Writes benchmarks/results/dev_stream_precision.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from previous_model import extract_model, short_commit

from threatdetect.corpus.sources import ORDINARY_TAGS
from threatdetect.evaluation.prevalence import stream_metrics
from threatdetect.labels import LABELS
from threatdetect.modeling.cascade import blend
from threatdetect.modeling.loader import load_model
from threatdetect.modeling.model_dir import ModelConfig

ROOT = Path(__file__).resolve().parents[1]
#: The last commit whose models/default was the round-8 corpus default without LoRA dropout (seed 14,
#: blend weight 0.5, gate share 0.997).
PREVIOUS_COMMIT = "677c79d"
RESULTS = ROOT / "benchmarks" / "results" / "dev_stream_precision.json"
DEV = ROOT / "data" / "corpus" / "dev.jsonl"
PREVALENCES = (0.03, 0.10)


def stream_figures(model_dir: Path, texts: list[str], labels: np.ndarray, ordinary: list[bool]) -> dict:
    model = load_model(model_dir, precision="fp32")
    config = ModelConfig.load(model_dir)
    weight = float(config.components.get("blend_weight", 1.0))
    scores = blend(model.linear.predict_proba(texts), model.transformer.predict_proba(texts), weight)
    out = {"thresholds": config.thresholds, "blend_weight": weight}
    for prevalence in PREVALENCES:
        any_flag = stream_metrics(scores, labels, config.thresholds, ordinary, prevalence)["any_flag"]
        out[f"{prevalence:.0%}"] = {"precision": any_flag["precision"], "recall": any_flag["recall"]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--commit", default=PREVIOUS_COMMIT, help="git revision whose models/default to compare with"
    )
    args = parser.parse_args()
    commit = short_commit(args.commit)
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [row["text"] for row in rows]
    labels = np.array([[row[label] for label in LABELS] for row in rows])
    ordinary = [bool(set(row["phenomena"]) & ORDINARY_TAGS) for row in rows]
    with tempfile.TemporaryDirectory(prefix="threatdetect-previous-") as folder:
        previous = stream_figures(extract_model(commit, Path(folder)), texts, labels, ordinary)
    current = stream_figures(ROOT / "models" / "default", texts, labels, ordinary)
    result = {"dev_messages": len(rows), "previous_commit": commit, "previous": previous, "current": current}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"dev: {len(rows)} messages, blended scores of both stages, any flag")
    print(
        f"| prevalence | previous default ({commit}) precision / recall | current default precision / recall |"
    )
    print("|---|---|---|")
    for key in (f"{p:.0%}" for p in PREVALENCES):
        before, now = previous[key], current[key]
        print(
            f"| {key} | {before['precision']:.3f} / {before['recall']:.3f} | {now['precision']:.3f} / {now['recall']:.3f} |"
        )
    print(f"written: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
