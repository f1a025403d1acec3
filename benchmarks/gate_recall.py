"""How many flags the cascade's tuned gate loses on messages it was not tuned on, per `min_flag_recall`.

    python benchmarks/gate_recall.py                    # the shipped default
    python benchmarks/gate_recall.py --model DIR

The measure behind `cascade.min_flag_recall` in `configs/default.yaml`. Split-half on dev: dev is
cut in two at random (20 times); the gate is tuned on one half at the model's default thresholds and
each candidate share, and the other half counts the messages the full blended model flags that the
cascade then leaves unflagged, and the messages whose labels differ between the two. The rule: the
lowest share at which the held-out half never loses more than the speed benchmark's 1% of flags and
always keeps its 99% identical labels (the benchmark's two label bounds, measured there on the test
split). The shares are tested with the flag gate the model was shipped with (tuned on all of dev).

A second table tests the flag gate's bound (`cascade.flag_gate_max_changed`) the same way: both gates
are tuned on one half (the gate at the model's own `min_flag_recall`), and the other half counts the
identical labels, so the flag gate is not measured on messages it was tuned on.
Writes benchmarks/results/gate_recall.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from bench_scoring import GOALS

from threatdetect.evaluation.metrics import apply_thresholds
from threatdetect.labels import LABELS
from threatdetect.modeling.base import normalized
from threatdetect.modeling.cascade import CascadeModel, blend, tune_flag_gate, tune_gate

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "gate_recall.json"
DEV = ROOT / "data" / "corpus" / "dev.jsonl"
SHARES = (0.99, 0.993, 0.995, 0.997, 0.999)
FLAG_GATE_BOUNDS = (0.001, 0.002, 0.003, 0.005)
SPLITS = 20
#: The speed benchmark's bounds: the share of flags the cascade may lose, and of identical labels.
MAX_LOST = GOALS["flags_lost"]
MIN_IDENTICAL = GOALS["agreement"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    args = parser.parse_args()
    model = CascadeModel.load(args.model, device="cpu", precision="fp32")
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = normalized(model.normalizer, [row["text"] for row in rows])
    linear = model.linear.predict_proba(texts)
    transformer = model.transformer.predict_proba(texts)
    blended = blend(linear, transformer, model.blend_weight)
    thresholds = model.config.thresholds
    threshold_array = np.asarray([thresholds[label] for label in LABELS], dtype=np.float32)
    flagged = apply_thresholds(blended, thresholds)

    result = {"model": str(args.model), "dev_messages": len(rows), "splits": SPLITS, "shares": {}}
    print(f"dev: {len(rows)} messages; gate tuned on one half, flags lost on the other ({SPLITS} splits)")
    print("| min_flag_recall | held-out flags lost, mean | max | identical labels, mean | min |")
    print("|---|---|---|---|---|")
    for share in SHARES:
        lost, identical = [], []
        for tune, held in halves(len(rows)):
            model.gates = [(tune_gate(linear[tune], flagged[tune], share), threshold_array)]
            held_lost, held_identical = replay(model, linear, blended, flagged, thresholds, held)
            lost.append(held_lost)
            identical.append(held_identical)
        row = result["shares"][str(share)] = summary(lost, identical)
        print(
            f"| {share} | {row['mean_lost']:.2%} | {row['max_lost']:.2%} "
            f"| {row['mean_identical']:.2%} | {row['min_identical']:.2%} |"
        )
    passing = [
        share
        for share, row in zip(SHARES, result["shares"].values(), strict=True)
        if row["max_lost"] <= MAX_LOST and row["min_identical"] >= MIN_IDENTICAL
    ]
    result["lowest_passing"] = min(passing) if passing else None
    print(
        f"lowest share whose held-out half never lost more than {MAX_LOST:.0%} of flags and never had "
        f"under {MIN_IDENTICAL:.0%} identical labels: {result['lowest_passing']}"
    )
    result["flag_gate_bounds"] = flag_gate_bounds(model, linear, transformer, blended, flagged, thresholds)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written: {RESULTS.relative_to(ROOT)}")


def halves(n: int):
    """The SPLITS random split-halves of n messages, as (tune, held) index arrays (seeds 0, 1, ...)."""
    for seed in range(SPLITS):
        order = np.random.default_rng(seed).permutation(n)
        yield order[: n // 2], order[n // 2 :]


def replay(
    model: CascadeModel,
    linear: np.ndarray,
    blended: np.ndarray,
    flagged: np.ndarray,
    thresholds: dict[str, float],
    held: np.ndarray,
) -> tuple[float, float]:
    """The cascade's labels on the `held` messages with the model's current gates, against the full
    blended model's: the share of its flagged messages left unflagged, and the share of messages with
    identical labels."""
    threshold_array = np.asarray([thresholds[label] for label in LABELS], dtype=np.float32)
    send, first = model.first_stage(linear[held], threshold_array)
    labels = apply_thresholds(np.where(send[:, None], blended[held], first), thresholds)
    full_any, kept = flagged[held].any(axis=1), labels.any(axis=1)
    lost = float((full_any & ~kept).sum() / max(full_any.sum(), 1))
    return lost, float((labels == flagged[held]).all(axis=1).mean())


def flag_gate_bounds(
    model: CascadeModel,
    linear: np.ndarray,
    transformer: np.ndarray,
    blended: np.ndarray,
    flagged: np.ndarray,
    thresholds: dict[str, float],
) -> dict[str, dict[str, float]]:
    """Held-out identical labels and flags lost per flag-gate bound, both gates tuned on the other half."""
    threshold_array = np.asarray([thresholds[label] for label in LABELS], dtype=np.float32)
    share = model.config.training["config"]["cascade"]["min_flag_recall"]
    print(f"flag gate bound, both gates tuned on one half (gate share {share}), labels on the other:")
    print("| flag_gate_max_changed | flag gate, mean | identical labels, mean | min | flags lost, max |")
    print("|---|---|---|---|---|")
    results = {}
    for bound in FLAG_GATE_BOUNDS:
        gates, identical, lost = [], [], []
        for tune, held in halves(len(flagged)):
            model.flag_gate = tune_flag_gate(
                linear[tune], transformer[tune], threshold_array, model.blend_weight, bound
            )
            model.gates = [(tune_gate(linear[tune], flagged[tune], share), threshold_array)]
            held_lost, held_identical = replay(model, linear, blended, flagged, thresholds, held)
            gates.append(model.flag_gate)
            identical.append(held_identical)
            lost.append(held_lost)
        row = results[str(bound)] = {"mean_flag_gate": float(np.mean(gates)), **summary(lost, identical)}
        print(
            f"| {bound} | {row['mean_flag_gate']:.3f} | {row['mean_identical']:.2%} "
            f"| {row['min_identical']:.2%} | {row['max_lost']:.2%} |"
        )
    return results


def summary(lost: list[float], identical: list[float]) -> dict[str, float]:
    """Mean and worst case over the split-half runs: flags lost and identical labels on the held-out half."""
    return {
        "mean_lost": float(np.mean(lost)),
        "max_lost": float(np.max(lost)),
        "mean_identical": float(np.mean(identical)),
        "min_identical": float(np.min(identical)),
    }


if __name__ == "__main__":
    main()
