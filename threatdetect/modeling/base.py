"""The interface every scoring model implements, and what one call returns.

Loaded models are read-only: thresholds and the cascade switch come with each call (the `Detector`
owns them), and per-call statistics come back in the `ModelOutput`, never as attributes read
afterwards, so one model can serve several Detectors and threads at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar, Protocol

import numpy as np

from threatdetect.modeling.model_dir import ModelConfig


class Precision(StrEnum):
    """The transformer's number format; `auto` picks bf16 where the hardware computes it natively."""

    auto = "auto"
    fp32 = "fp32"
    bf16 = "bf16"
    int8 = "int8"


@dataclass(frozen=True)
class ModelOutput:
    """Scores of one call, (n_texts, n_labels) in label order, and how many texts each stage decided."""

    scores: np.ndarray
    stages: Mapping[str, int] = field(default_factory=dict)


class ScoringModel(Protocol):
    """Everything the Detector and the batch scorer use of a model."""

    config: ModelConfig

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Scores with the model's own settings."""
        ...

    def predict(
        self, texts: Sequence[str], *, thresholds: np.ndarray | None = None, cascade: bool = True
    ) -> ModelOutput:
        """Scores for the caller's thresholds (LABELS order; None: the model's own) and cascade switch."""
        ...


class SingleStageModel:
    """`predict` for a model with one stage: thresholds and the cascade switch change nothing."""

    stage: ClassVar[str]
    config: ModelConfig

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def predict(
        self, texts: Sequence[str], *, thresholds: np.ndarray | None = None, cascade: bool = True
    ) -> ModelOutput:
        return ModelOutput(self.predict_proba(texts), {self.stage: len(texts)})
