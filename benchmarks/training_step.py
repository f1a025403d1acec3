"""Seconds per training step of the default transformer stage, per LoRA dropout, on the same batches.

    python benchmarks/training_step.py                       # LoRA dropout 0.1 (baseline) vs 0.0
    python benchmarks/training_step.py --dropouts 0.1 0.05 0.0 --rounds 6

The measure behind `transformer.lora.dropout` in `configs/default.yaml`. On CPU, a dropout layer
spends its time drawing random numbers, and peft gives every adapted layer its own dropout on its
input (72 of them for e5-small with the default target modules), so the adapters' dropout is a large
share of a step. The script builds the default's model once per dropout (same seed, same LoRA
initialisation), draws training batches the way the trainer does (messages of similar length
together, padded to the longest), and runs the same batches through every model, forward, backward
and an optimizer step, in interleaved rounds so that the machine's noise falls on every variant
alike. Prints seconds per step and the ratio to the first dropout (the baseline, measured in the
same run); writes benchmarks/results/training_step.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from bench_scoring import cpu_flags, cpu_model

from threatdetect.modeling.transformer import prepare_texts
from threatdetect.normalize import Normalizer, NormalizerSettings
from threatdetect.training.config import load_config
from threatdetect.training.data import load_splits
from threatdetect.training.transformer_trainer import build_model

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "training_step.json"


def length_grouped_batches(lengths: np.ndarray, batch_size: int, count: int, seed: int) -> list[np.ndarray]:
    """`count` batches of neighbours in length order, from random places (as the trainer's sampler)."""
    order = np.argsort(lengths, kind="stable")
    starts = np.random.default_rng(seed).integers(0, len(order) - batch_size, size=count)
    return [order[start : start + batch_size] for start in starts]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "default.yaml")
    parser.add_argument("--dropouts", type=float, nargs="+", default=[0.1, 0.0])
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds per dropout")
    parser.add_argument("--steps", type=int, default=6, help="timed steps per round")
    args = parser.parse_args()

    config = load_config(args.config)
    settings = config.transformer
    train = load_splits(config.data)["train"]
    normalizer = Normalizer(NormalizerSettings.from_dict(config.normalizer))
    models = {}
    for dropout in args.dropouts:
        torch.manual_seed(config.seed)
        variant = config.model_copy(deep=True)
        variant.transformer.lora.dropout = dropout
        model, tokenizer = build_model(variant)
        model.train()
        optimizer = torch.optim.AdamW(
            [p for p in model.parameters() if p.requires_grad], lr=settings.learning_rate
        )
        models[dropout] = (model, optimizer)
    texts = prepare_texts(train.texts, normalizer, settings.text_prefix)
    encoded = tokenizer(texts, truncation=True, max_length=settings.max_length)
    lengths = np.array([len(ids) for ids in encoded["input_ids"]])
    batches = length_grouped_batches(lengths, settings.batch_size, args.rounds * args.steps + 1, config.seed)

    def padded(rows: np.ndarray) -> dict[str, torch.Tensor]:
        chosen = {key: [encoded[key][i] for i in rows] for key in ("input_ids", "attention_mask")}
        return tokenizer.pad(chosen, return_tensors="pt")

    def step(model, optimizer, batch) -> None:
        logits = model(**batch).logits
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.full_like(logits, 0.5))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    warm = padded(batches[0])
    for model, optimizer in models.values():
        step(model, optimizer, warm)
    seconds = dict.fromkeys(args.dropouts, 0.0)
    for round_ in range(args.rounds):
        timed = [padded(rows) for rows in batches[1 + round_ * args.steps : 1 + (round_ + 1) * args.steps]]
        for dropout, (model, optimizer) in models.items():
            started = time.perf_counter()
            for batch in timed:
                step(model, optimizer, batch)
            seconds[dropout] += time.perf_counter() - started
    steps = args.rounds * args.steps
    baseline = args.dropouts[0]
    rows = [
        {
            "lora_dropout": dropout,
            "seconds_per_step": round(total / steps, 3),
            "ratio_to_baseline": round(total / seconds[baseline], 3),
        }
        for dropout, total in seconds.items()
    ]
    print(f"{steps} steps of batch {settings.batch_size} per variant, {torch.get_num_threads()} threads")
    print("| LoRA dropout | s per step | time vs dropout", baseline, "|")
    print("|---|---|---|")
    for row in rows:
        print(f"| {row['lora_dropout']} | {row['seconds_per_step']} | {row['ratio_to_baseline']:.2f}x |")
    flags = cpu_flags()
    RESULTS.write_text(
        json.dumps(
            {
                "config": str(args.config.resolve().relative_to(ROOT)),
                "steps": steps,
                "batch_size": settings.batch_size,
                "threads": torch.get_num_threads(),
                "cpu": cpu_model(),
                "cpu_flags": {name: present for name, present in flags.items()},
                "python": platform.python_version(),
                "torch": torch.__version__,
                "rows": rows,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"written: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
