"""The model directory format shared by every model family.

A model directory holds `threatdetect.json` (labels, thresholds, backbone, normaliser settings,
training provenance and metrics) next to weights stored as safetensors or JSON. Nothing in a model
directory is ever unpickled: untrusted model files must not be able to run code.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from threatdetect.labels import LABELS

CONFIG_FILE = "threatdetect.json"
FORMAT_VERSION = 1
MODEL_KINDS = ("linear", "transformer", "cascade")


class ModelDirError(ValueError):
    """A model directory is missing, incomplete or malformed."""


@dataclass
class ModelConfig:
    """Everything needed to rebuild and trust a trained model, stored as JSON."""

    name: str
    kind: str
    labels: list[str] = field(default_factory=lambda: list(LABELS))
    thresholds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(LABELS, 0.5))
    normalizer: dict[str, Any] = field(default_factory=dict)
    backbone: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    components: dict[str, Any] = field(default_factory=dict)
    #: Named threshold sets a user can pick instead of `thresholds` (e.g. `recall`, recall-first).
    threshold_presets: dict[str, dict[str, float]] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        if self.kind not in MODEL_KINDS:
            raise ModelDirError(f"unknown model kind {self.kind!r}; expected one of {', '.join(MODEL_KINDS)}")
        if list(self.labels) != list(LABELS):
            raise ModelDirError(f"model labels {self.labels} differ from the supported labels {list(LABELS)}")
        missing = [label for label in LABELS if label not in self.thresholds]
        if missing:
            raise ModelDirError(f"thresholds missing for {', '.join(missing)}")
        for name, values in {"thresholds": self.thresholds, **self.threshold_presets}.items():
            missing = [label for label in LABELS if label not in values]
            if missing:
                raise ModelDirError(f"threshold preset {name!r}: missing {', '.join(missing)}")
            for label, value in values.items():
                if not 0.0 <= float(value) <= 1.0:
                    raise ModelDirError(f"{name}: threshold for {label} must be in [0, 1], got {value}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ModelDirError(f"unknown keys in {CONFIG_FILE}: {', '.join(unknown)}")
        return cls(**data)

    def save(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / CONFIG_FILE
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False, sort_keys=False) + "\n")
        return path

    @classmethod
    def load(cls, directory: Path) -> ModelConfig:
        path = Path(directory) / CONFIG_FILE
        if not path.is_file():
            raise ModelDirError(f"{directory}: not a threatdetect model directory (no {CONFIG_FILE})")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ModelDirError(f"{path}: line {error.lineno}: invalid JSON ({error.msg})") from error
        return cls.from_dict(data)
