"""The interface every scoring model implements, and what one call returns.

Models read raw texts or texts the caller has already normalised (`NormalizedText`, from a
normaliser with the model's settings): the Detector normalises each message once and hands the
result to every stage, instead of each stage normalising it again.

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
from threatdetect.normalize import NormalizedText, Normalizer

#: What a model scores: raw texts, or texts already normalised with the model's normaliser settings.
Texts = Sequence[str] | Sequence[NormalizedText] | Sequence[str | NormalizedText]


def normalized(normalizer: Normalizer, texts: Texts) -> list[NormalizedText]:
    """Each text normalised once: items that already are `NormalizedText` are kept as they are."""
    if all(isinstance(text, NormalizedText) for text in texts):
        return list(texts)  # type: ignore[arg-type]
    raw = [text for text in texts if not isinstance(text, NormalizedText)]
    fresh = iter(normalizer.pipe(raw))
    return [text if isinstance(text, NormalizedText) else next(fresh) for text in texts]


def raw_text(text: str | NormalizedText) -> str:
    return text.raw if isinstance(text, NormalizedText) else text


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

    def predict_proba(self, texts: Texts) -> np.ndarray:
        """Scores with the model's own settings."""
        ...

    def predict(
        self, texts: Texts, *, thresholds: np.ndarray | None = None, cascade: bool = True
    ) -> ModelOutput:
        """Scores for the caller's thresholds (LABELS order; None: the model's own) and cascade switch."""
        ...


class SingleStageModel:
    """`predict` for a model with one stage: thresholds and the cascade switch change nothing."""

    stage: ClassVar[str]
    config: ModelConfig
    #: The Detector may hand this model `NormalizedText` items (normalised once for all stages);
    #: models without the attribute get the raw strings.
    reads_normalized: ClassVar[bool] = True

    def predict_proba(self, texts: Texts) -> np.ndarray:
        raise NotImplementedError

    def predict(
        self, texts: Texts, *, thresholds: np.ndarray | None = None, cascade: bool = True
    ) -> ModelOutput:
        return ModelOutput(self.predict_proba(texts), {self.stage: len(texts)})
