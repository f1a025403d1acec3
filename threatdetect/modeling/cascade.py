"""The cascade: the linear model scores everything, the transformer only what the linear model
cannot rule out.

The gate per label is tuned on dev so that at least `min_flag_recall` of the transformer's own flags
pass it. Messages that do not pass keep the linear model's scores, capped just below the final
thresholds so they are never flagged by a score the transformer never confirmed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from threatdetect.labels import LABELS
from threatdetect.modeling.linear import LinearModel
from threatdetect.modeling.model_dir import ModelConfig, ModelDirError
from threatdetect.modeling.transformer import TransformerModel

LINEAR_SUBDIR = "linear"


def tune_gate(
    linear_scores: np.ndarray, transformer_flags: np.ndarray, min_flag_recall: float
) -> dict[str, float]:
    """Per label, the highest gate that keeps `min_flag_recall` of the transformer's flags."""
    gate = {}
    for column, label in enumerate(LABELS):
        flagged = linear_scores[transformer_flags[:, column] == 1, column]
        if len(flagged) == 0:
            gate[label] = 0.0
            continue
        # The k-th smallest linear score among flagged rows, so that all but k pass.
        allowed_misses = int(np.floor(len(flagged) * (1.0 - min_flag_recall)))
        gate[label] = float(np.sort(flagged)[allowed_misses]) - 1e-6
    return {label: max(0.0, round(value, 6)) for label, value in gate.items()}


class CascadeModel:
    """Linear first stage, transformer second stage, same output as either alone."""

    def __init__(self, config: ModelConfig, linear: LinearModel, transformer: TransformerModel) -> None:
        self.config = config
        self.linear = linear
        self.transformer = transformer
        self.gate = np.asarray([config.components["gate"][label] for label in LABELS], dtype=np.float32)
        self.thresholds = np.asarray([config.thresholds[label] for label in LABELS], dtype=np.float32)
        self.enabled = True
        self.last_stage_counts = {"linear": 0, "transformer": 0}
        #: Cumulative messages decided by each stage since load (for summaries and benchmarks).
        self.stage_totals: Counter[str] = Counter()

    @classmethod
    def load(
        cls, directory: Path, config: ModelConfig | None = None, device: str = "auto", quantize: bool = True
    ) -> CascadeModel:
        directory = Path(directory)
        config = config or ModelConfig.load(directory)
        if "gate" not in config.components:
            raise ModelDirError(f"{directory}: cascade config has no 'components.gate'")
        linear = LinearModel.load(directory / config.components.get("linear_dir", LINEAR_SUBDIR))
        transformer = TransformerModel.load(directory, config, device=device, quantize=quantize)
        return cls(config, linear, transformer)

    def passes_gate(self, linear_scores: np.ndarray) -> np.ndarray:
        return (linear_scores >= self.gate).any(axis=1)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if not self.enabled:
            return self.transformer.predict_proba(texts)
        first = self.linear.predict_proba(texts)
        selected = np.flatnonzero(self.passes_gate(first))
        scores = np.minimum(first, np.nextafter(self.thresholds, 0)).astype(np.float32)
        if len(selected):
            scores[selected] = self.transformer.predict_proba([texts[i] for i in selected])
        self.last_stage_counts = {"linear": len(texts) - len(selected), "transformer": len(selected)}
        self.stage_totals.update(self.last_stage_counts)
        return scores
