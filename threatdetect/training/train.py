"""`train(config)`: the one function behind `python train.py` and `threatdetect train`.

corpus -> fit (linear, transformer or both for the cascade) -> thresholds tuned on dev ->
evaluation on test and the functional suite -> model directory with config, weights and card.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from threatdetect import __version__
from threatdetect.corpus.challenge import ChallengeCase, load_challenge
from threatdetect.evaluation.analysis import analyse, write_plots
from threatdetect.evaluation.functional import FunctionalSuite, load_functional_suite
from threatdetect.evaluation.metrics import apply_thresholds, evaluate
from threatdetect.evaluation.slices import RowInfo
from threatdetect.labels import LABELS
from threatdetect.modeling.cascade import LINEAR_SUBDIR, CascadeModel, blend, tune_flag_gate, tune_gate
from threatdetect.modeling.linear import LinearModel, fit_linear
from threatdetect.modeling.model_dir import ModelConfig
from threatdetect.normalize import NormalizerSettings
from threatdetect.training.comparison import challenge_rows, scored_set_metrics, summary_row
from threatdetect.training.config import ConfigError, TrainConfig
from threatdetect.training.data import LabelledSplit, load_splits
from threatdetect.training.model_card import FIGURES_DIR, write_model_card
from threatdetect.training.thresholds import (
    DEFAULT_PRESET,
    threshold_presets,
    tune_blend_weight,
)

logger = logging.getLogger(__name__)


@dataclass
class TrainResult:
    output_dir: Path
    metrics: dict[str, Any]


def _phenomena(split: LabelledSplit) -> list[list[str]] | None:
    values = split.extra.get("phenomena")
    if values is None:
        return None
    return [list(v) if isinstance(v, list) else [t for t in str(v).split(",") if t] for v in values]


def _row_info(split: LabelledSplit) -> list[RowInfo]:
    phenomena = _phenomena(split) or [[] for _ in split.texts]
    genders = split.extra.get("target_gender") or [None] * len(split.texts)
    return [
        RowInfo(text, frozenset(tags), None, gender)
        for text, tags, gender in zip(split.texts, phenomena, genders, strict=True)
    ]


def _evaluate_model(
    model,
    splits: dict[str, LabelledSplit],
    thresholds: dict[str, float],
    suite: FunctionalSuite | None,
    challenge: list[ChallengeCase] | None = None,
    figures: Path | None = None,
):
    """Metrics per set; dev, test and the challenge set also get bias, slices, calibration and stream
    precision (`evaluation/analysis.py`), and test and the challenge set their figures in `figures`.
    The challenge set is only reported, never used to choose."""
    results: dict[str, Any] = {}
    for name in ("dev", "test"):
        split = splits.get(name)
        if split is None:
            continue
        phenomena = _phenomena(split)
        groups = {"phenomenon": phenomena} if phenomena else None
        probabilities = model.predict_proba(split.texts)
        results[name] = evaluate(probabilities, split.labels, thresholds, groups).to_dict()
        results[name]["analysis"] = analyse(probabilities, split.labels, thresholds, _row_info(split))
        if figures is not None and name == "test":
            write_plots(probabilities, split.labels, figures, name)
    if suite is not None:
        report = evaluate(
            model.predict_proba(suite.texts),
            suite.labels,
            thresholds,
            {"capability": [[c] for c in suite.capabilities]},
        )
        results["functional"] = report.to_dict()
    if challenge:
        labels, rows = challenge_rows(challenge)
        probabilities = model.predict_proba([case.text for case in challenge])
        report = evaluate(probabilities, labels, thresholds, {"category": [[c.category] for c in challenge]})
        results["challenge"] = report.to_dict()
        results["challenge"]["analysis"] = analyse(probabilities, labels, thresholds, rows)
        if figures is not None:
            write_plots(probabilities, labels, figures, "challenge")
    return results


def _second_stage_variants(
    config, linear, transformer, splits, challenge, linear_dev, transformer_dev, weight
):
    """Comparison rows from this run: the second stage gated (transformer alone) and blended.

    Both score every message with the second stage (no gate), each with thresholds tuned on dev.
    """
    sets = {"dev": splits["dev"]}
    if "test" in splits:
        sets["test"] = splits["test"]
    linear_scores = {"dev": linear_dev}
    transformer_scores = {"dev": transformer_dev}
    labels = {name: split.labels for name, split in sets.items()}
    rows = {name: _row_info(split) for name, split in sets.items()}
    if "test" in sets:
        linear_scores["test"] = linear.predict_proba(sets["test"].texts)
        transformer_scores["test"] = transformer.predict_proba(sets["test"].texts)
    if challenge:
        texts = [case.text for case in challenge]
        labels["challenge"], rows["challenge"] = challenge_rows(challenge)
        linear_scores["challenge"] = linear.predict_proba(texts)
        transformer_scores["challenge"] = transformer.predict_proba(texts)
    variants = {}
    for name, w in (("gated", 1.0), ("blended", weight)):
        if name == "blended" and w >= 1.0:
            continue
        scores = {k: blend(linear_scores[k], transformer_scores[k], w) for k in linear_scores}
        presets = threshold_presets(scores["dev"], splits["dev"], config.thresholds)
        metrics = scored_set_metrics(scores, labels, rows, presets[DEFAULT_PRESET])
        variants[name] = {"blend_weight": w, **summary_row(name, metrics, None)}
    return variants


def _set_thresholds(
    model_config: ModelConfig, dev_probabilities: np.ndarray, dev: LabelledSplit, config: TrainConfig
) -> None:
    model_config.threshold_presets = threshold_presets(dev_probabilities, dev, config.thresholds)
    model_config.thresholds = dict(model_config.threshold_presets[DEFAULT_PRESET])


def _base_config(config: TrainConfig, kind: str, splits: dict[str, LabelledSplit]) -> ModelConfig:
    normalizer = NormalizerSettings.from_dict(config.normalizer).to_dict()
    bad_rows = sum(len(split.bad_rows) for split in splits.values())
    training = {
        "config": config.to_dict(),
        "threatdetect_version": __version__,
        "train_size": len(splits["train"]),
        "dev_size": len(splits["dev"]),
        "test_size": len(splits["test"]) if "test" in splits else 0,
        "rejected_rows": bad_rows,
        "data_sha256": {name: split.fingerprint() for name, split in splits.items()},
        "seed": config.seed,
    }
    return ModelConfig(name=config.name, kind=kind, normalizer=normalizer, training=training)


def _train_linear(config: TrainConfig, splits: dict[str, LabelledSplit], output_dir: Path) -> LinearModel:
    started = time.perf_counter()
    model_config = _base_config(config, "linear", splits)
    model_config.backbone = {
        "type": "tfidf-word-char+lexicon",
        "classifier": "calibrated logistic regression",
    }
    model = fit_linear(
        splits["train"].texts, splits["train"].labels, config.linear, model_config, config.seed
    )
    _set_thresholds(model_config, model.predict_proba(splits["dev"].texts), splits["dev"], config)
    model_config.training["train_seconds"] = round(time.perf_counter() - started, 1)
    model.save(output_dir)
    return model


def _train_transformer_model(config: TrainConfig, splits, output_dir: Path, kind: str):
    from threatdetect.modeling.transformer import TransformerModel
    from threatdetect.training.transformer_trainer import train_transformer

    started = time.perf_counter()
    model_config = _base_config(config, kind, splits)
    settings = config.transformer
    model_config.backbone = {
        "base_model": settings.base_model,
        "lora": settings.lora.enabled,
        "max_length": settings.max_length,
        "text_prefix": settings.text_prefix,
        "batch_size": settings.eval_batch_size,
    }
    train_transformer(config, splits, output_dir)
    model_config.training["train_seconds"] = round(time.perf_counter() - started, 1)
    model_config.save(output_dir)
    model = TransformerModel.load(output_dir, model_config, device=settings.device)
    dev_probabilities = model.predict_proba(splits["dev"].texts)
    _set_thresholds(model_config, dev_probabilities, splits["dev"], config)
    model.config = model_config
    return model, model_config, dev_probabilities


#: Config sections that decide the trained stages; `reuse` requires them unchanged (and the same
#: train and dev data: dev picks the transformer's best epoch).
STAGE_SECTIONS = ("model", "seed", "normalizer", "linear", "transformer")
#: Transformer settings that only say where and how fast it runs.
RUNTIME_SETTINGS = ("device", "eval_batch_size")


def _gate_at(
    thresholds: dict[str, float], linear_dev: np.ndarray, combined_dev: np.ndarray, min_flag_recall: float
) -> float:
    """The cascade gate that keeps `min_flag_recall` of the dev messages flagged at `thresholds`."""
    return tune_gate(linear_dev, apply_thresholds(combined_dev, thresholds), min_flag_recall)


def _reuse_stages(
    config: TrainConfig,
    splits: dict[str, LabelledSplit],
    source: Path,
    source_config: ModelConfig,
    output_dir: Path,
):
    """The trained stages of the cascade in `source`, copied to `output_dir` and loaded.

    Only what comes after training is redone (blend weight, thresholds, gates, evaluation, card), so
    the stages must come from the same settings and the same training data as `config`.
    """
    from threatdetect.modeling.transformer import TransformerModel

    def stage_settings(settings: dict[str, Any]) -> dict[str, Any]:
        transformer = {k: v for k, v in settings.get("transformer", {}).items() if k not in RUNTIME_SETTINGS}
        return {key: transformer if key == "transformer" else settings.get(key) for key in STAGE_SECTIONS}

    recorded = stage_settings(source_config.training.get("config", {}))
    current = stage_settings(json.loads(json.dumps(config.to_dict())))  # as recorded: lists, not tuples
    changed = [key for key in STAGE_SECTIONS if recorded[key] != current[key]]
    fingerprints = source_config.training.get("data_sha256", {})
    other_data = [n for n in ("train", "dev") if fingerprints.get(n) != splits[n].fingerprint()]
    if changed or other_data:
        raise ConfigError(
            f"{source}: its stages were trained with other "
            + (f"settings ({', '.join(changed)})" if changed else f"data ({', '.join(other_data)})")
            + "; train them again instead of reusing them"
        )
    if source.resolve() != output_dir.resolve():
        if any(output_dir.iterdir()):
            raise ConfigError(f"{output_dir}: not empty; reuse stages into a new directory")
        shutil.copytree(source, output_dir, dirs_exist_ok=True)
    model_config = _base_config(config, "cascade", splits)
    model_config.backbone = source_config.backbone
    model_config.training["train_seconds"] = source_config.training.get("train_seconds")
    model_config.training["stages_reused_from"] = str(source)
    linear = LinearModel.load(output_dir / LINEAR_SUBDIR)
    transformer = TransformerModel.load(output_dir, model_config, device=config.transformer.device)
    return linear, transformer, model_config, transformer.predict_proba(splits["dev"].texts)


def train(config: TrainConfig, reuse: Path | None = None) -> TrainResult:
    """Train the configured model and write a complete model directory.

    `reuse`: a cascade directory trained from the same settings and data; its stages are kept and
    only the steps after training are redone (for a change of threshold or cascade settings).
    """
    if reuse is not None:
        if config.model != "cascade":
            raise ConfigError(f"reusing trained stages needs a cascade config, not model: {config.model}")
        reused_config = ModelConfig.load(reuse)  # a readable model directory, before anything is written
    output_dir = Path(config.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    splits = load_splits(config.data)
    for split in splits.values():
        for bad in split.bad_rows:
            logger.warning("%s: row %d rejected: %s", bad.source, bad.row, bad.reason)
    logger.info("data: %s", {name: len(split) for name, split in splits.items()})

    # DataConfig has checked that a configured functional suite exists.
    suite = load_functional_suite(config.data.functional) if config.data.functional else None
    challenge = load_challenge(Path(config.data.challenge)) if config.data.challenge else None
    if config.model == "linear":
        model = _train_linear(config, splits, output_dir)
        model_config = model.config
    elif config.model == "transformer":
        model, model_config, _ = _train_transformer_model(config, splits, output_dir, "transformer")
    else:
        if reuse is not None:
            linear, transformer, model_config, transformer_dev = _reuse_stages(
                config, splits, reuse, reused_config, output_dir
            )
        else:
            linear = _train_linear(config, splits, output_dir / LINEAR_SUBDIR)
            transformer, model_config, transformer_dev = _train_transformer_model(
                config, splits, output_dir, "cascade"
            )
        linear_dev = linear.predict_proba(splits["dev"].texts)
        weight, blend_weights = 1.0, {}
        if config.cascade.combine == "blend":
            weight, blend_weights = tune_blend_weight(
                linear_dev,
                transformer_dev,
                splits["dev"],
                config.thresholds,
                choice=config.cascade.blend_choice,
                seed=config.seed,
            )
        combined_dev = blend(linear_dev, transformer_dev, weight)
        _set_thresholds(model_config, combined_dev, splits["dev"], config)
        min_flag_recall = config.cascade.min_flag_recall
        model_config.components = {
            "linear_dir": LINEAR_SUBDIR,
            "gate": _gate_at(model_config.thresholds, linear_dev, combined_dev, min_flag_recall),
            "gate_thresholds": dict(model_config.thresholds),
            # Each preset with other thresholds gets its own gate, so every preset can use the cascade
            # and a stream scored at the default thresholds does not pay for the recall preset's.
            "preset_gates": {
                name: {
                    "gate": _gate_at(preset, linear_dev, combined_dev, min_flag_recall),
                    "thresholds": dict(preset),
                }
                for name, preset in model_config.threshold_presets.items()
                if preset != model_config.thresholds
            },
            "min_flag_recall": min_flag_recall,
            "combine": config.cascade.combine,
            "blend_weight": weight,
        }
        if blend_weights:
            model_config.metrics["blend_weights"] = {
                "choice": config.cascade.blend_choice,
                "dev": blend_weights,
            }
        if config.cascade.combine == "blend" and config.cascade.flag_gate_max_changed > 0:
            model_config.components["flag_gate"] = tune_flag_gate(
                linear_dev,
                transformer_dev,
                np.asarray([model_config.thresholds[label] for label in LABELS], dtype=np.float32),
                weight,
                config.cascade.flag_gate_max_changed,
            )
            model_config.components["flag_gate_max_changed"] = config.cascade.flag_gate_max_changed
        model = CascadeModel(model_config, linear, transformer)
        model_config.metrics["second_stage_variants"] = _second_stage_variants(
            config, linear, transformer, splits, challenge, linear_dev, transformer_dev, weight
        )
        checks = {"dev": (splits["dev"].texts, combined_dev)}
        if suite is not None:
            suite_linear = linear.predict_proba(suite.texts)
            checks["functional"] = (
                suite.texts,
                blend(suite_linear, transformer.predict_proba(suite.texts), weight),
            )
        model_config.metrics["cascade"] = cascade_agreement(model, checks)

    model_config.metrics.update(
        _evaluate_model(model, splits, model_config.thresholds, suite, challenge, output_dir / FIGURES_DIR)
    )
    model_config.save(output_dir)
    (output_dir / "evaluation.json").write_text(json.dumps(model_config.metrics, indent=2))
    write_model_card(output_dir, model_config, config)
    return TrainResult(output_dir, model_config.metrics)


def cascade_agreement(model: CascadeModel, checks: dict[str, tuple[list[str], np.ndarray]]) -> dict[str, Any]:
    """How many of the transformer's flags the cascade keeps, and how much work the gate saves.

    `checks` maps a set name to its texts and the transformer's own probabilities for them.
    """
    out = {}
    thresholds = model.config.thresholds
    for name, (texts, transformer_probabilities) in checks.items():
        full = apply_thresholds(transformer_probabilities, thresholds)
        output = model.predict(texts)
        cascaded = apply_thresholds(output.scores, thresholds)
        kept = {
            label: round(
                float(((full[:, i] == 1) & (cascaded[:, i] == 1)).sum() / max(full[:, i].sum(), 1)), 4
            )
            for i, label in enumerate(LABELS)
        }
        out[name] = {
            "flag_recall_vs_transformer": kept,
            "any_flag_recall_vs_transformer": round(
                float((full.any(1) & cascaded.any(1)).sum() / max(full.any(1).sum(), 1)), 4
            ),
            "sent_to_transformer": round(output.stages.get("transformer", 0) / max(len(texts), 1), 4),
            "n": len(texts),
        }
    return out


def summary_numbers(metrics: dict[str, Any]) -> dict[str, float]:
    """Macro-F1 per evaluated set, for logs and notes."""
    return {
        name: report["macro_f1"]
        for name, report in metrics.items()
        if isinstance(report, dict) and "macro_f1" in report
    }


__all__ = ["TrainResult", "summary_numbers", "train"]
