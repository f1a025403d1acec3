"""Model cards: a README.md with Hugging Face-style YAML front matter, written by training.

Every number in the card comes from the metrics of the run that produced the model directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from threatdetect.evaluation.metrics import EvaluationReport, LabelMetrics, format_report
from threatdetect.labels import LABELS
from threatdetect.modeling.model_dir import ModelConfig
from threatdetect.training.config import TrainConfig

INTENDED_USE = """\
## Intended use

Triage of messages aimed at Dutch and Flemish politicians (replies, comments, DMs) so that the people
who support them can find threats, intimidation and hate without reading everything, and report
them. The model flags; people decide and report. It is not meant for automated sanctions, profiling
of senders, or any decision about a person without human review.
"""

LIMITS = """\
## Limits

- Trained on a corpus written for this project, not collected from platforms: real messages are more
  varied, and new slang, coded language and obfuscation will be missed.
- Test-split numbers come from the same writers and style as the training data; they overestimate
  performance on real dumps. The functional suite probes specific behaviours but is small per
  capability. Independent external evaluation is what counts.
- Context outside the message (the thread, earlier messages, the sender's history) is not seen;
  veiled threats that depend on it are missed.
- Scores are not probabilities of guilt; thresholds were tuned for F1 on our dev split.
"""


def _report(data: dict[str, Any]) -> EvaluationReport:
    labels = {name: LabelMetrics(**values) for name, values in data["labels"].items()}
    return EvaluationReport(
        data["n"], labels, data["macro_f1"], data["exact_match"], data["any_flag"], data.get("by_group", {})
    )


def _front_matter(model_config: ModelConfig) -> str:
    results = []
    for split in ("test", "functional"):
        if split not in model_config.metrics:
            continue
        report = model_config.metrics[split]
        metrics = [
            {"type": "f1", "name": f"F1 {label}", "value": report["labels"][label]["f1"]} for label in LABELS
        ]
        metrics.append({"type": "f1", "name": "macro F1", "value": report["macro_f1"]})
        results.append(
            {
                "task": {"type": "text-classification", "name": "multi-label threat detection"},
                "dataset": {"type": "threatdetect-corpus", "name": f"threatdetect corpus ({split})"},
                "metrics": metrics,
            }
        )
    meta = {
        "language": ["nl"],
        "license": "apache-2.0",
        "library_name": "threatdetect",
        "pipeline_tag": "text-classification",
        "tags": ["threat-detection", "hate-speech", "dutch", "multi-label", model_config.kind],
        "base_model": model_config.backbone.get("base_model"),
        "model-index": [{"name": model_config.name, "results": results}],
    }
    if meta["base_model"] == "e5-offline":
        meta["base_model"] = "intfloat/multilingual-e5-small"
    if meta["base_model"] is None:
        del meta["base_model"]
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n"


def write_model_card(output_dir: Path, model_config: ModelConfig, config: TrainConfig) -> Path:
    training = model_config.training
    lines = [
        _front_matter(model_config),
        f"# {model_config.name}",
        "",
        config.description or f"A {model_config.kind} threatdetect model.",
        "",
        f"Labels: {', '.join(LABELS)} (multi-label; death_threat implies intimidation).",
        "",
        "## How it was made",
        "",
        f"- Command: `python train.py --config {config.source}`" if config.source else "",
        f"- Model type: {model_config.kind}; backbone: `{model_config.backbone}`",
        f"- Data: train {training['train_size']}, dev {training['dev_size']}, "
        f"test {training['test_size']} messages "
        f"from `{config.data.train}` and its siblings; rows rejected: {training['rejected_rows']}",
        f"- Data fingerprints (SHA-256): `{training['data_sha256']}`",
        f"- Seed {training['seed']}; threatdetect {training['threatdetect_version']}; "
        f"training time {training.get('train_seconds', 'n/a')} s",
        f"- Thresholds (tuned on dev): `{model_config.thresholds}`",
        "",
    ]
    if "cascade" in model_config.metrics:
        lines += [
            "## Cascade",
            "",
            f"Gate on the strongest linear score: `{model_config.components.get('gate')}`",
            "",
            "| set | messages | sent to transformer | flags kept vs transformer alone |",
            "|---|---|---|---|",
        ]
        for name, values in model_config.metrics["cascade"].items():
            lines.append(
                f"| {name} | {values['n']} | {values['sent_to_transformer']:.1%} | "
                f"{values['any_flag_recall_vs_transformer']:.1%} |"
            )
        lines.append("")
    lines.append("## Results of this run")
    lines.append("")
    for split, title in (("test", "Test split"), ("functional", "Functional suite"), ("dev", "Dev split")):
        if split in model_config.metrics:
            lines.append(format_report(_report(model_config.metrics[split]), title))
    lines += [INTENDED_USE, LIMITS]
    path = output_dir / "README.md"
    path.write_text("\n".join(line for line in lines if line is not None) + "\n", encoding="utf-8")
    return path
