"""Model cards: a README.md with Hugging Face-style YAML front matter, written by training.

Every number in the card comes from the metrics of the run that produced the model directory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from threatdetect.evaluation.metrics import EvaluationReport, LabelMetrics, format_report
from threatdetect.labels import LABELS
from threatdetect.modeling.model_dir import CONFIG_FILE, ModelConfig
from threatdetect.training.comparison import choose, comparable
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
- Scores are not probabilities of guilt. The default thresholds were tuned for F1 on dev reweighted
  to a stream where 3% of messages are flagged; the `recall` preset flags more and misses less.
"""

FIGURES_DIR = "figures"


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def _analysis_section(analysis: dict[str, Any], title: str, split: str, output_dir: Path) -> list[str]:
    """Stream precision, bias AUCs, error slices, calibration and the figures of one set."""
    lines = [f"## Behaviour on the {title}", ""]
    if "stream" in analysis:
        lines += [
            "Precision and recall with the set reweighted to a realistic stream (flagged share as named,",
            "most harmless messages ordinary, a fifth hard negatives):",
            "",
            "| prevalence | label | precision | recall |",
            "|---|---|---|---|",
        ]
        for prevalence, per_label in analysis["stream"].items():
            for label, values in per_label.items():
                lines.append(
                    f"| {prevalence} | {label} | {_fmt(values['precision'])} | {_fmt(values['recall'])} |"
                )
        lines.append("")
    lines += [
        "Unintended-bias AUCs (Borkan et al. 2019; generalised mean with p = -5 leans to the worst group):",
        "",
        "| label | subgroup | messages | positives | subgroup AUC | BPSN AUC | BNSP AUC |",
        "|---|---|---|---|---|---|---|",
    ]
    for report in analysis["bias"].values():
        for name, sub in report["subgroups"].items():
            lines.append(
                f"| {report['label']} | {name} | {sub['n']} | {sub['positives']} | {_fmt(sub['subgroup_auc'])} "
                f"| {_fmt(sub['bpsn_auc'])} | {_fmt(sub['bnsp_auc'])} |"
            )
        lines.append(
            f"| {report['label']} | **generalised mean** | | | {_fmt(report['mean_subgroup_auc'])} "
            f"| {_fmt(report['mean_bpsn_auc'])} | {_fmt(report['mean_bnsp_auc'])} |"
        )
    lines += [""] + [
        f"- {report['label']}: mean of the three generalised means **{_fmt(report['generalized_mean_bias_auc'])}**"
        for report in analysis["bias"].values()
    ]
    lines += [
        "",
        "| slice | false-positive rate | harmless messages | recall | flagged messages |",
        "|---|---|---|---|---|",
    ]
    for name, values in analysis["slices"].items():
        if "recall_as_threat" in values:
            name = f"{name} (flagged as a threat: {_fmt(values['recall_as_threat'])})"
        lines.append(
            f"| {name} | {_fmt(values.get('false_positive_rate'))} | {values.get('n_harmless', '')} "
            f"| {_fmt(values.get('recall'))} | {values.get('n_flagged', '')} |"
        )
    eces = ", ".join(f"{label} {values['ece']:.3f}" for label, values in analysis["calibration"].items())
    lines += ["", f"Expected calibration error (10 bins): {eces}.", ""]
    for kind, caption in (("reliability", "Reliability diagram"), ("pr_curves", "Precision-recall curves")):
        figure = Path(FIGURES_DIR) / f"{split}_{kind}.png"
        if (output_dir / figure).is_file():
            lines.append(f"![{caption}, {title}]({figure.as_posix()})")
    lines.append("")
    return lines


def _rank_mark(name: str, chosen: str, ranked: set[str]) -> str:
    if name == chosen:
        return " **(best by the rule)**"
    return "" if name in ranked else " (earlier corpus, not ranked)"


def _comparison_section(config: TrainConfig, model_config: ModelConfig) -> list[str]:
    """The candidates this model was chosen from: other runs (`benchmarks/model_comparison.py`) and
    this run's own second-stage variants."""
    runs: list[dict[str, Any]] = []
    path = Path(config.comparison) if config.comparison else None
    if path is not None and path.is_file():
        runs += json.loads(path.read_text(encoding="utf-8"))["runs"]
    variants = model_config.metrics.get("second_stage_variants", {})
    train_size = model_config.training.get("train_size")
    runs += [
        {**row, "name": f"this run, second stage {name}", "train_messages": train_size}
        for name, row in variants.items()
    ]
    if not runs:
        return []
    ranked_rows = comparable(runs, train_size)
    chosen = choose(ranked_rows)
    ranked = {run["name"] for run in ranked_rows}
    lines = [
        "## How this model was chosen",
        "",
        "Candidates, each row from one run"
        + (f" (other runs: `{path.as_posix()}`, from `benchmarks/model_comparison.py`)" if path else "")
        + "; the train column is the number of training messages the run saw (runs made while the",
        "corpus grew saw fewer).",
        "Rule: the best dev mean average precision, ties broken by dev macro-F1, among the runs on this",
        "run's corpus (as many training messages); rows from an earlier corpus were measured on another",
        "dev and are shown for reference, not ranked. The test and challenge columns are reported, never",
        "used to choose. This run's rows score every message with the second stage (no gate); its",
        "thresholds are tuned on dev for each.",
        "",
        "| candidate | train | train s | dev macro-F1 | dev mean AP | dev precision @3% | dev recall @3% "
        "| test macro-F1 | challenge macro-F1 | challenge hate bias AUC |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        lines.append(
            f"| {run['name']}{_rank_mark(run['name'], chosen, ranked)} "
            f"| {run.get('train_messages') or 'n/a'} | {_fmt(run.get('train_seconds'))} | {_fmt(run['dev_macro_f1'])} | {_fmt(run['dev_mean_ap'])} "
            f"| {_fmt(run['dev_precision_3pct'])} | {_fmt(run['dev_recall_3pct'])} | {_fmt(run['test_macro_f1'])} "
            f"| {_fmt(run['challenge_macro_f1'])} | {_fmt(run['challenge_hate_bias_auc'])} |"
        )
    return [*lines, ""]


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


