"""The cascade: the linear model scores everything, the transformer only what the linear model
cannot rule out.

The gate is one threshold on the linear model's strongest label score, tuned on dev so that at
least `min_flag_recall` of the messages the transformer flags pass it. A message that passes is
scored by the transformer for every label, so its flags survive whatever label opened the gate.
Messages that do not pass keep the linear model's scores, capped just below the final thresholds so
they are never flagged by a score the transformer never confirmed.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from threatdetect.labels import LABELS
from threatdetect.modeling.linear import LinearModel
from threatdetect.modeling.model_dir import ModelConfig, ModelDirError
from threatdetect.modeling.transformer import TransformerModel

LINEAR_SUBDIR = "linear"
logger = logging.getLogger(__name__)


def tune_gate(linear_scores: np.ndarray, transformer_flags: np.ndarray, min_flag_recall: float) -> float:
    """The highest gate on the strongest linear score that keeps `min_flag_recall` of flagged messages."""
    strongest = linear_scores.max(axis=1)[transformer_flags.any(axis=1)]
    if len(strongest) == 0:
        return 0.0
    # The k-th smallest score among flagged messages, so that all but k pass.
    allowed_misses = int(np.floor(len(strongest) * (1.0 - min_flag_recall)))
    return max(0.0, round(float(np.sort(strongest)[allowed_misses]) - 1e-6, 6))


class CascadeModel:
    """Linear first stage, transformer second stage, same output as either alone."""

    def __init__(self, config: ModelConfig, linear: LinearModel, transformer: TransformerModel) -> None:
        self.config = config
        self.linear = linear
        self.transformer = transformer
        self.gate = float(config.components["gate"])
        self.thresholds = np.asarray([config.thresholds[label] for label in LABELS], dtype=np.float32)
        self.enabled = True
        self.last_stage_counts = {"linear": 0, "transformer": 0}
        #: Cumulative messages decided by each stage since load (for summaries and benchmarks).
        self.stage_totals: Counter[str] = Counter()
        self._counter_lock = threading.Lock()

    def set_thresholds(self, thresholds: Mapping[str, float]) -> None:
        """Use the caller's thresholds for capping linear-only scores.

        The gate keeps the transformer's flags at the model's own thresholds; a lower threshold asks
        for flags the gate was never tuned for, so the cascade steps aside and the transformer scores
        everything.
        """
        self.thresholds = np.asarray([thresholds[label] for label in LABELS], dtype=np.float32)
        lowered = [label for label in LABELS if thresholds[label] < self.config.thresholds[label]]
        if lowered and self.enabled:
            logger.warning(
                "threshold(s) below the model's for %s: the transformer scores every message", lowered
            )
            self.enabled = False

    @classmethod
    def load(
        cls, directory: Path, config: ModelConfig | None = None, device: str = "auto", precision: str = "auto"
    ) -> CascadeModel:
        directory = Path(directory)
        config = config or ModelConfig.load(directory)
        if "gate" not in config.components:
            raise ModelDirError(f"{directory}: cascade config has no 'components.gate'")
        linear = LinearModel.load(directory / config.components.get("linear_dir", LINEAR_SUBDIR))
        transformer = TransformerModel.load(directory, config, device=device, precision=precision)
        return cls(config, linear, transformer)

    def passes_gate(self, linear_scores: np.ndarray) -> np.ndarray:
        return linear_scores.max(axis=1) >= self.gate

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if not self.enabled:
            return self.transformer.predict_proba(texts)
        first = self.linear.predict_proba(texts)
        selected = np.flatnonzero(self.passes_gate(first))
        scores = np.minimum(first, np.nextafter(self.thresholds, 0)).astype(np.float32)
        if len(selected):
            scores[selected] = self.transformer.predict_proba([texts[i] for i in selected])
        counts = {"linear": len(texts) - len(selected), "transformer": len(selected)}
        with self._counter_lock:
            self.last_stage_counts = counts
            self.stage_totals.update(counts)
        return scores
