"""Train the candidate models that `configs/default.yaml` is chosen against; write one row per run.

    python benchmarks/model_comparison.py                 # every candidate, results/model_comparison.json
    python benchmarks/model_comparison.py --only "linear TF-IDF stage alone"   # one candidate
    python benchmarks/model_comparison.py --update-card models/default        # card from recorded rows
    python benchmarks/model_comparison.py --only NAME --from-model DIR        # row from a finished run

`--from-model` records a candidate's row from a model directory that `train.py` already wrote with
the candidate's settings (checked against the config recorded in the directory), instead of training
it again; its training time is not measured then.

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
from threatdetect.training.config import TrainConfig, load_config
from threatdetect.training.train import train

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "model_comparison.json"
CANDIDATES: dict[str, list[str]] = {
    "linear TF-IDF stage alone": ["model=linear"],
    "LoRA r16, 2 epochs, no label smoothing, gated (v1 set-up)": [
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
    # The default set-up itself with another seed: how far two runs of one recipe lie apart.
    "default set-up, seed 13 (run-to-run spread)": ["seed=13"],
}

#: Settings that say where a run's config came from and wrote its output, not how it trained.
RUN_LOCAL = ("output_dir", "comparison", "source")


def candidate_row(name: str, metrics: dict, seconds: float | None) -> dict:
    """A candidate's row. A cascade's row is its second stage on every message (no gate), as the
    default run's own rows are; its evaluation metrics are of the gated cascade and would not
    compare with them."""
    variants = metrics.get("second_stage_variants", {})
    variant = variants.get("blended") or variants.get("gated")
    if not variant:
        return summary_row(name, metrics, seconds)
    row = {key: value for key, value in variant.items() if key != "blend_weight"}
    return {**row, "name": name, "train_seconds": seconds}


def run(name: str, overrides: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="threatdetect-candidate-") as folder:
        config = load_config(
            str(ROOT / "configs" / "default.yaml"),
            [*overrides, f"output_dir={folder}/model", "comparison=null"],
        )
        started = time.perf_counter()
        result = train(config)
        seconds = round(time.perf_counter() - started, 1)
        row = candidate_row(name, result.metrics, seconds)
        # The corpus grows between runs: each row says how many training messages it saw (the
        # number the model card gives this run's own rows).
        row["train_messages"] = ModelConfig.load(result.output_dir).training.get("train_size")
        shutil.rmtree(folder, ignore_errors=True)
    return row


def _as_recorded(config: TrainConfig) -> dict:
    """A config as a model directory records it: JSON, so tuples become lists and paths strings."""
    return json.loads(json.dumps(config.to_dict(), default=str))


def row_from_model(name: str, model_dir: Path) -> dict:
    """The candidate's row from a directory `train.py` wrote with exactly the candidate's settings."""
    model_config = ModelConfig.load(model_dir)
    expected = _as_recorded(load_config(str(ROOT / "configs" / "default.yaml"), CANDIDATES[name]))
    recorded = dict(model_config.training.get("config") or {})
    if recorded:
        # Settings added since the run was recorded take their defaults, as the run had them.
        recorded = _as_recorded(TrainConfig.model_validate(recorded))
    for key in RUN_LOCAL:
        expected.pop(key, None)
        recorded.pop(key, None)
    if recorded != expected:
        differ = sorted(k for k in expected.keys() | recorded.keys() if expected.get(k) != recorded.get(k))
        raise SystemExit(f"{model_dir} was not trained with the settings of '{name}' (differs in: {differ})")
    train_file = ROOT / expected["data"]["train"]
    with train_file.open(encoding="utf-8") as handle:
        train_rows = sum(1 for line in handle if line.strip())
    if model_config.training.get("train_size") != train_rows:
        raise SystemExit(
            f"{model_dir} saw {model_config.training.get('train_size')} training messages; "
            f"{train_file.relative_to(ROOT)} has {train_rows}: it was trained on another corpus"
        )
    row = candidate_row(name, model_config.metrics, None)
    row["train_messages"] = model_config.training.get("train_size")
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
    parser.add_argument(
        "--from-model",
        type=Path,
        metavar="MODEL_DIR",
        help="With one --only: record that candidate's row from MODEL_DIR instead of training it.",
    )
    args = parser.parse_args()
    if args.from_model and len(args.only or []) != 1:
        parser.error("--from-model needs exactly one --only")
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
        print(f"{'reading' if args.from_model else 'training'} candidate: {name}", flush=True)
        rows[name] = row_from_model(name, args.from_model) if args.from_model else run(name, CANDIDATES[name])
        print(json.dumps(rows[name]), flush=True)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({"runs": [rows[n] for n in CANDIDATES if n in rows]}, indent=2) + "\n")
    print(f"written: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