def stage_train_seconds(model_dir: Path, model_config: ModelConfig) -> tuple[float | None, float | None]:
    """The recorded training seconds of the linear stage (cascades only, else None) and of the model."""
    seconds = model_config.training.get("train_seconds")
    linear_dir = model_config.components.get("linear_dir")
    if not linear_dir:
        return None, seconds
    linear_config = json.loads((model_dir / linear_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    return linear_config.get("training", {}).get("train_seconds"), seconds


def _training_time(output_dir: Path, model_config: ModelConfig) -> str:
    """The recorded training seconds; a cascade's come from both of its stages."""
    linear, seconds = stage_train_seconds(output_dir, model_config)
    if seconds is None:
        return "training time n/a s"
    if not model_config.components.get("linear_dir"):
        return f"training time {seconds} s"
    if linear is None:
        return f"training time {seconds} s (transformer stage)"
    return f"training time {linear + seconds:.1f} s: linear stage {linear} s, transformer stage {seconds} s"


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
        f"{_training_time(output_dir, model_config)}",
        f"- Thresholds (default, tuned on dev reweighted to a realistic stream): `{model_config.thresholds}`",
        *[
            f"- Threshold preset `{name}`: `{values}`"
            for name, values in model_config.threshold_presets.items()
            if values != model_config.thresholds
        ],
        "",
    ]
    lines += _comparison_section(config, model_config)
    if "cascade" in model_config.metrics:
        lines += [
            "## Cascade",
            "",
            f"Gate on the strongest linear score: `{model_config.components.get('gate')}` at the default "
            f"thresholds, tuned to keep {model_config.components.get('min_flag_recall', 0):.1%} of the dev "
            "messages they flag.",
            "",
        ]
        for name, preset in model_config.components.get("preset_gates", {}).items():
            lines += [f"Gate for the `{name}` preset (its own thresholds): `{preset['gate']}`", ""]
        blend_weights = model_config.metrics.get("blend_weights")
        if blend_weights:
            lines += _blend_section(blend_weights, model_config.components.get("blend_weight"))
        if model_config.components.get("flag_gate", 1.0) < 1.0:
            lines += [
                f"Two-sided gate: a linear score of at least `{model_config.components['flag_gate']}` decides "
                "a label flagged without the transformer (the lowest level that changes the labels of at most "
                f"{model_config.components.get('flag_gate_max_changed', 0):.1%} of dev messages).",
                "",
            ]
        lines += [
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
    sets = (
        ("challenge", "Blind challenge set (reported only; never used to tune or choose)"),
        ("test", "Test split"),
        ("functional", "Functional suite"),
        ("dev", "Dev split"),
    )
    for split, title in sets:
        if split in model_config.metrics:
            lines.append(format_report(_report(model_config.metrics[split]), title))
    for split, title in (("challenge", "challenge set"), ("test", "test split"), ("dev", "dev split")):
        analysis = model_config.metrics.get(split, {}).get("analysis")
        if analysis:
            lines += _analysis_section(analysis, title, split, output_dir)
    lines += [INTENDED_USE, LIMITS]
    path = output_dir / "README.md"
    path.write_text("\n".join(line for line in lines if line is not None) + "\n", encoding="utf-8")
    return path


#: Why the blend has the weight it has, per `cascade.blend_choice` (the README says it the same way).
BLEND_CHOICE_REASONS = {
    "best": "the best mean AP on the reweighted dev",
    "cheapest_tied": "the lowest weight whose mean AP on the reweighted dev a bootstrap cannot tell from the best one's",
}


def _blend_section(blend_weights: dict, chosen: float | None) -> list[str]:
    """The candidate transformer weights of the blend with their dev mean AP (and, when the cheapest
    tied weight was chosen, the bootstrap interval of each one's deficit to the best)."""
    tied = blend_weights["choice"] == "cheapest_tied"
    lines = [
        f"Blend weight of the transformer: `{chosen}` ({BLEND_CHOICE_REASONS[blend_weights['choice']]}"
        + (": the 95% interval of its deficit reaches 0" if tied else "")
        + ").",
        "",
        "| transformer weight | dev mean AP (stream-weighted) |"
        + (" deficit to the best, 95% interval |" if tied else ""),
        "|---|---|" + ("---|" if tied else ""),
    ]
    for weight, row in blend_weights["dev"].items():
        interval = f" {row['deficit_low']:+.4f} .. {row['deficit_high']:+.4f} |" if tied else ""
        lines.append(f"| {weight} | {row['mean_ap']:.4f} |{interval}")
    return [*lines, ""]
