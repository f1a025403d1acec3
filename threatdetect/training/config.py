"""Training configuration: YAML files validated on load, with `--set key=value` overrides.

Each section is a pydantic model: types, ranges and unknown keys are checked at load time, so a typo
in a config file fails with the offending file and key named, not an hour into training. Integers,
booleans and strings must be written as such; numbers may also be strings such as `3e-5` (which YAML
reads as text).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from threatdetect.labels import LABELS
from threatdetect.modeling.linear import LinearSettings


class ConfigError(ValueError):
    """A training config is invalid; the message names the file and key."""


def _not_a_bool(value: Any) -> Any:
    # pydantic would read `true` as 1.0; in a config that is a typo, not a number.
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    return value


#: A float that may be written as an integer or a string (`3e-5`), but not as true/false.
Number = Annotated[float, BeforeValidator(_not_a_bool)]


class _Section(BaseModel):
    """A config section: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump()


class DataConfig(_Section):
    #: A hub dataset id; train/dev/test then name its splits, not files.
    hub_dataset: StrictStr | None = None
    train: StrictStr = "data/corpus/train.jsonl"
    dev: StrictStr = "data/corpus/dev.jsonl"
    test: StrictStr | None = "data/corpus/test.jsonl"
    functional: StrictStr | None = "data/functional/suite.tsv"
    #: The blind challenge set: only reported in the model card, never used to tune or choose.
    challenge: StrictStr | None = None
    text_column: StrictStr = "text"
    label_columns: dict[StrictStr, StrictStr] = Field(
        default_factory=lambda: {label: label for label in LABELS}
    )
    max_train_samples: StrictInt | None = None

    # Defaults are checked too, so a config that names no files still needs ours to exist.
    model_config = ConfigDict(validate_default=True)

    @field_validator("train", "dev", "test", "functional")
    @classmethod
    def _file_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not info.data.get("hub_dataset") and not Path(value).is_file():
            raise ValueError(f"file not found: {value}")
        return value

    @field_validator("challenge")
    @classmethod
    def _folder_exists(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_dir():
            raise ValueError(f"folder not found: {value}")
        return value

    @field_validator("label_columns")
    @classmethod
    def _every_label_mapped(cls, value: dict[str, str]) -> dict[str, str]:
        missing = [label for label in LABELS if label not in value]
        if missing:
            raise ValueError(f"must map every label; missing {', '.join(missing)}")
        return value


class LoraSettings(_Section):
    enabled: StrictBool = False
    r: StrictInt = Field(16, gt=0)
    alpha: StrictInt = Field(32, gt=0)
    dropout: Number = Field(0.1, ge=0.0, lt=1.0)
    target_modules: list[StrictStr] = Field(default_factory=lambda: ["query", "key", "value", "dense"])


class TransformerSettings(_Section):
    base_model: StrictStr = "pdelobelle/robbert-v2-dutch-base"
    text_prefix: StrictStr = ""
    max_length: StrictInt = Field(128, ge=8)
    epochs: Number = Field(4.0, gt=0.0)
    batch_size: StrictInt = Field(32, gt=0)
    eval_batch_size: StrictInt = Field(64, gt=0)
    learning_rate: Number = Field(3e-5, gt=0.0)
    weight_decay: Number = 0.01
    warmup_ratio: Number = 0.06
    early_stopping_patience: StrictInt = 2
    pos_weight_cap: Number = 5.0
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    max_steps: StrictInt = -1
    #: Targets move this far towards 0.5 (0 = off): a regulariser against overconfident scores.
    label_smoothing: Number = Field(0.0, ge=0.0, lt=0.5)
    #: Full fine-tuning only: keep the (large, multilingual) token embeddings as they are.
    freeze_embeddings: StrictBool = False
    #: LoRA only: list the tokens Dutch needs, so scoring loads only their embedding rows.
    prune_vocabulary: StrictBool = False
    lora: LoraSettings = Field(default_factory=LoraSettings)


#: How training picks the blend's transformer weight (see `training/thresholds.py`).
BlendChoice = Literal["best", "cheapest_tied"]


class CascadeSettings(_Section):
    """The linear gate keeps at least `min_flag_recall` of the transformer's flags on dev.

    `combine`: `gate` scores a message that passes the gate with the transformer alone; `blend` mixes
    the two stages' scores for it, with the transformer's weight tuned on dev.
    `flag_gate_max_changed` makes a blended cascade's gate two-sided (see `modeling/cascade.py`).
    `blend_choice`: `best` takes the transformer weight with the best mean AP on the reweighted dev;
    `cheapest_tied` the lowest weight whose mean AP dev cannot tell from the best (bootstrap, see
    `training/thresholds.py`), which sends fewer messages to the transformer.
    """

    min_flag_recall: Number = Field(0.99, ge=0.5, le=1.0)
    combine: Literal["gate", "blend"] = "gate"
    blend_choice: BlendChoice = "best"
    #: Two-sided gate (blend only): the first stage also decides clear flags, at the lowest linear score
    #: that changes the labels of at most this share of dev messages. 0 keeps the gate one-sided.
    flag_gate_max_changed: Number = Field(0.0, ge=0.0, le=0.05)


def _one_floor_for_every_label(value: Any) -> Any:
    return dict.fromkeys(LABELS, value) if isinstance(value, int | float | str) else value


#: A minimum recall per label; one number means that number for every label.
RecallFloors = Annotated[
    dict[Literal[LABELS], Annotated[Number, Field(ge=0.0, lt=1.0)]],
    BeforeValidator(_one_floor_for_every_label),
]


class ThresholdSettings(_Section):
    """Thresholds are tuned on dev reweighted to a stream with `prevalence` flagged messages, of whose
    harmless messages `hard_negative_share` are hard negatives (see evaluation/prevalence.py). The
    `recall` preset keeps `recall_target` of each label's dev positives. `min_recall` (0: off) limits
    the default preset to thresholds that keep at least that recall on the reweighted dev: one number
    for every label, or a number per label (labels left out have no floor)."""

    prevalence: Number = Field(0.03, gt=0.0, lt=1.0)
    hard_negative_share: Number = Field(0.2, ge=0.0, le=1.0)
    recall_target: Number = Field(0.9, ge=0.5, le=1.0)
    min_recall: RecallFloors = Field(default_factory=lambda: dict.fromkeys(LABELS, 0.0))


class TrainConfig(_Section):
    name: StrictStr
    model: Literal["linear", "transformer", "cascade"]
    output_dir: StrictStr
    seed: StrictInt = 13
    description: StrictStr = ""
    data: DataConfig = Field(default_factory=DataConfig)
    normalizer: dict[StrictStr, Any] = Field(default_factory=dict)
    linear: LinearSettings = Field(default_factory=LinearSettings)
    transformer: TransformerSettings = Field(default_factory=TransformerSettings)
    cascade: CascadeSettings = Field(default_factory=CascadeSettings)
    thresholds: ThresholdSettings = Field(default_factory=ThresholdSettings)
    #: JSON written by `benchmarks/model_comparison.py`: the candidates the model card lists.
    comparison: StrictStr | None = None
    source: StrictStr = ""

    @field_validator("normalizer")
    @classmethod
    def _normalizer_settings(cls, value: dict[str, Any]) -> dict[str, Any]:
        from threatdetect.normalize import NormalizerSettings

        try:
            NormalizerSettings.from_dict(value)
        except TypeError as error:
            raise ValueError(str(error)) from error
        return value


#: How a pydantic error type reads in our messages; `{value!r}` is the offending value.
_MESSAGES = {
    "int_type": "expected an integer, got {value!r}",
    "int_parsing": "expected an integer, got {value!r}",
    "int_from_float": "expected an integer, got {value!r}",
    "bool_type": "expected true or false, got {value!r}",
    "bool_parsing": "expected true or false, got {value!r}",
    "float_type": "expected a number, got {value!r}",
    "float_parsing": "expected a number, got {value!r}",
    "string_type": "expected a string, got {value!r}",
    "list_type": "expected a list, got {value!r}",
    "tuple_type": "expected a list, got {value!r}",
    "dict_type": "expected a mapping, got {value!r}",
    "model_type": "expected a mapping, got {value!r}",
    "model_attributes_type": "expected a mapping, got {value!r}",
    "missing": "required, but missing",
    "literal_error": "must be one of {expected}, not {value!r}",
    "greater_than": "must be greater than {gt}, got {value!r}",
    "greater_than_equal": "must be at least {ge}, got {value!r}",
    "less_than": "must be less than {lt}, got {value!r}",
    "less_than_equal": "must be at most {le}, got {value!r}",
    "too_short": "expected {min_length} item(s), got {value!r}",
    "too_long": "expected {max_length} item(s), got {value!r}",
}


def _known_keys(path: tuple[int | str, ...]) -> list[str]:
    """The keys of the section at `path` (a location in TrainConfig), for 'unknown key' messages."""
    section: type[BaseModel] = TrainConfig
    for part in path:
        field = section.model_fields.get(str(part))
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        section = annotation
    return sorted(section.model_fields)


def describe_errors(error: ValidationError) -> str:
    """Every problem of a config as '<key>: <what is wrong>', joined by '; '."""
    problems = []
    for item in error.errors():
        location = tuple(item["loc"])
        # A bad key of a mapping is reported at the mapping's key path (pydantic adds '[key]').
        where = ".".join(str(part) for part in location if part != "[key]")
        kind, context = item["type"], item.get("ctx", {})
        if kind == "extra_forbidden":
            known = _known_keys(location[:-1])
            problems.append(
                f"unknown key '{where}'" + (f" (known keys: {', '.join(known)})" if known else "")
            )
            continue
        if kind == "value_error":
            message = str(context.get("error", item["msg"]))
        elif kind in _MESSAGES:
            message = _MESSAGES[kind].format(value=item.get("input"), **context)
        else:
            message = item["msg"]
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


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
        return TrainConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{path}: {describe_errors(error)}") from None
