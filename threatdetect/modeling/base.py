"""The interface every scoring model implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from threatdetect.modeling.model_dir import ModelConfig


class ScoringModel(Protocol):
    """Turns texts into a (n_texts, n_labels) array of probabilities in label order."""

    config: ModelConfig

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray: ...
