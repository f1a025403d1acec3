"""Training configuration: YAML files validated on load, with `--set key=value` overrides.

Each section is a dataclass that checks itself in `__post_init__`, so a typo in a config file fails
at load time with the offending key and file named, not an hour into training.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from threatdetect.labels import LABELS
from threatdetect.modeling.linear import LinearSettings

MODEL_TYPES = ("linear", "transformer", "cascade")


class ConfigError(ValueError):
    """A training config is invalid; the message names the file and key."""


@dataclass
class DataConfig:
    train: str = "data/corpus/train.jsonl"
    dev: str = "data/corpus/dev.jsonl"
    test: str | None = "data/corpus/test.jsonl"
    functional: str | None = "data/functional/suite.tsv"
    #: The blind challenge set: only reported in the model card, never used to tune or choose.
    challenge: str | None = None
    hub_dataset: str | None = None
    text_column: str = "text"
    label_columns: dict[str, str] = field(default_factory=lambda: {label: label for label in LABELS})
    max_train_samples: int | None = None

    def __post_init__(self) -> None:
        missing = [label for label in LABELS if label not in self.label_columns]
        if missing:
            raise ConfigError(f"data.label_columns must map every label; missing {', '.join(missing)}")
        if self.hub_dataset:
            return  # train/dev/test name splits of the hub dataset, not files
        for key in ("train", "dev", "test", "functional"):
            value = getattr(self, key)
            if value is not None and not Path(value).is_file():
                raise ConfigError(f"data.{key}: file not found: {value}")
        if self.challenge is not None and not Path(self.challenge).is_dir():
            raise ConfigError(f"data.challenge: folder not found: {self.challenge}")


@dataclass
class LoraSettings:
    enabled: bool = False
    r: int = 16
    alpha: int = 32
    dropout: float = 0.1
    target_modules: list[str] = field(default_factory=lambda: ["query", "key", "value", "dense"])

    def __post_init__(self) -> None:
        if self.r <= 0 or self.alpha <= 0:
            raise ConfigError("transformer.lora.r and transformer.lora.alpha must be positive")


@dataclass
class TransformerSettings:
    base_model: str = "pdelobelle/robbert-v2-dutch-base"
    text_prefix: str = ""
    max_length: int = 128
    epochs: float = 4.0
    batch_size: int = 32
    eval_batch_size: int = 64
    learning_rate: float = 3e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    early_stopping_patience: int = 2
    pos_weight_cap: float = 5.0
    device: str = "auto"
    max_steps: int = -1
    #: Targets move this far towards 0.5 (0 = off): a regulariser against overconfident scores.
    label_smoothing: float = 0.0
    #: Full fine-tuning only: keep the (large, multilingual) token embeddings as they are.
    freeze_embeddings: bool = False
    lora: LoraSettings = field(default_factory=LoraSettings)

    def __post_init__(self) -> None:
        if not 0.0 <= self.label_smoothing < 0.5:
            raise ConfigError("transformer.label_smoothing must be in [0, 0.5)")
        if self.max_length < 8:
            raise ConfigError("transformer.max_length must be at least 8")
        if self.learning_rate <= 0:
            raise ConfigError("transformer.learning_rate must be positive")
        if self.device not in ("auto", "cpu", "cuda", "mps"):
            raise ConfigError(f"transformer.device must be auto, cpu, cuda or mps, not {self.device!r}")


@dataclass
class CascadeSettings:
    """The linear gate keeps at least `min_flag_recall` of the transformer's flags on dev.

    `combine`: `gate` scores a message that passes the gate with the transformer alone; `blend` mixes
    the two stages' scores for it, with the transformer's weight tuned on dev.
    """

    min_flag_recall: float = 0.99
    combine: str = "gate"

    def __post_init__(self) -> None:
        if not 0.5 <= self.min_flag_recall <= 1.0:
            raise ConfigError("cascade.min_flag_recall must be between 0.5 and 1.0")
        if self.combine not in ("gate", "blend"):
            raise ConfigError(f"cascade.combine must be gate or blend, not {self.combine!r}")


@dataclass
class ThresholdSettings:
    """Thresholds are tuned on dev reweighted to a stream with `prevalence` flagged messages, of whose
    harmless messages `hard_negative_share` are hard negatives (see evaluation/prevalence.py). The
    `recall` preset keeps `recall_target` of each label's dev positives."""

    prevalence: float = 0.03
    hard_negative_share: float = 0.2
    recall_target: float = 0.9

    def __post_init__(self) -> None:
        if not 0.0 < self.prevalence < 1.0 or not 0.0 <= self.hard_negative_share <= 1.0:
            raise ConfigError("thresholds.prevalence must be in (0, 1), hard_negative_share in [0, 1]")
        if not 0.5 <= self.recall_target <= 1.0:
            raise ConfigError("thresholds.recall_target must be between 0.5 and 1.0")


