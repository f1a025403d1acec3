"""Train the candidate models that `configs/default.yaml` is chosen against; write one row per run.

    python benchmarks/model_comparison.py                 # every candidate, results/model_comparison.json
    python benchmarks/model_comparison.py --only "linear TF-IDF stage alone"   # one candidate
    python benchmarks/model_comparison.py --update-card models/default        # card from recorded rows

Each candidate is `configs/default.yaml` with a few settings changed, trained on the same corpus into
a temporary folder that is removed afterwards. The default model's own training run adds its rows
(second stage gated and blended) to its model card, next to these, and the card applies the choice
rule of `threatdetect.training.comparison` (dev figures only; the challenge set is only reported).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import tempfile
import time
from pathlib import Path

from threatdetect.modeling.model_dir import ModelConfig
from threatdetect.training.comparison import summary_row
from threatdetect.training.config import load_config
from threatdetect.training.train import train

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "model_comparison.json"
CANDIDATES: dict[str, list[str]] = {
    "linear TF-IDF stage alone": ["model=linear"],
    "LoRA r16, 2 epochs, gated (v1 set-up, shorter)": [
        "transformer.epochs=2",
        "transformer.label_smoothing=0.0",
        "cascade.combine=gate",
    ],
    "full fine-tuning (embeddings frozen), 1 epoch, gated": [
        "transformer.epochs=1",
        "transformer.lora.enabled=false",
        "transformer.freeze_embeddings=true",
        "transformer.learning_rate=5e-5",
        "transformer.label_smoothing=0.0",
        "cascade.combine=gate",
    ],
}


def run(name: str, overrides: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="threatdetect-candidate-") as folder:
        config = load_config(
            str(ROOT / "configs" / "default.yaml"),
            [*overrides, f"output_dir={folder}/model", "comparison=null"],
        )
        started = time.perf_counter()
        result = train(config)
        seconds = round(time.perf_counter() - started, 1)
        row = summary_row(name, result.metrics, seconds)
        # The corpus grows between runs: each row says how many training messages it saw (the
        # number the model card gives this run's own rows).
        row["train_messages"] = ModelConfig.load(result.output_dir).training.get("train_size")
        shutil.rmtree(folder, ignore_errors=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=sorted(CANDIDATES), action="append", help="Run only these.")
    parser.add_argument(
        "--update-card",
        type=Path,
        metavar="MODEL_DIR",
        help="Train nothing; rewrite MODEL_DIR's card (trained by configs/default.yaml) with the recorded rows.",
    )
    args = parser.parse_args()
    if args.update_card:
        from threatdetect.training.model_card import write_model_card

        config = load_config(str(ROOT / "configs" / "default.yaml"))
        config.source = "configs/default.yaml"
        print(f"written: {write_model_card(args.update_card, ModelConfig.load(args.update_card), config)}")
        return
    logging.basicConfig(level=logging.WARNING)
    previous = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {"runs": []}
    rows = {row["name"]: row for row in previous["runs"]}
    for name in args.only or CANDIDATES:
        print(f"training candidate: {name}", flush=True)
        rows[name] = run(name, CANDIDATES[name])
        print(json.dumps(rows[name]), flush=True)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({"runs": [rows[n] for n in CANDIDATES if n in rows]}, indent=2) + "\n")
    print(f"written: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