@dataclass
class TrainConfig:
    name: str
    model: str
    output_dir: str
    seed: int = 13
    description: str = ""
    data: DataConfig = field(default_factory=DataConfig)
    normalizer: dict[str, Any] = field(default_factory=dict)
    linear: LinearSettings = field(default_factory=LinearSettings)
    transformer: TransformerSettings = field(default_factory=TransformerSettings)
    cascade: CascadeSettings = field(default_factory=CascadeSettings)
    thresholds: ThresholdSettings = field(default_factory=ThresholdSettings)
    #: JSON written by `benchmarks/model_comparison.py`: the candidates the model card lists.
    comparison: str | None = None
    source: str = ""

    def __post_init__(self) -> None:
        if self.model not in MODEL_TYPES:
            raise ConfigError(f"model must be one of {', '.join(MODEL_TYPES)}, not {self.model!r}")
        from threatdetect.normalize import NormalizerSettings

        try:
            NormalizerSettings.from_dict(self.normalizer)
        except (TypeError, ValueError) as error:
            raise ConfigError(f"normalizer: {error}") from error

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """Check `value` against a type hint, converting where YAML/CLI strings are unambiguous."""
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {type(value).__name__}")
        return _build(hint, value, where)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _coerce(value, option, where)
            except ConfigError as error:
                errors.append(str(error))
        raise ConfigError(errors[0] if errors else f"{where}: invalid value {value!r}")
    if origin in (list, tuple):
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where}: expected a list, got {type(value).__name__}")
        (item_hint, *_rest) = typing.get_args(hint) or (Any,)
        return origin(_coerce(item, item_hint, f"{where}[{i}]") for i, item in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {type(value).__name__}")
        return dict(value)
    if hint is Any:
        return value
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    if hint is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    return value


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - fields)
    if unknown:
        prefix = f"{where}." if where else ""
        raise ConfigError(f"unknown key '{prefix}{unknown[0]}' (known keys: {', '.join(sorted(fields))})")
    kwargs = {}
    for name, value in data.items():
        kwargs[name] = _coerce(value, hints[name], f"{where}.{name}" if where else name)
    try:
        return cls(**kwargs)
    except TypeError as error:
        raise ConfigError(f"{where or 'config'}: {error}") from error
    except ValueError as error:
        if isinstance(error, ConfigError):
            raise
        raise ConfigError(f"{where or 'config'}: {error}") from error


def _parse_override(text: str) -> tuple[list[str], Any]:
    if "=" not in text:
        raise ConfigError(f"--set expects key=value, got {text!r}")
    key, raw = text.split("=", 1)
    return key.strip().split("."), yaml.safe_load(raw) if raw.strip() else ""


def load_config(path: str | Path, overrides: list[str] | None = None) -> TrainConfig:
    """Read, override and validate a YAML config; errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: invalid YAML: {error}") from error
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the config must be a mapping of keys to values")
    for override in overrides or []:
        keys, value = _parse_override(override)
        node = data
        for key in keys[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {override}: '{key}' is not a section")
        node[keys[-1]] = value
    data.setdefault("source", str(path))
    try:
        return _build(TrainConfig, data, "")
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from error
