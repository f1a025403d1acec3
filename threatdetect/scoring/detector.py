"""`Detector`: the library API for moderation services.

    from threatdetect import Detector
    detector = Detector.load()                     # the shipped default model
    result = detector.score("ik weet waar je woont")
    result.scores["intimidation"], result.labels, result.flagged, result.spans

Thread-safe: models serialise their own forward passes, everything else is read-only after load.
Scoring makes no network calls.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import overload

import numpy as np

from threatdetect.labels import LABELS, enforce_implication_array, implied_labels
from threatdetect.modeling.base import ScoringModel
from threatdetect.modeling.lexicon_features import TriggerLexicon
from threatdetect.modeling.loader import default_model_dir, load_model
from threatdetect.normalize import Normalizer, NormalizerSettings
from threatdetect.scoring.explain import lexicon_spans, occlusion_spans
from threatdetect.scoring.results import Explanation, ScoreResult

DEFAULT_BATCH_SIZE = 256


class Detector:
    """Scores Dutch messages for hate, intimidation and death_threat."""

    def __init__(
        self,
        model: ScoringModel,
        thresholds: Mapping[str, float] | None = None,
        model_path: Path | None = None,
    ) -> None:
        self.model = model
        self.config = model.config
        self.thresholds = {label: float(self.config.thresholds[label]) for label in LABELS}
        if thresholds:
            unknown = set(thresholds) - set(LABELS)
            if unknown:
                raise ValueError(f"unknown label(s) in thresholds: {', '.join(sorted(unknown))}")
            self.thresholds.update({k: float(v) for k, v in thresholds.items()})
        if hasattr(model, "set_thresholds"):
            model.set_thresholds(self.thresholds)
        self.model_path = model_path
        self.normalizer = Normalizer(NormalizerSettings.from_dict(self.config.normalizer))
        self.lexicon = TriggerLexicon.default()

    @classmethod
    def load(
        cls,
        path: str | os.PathLike | None = None,
        *,
        thresholds: Mapping[str, float] | None = None,
        device: str = "auto",
        precision: str = "auto",
        cascade: bool = True,
    ) -> Detector:
        """Load a model directory; the shipped default (`models/default`) when `path` is None."""
        directory = Path(path) if path is not None else default_model_dir()
        return cls(
            load_model(directory, device=device, precision=precision, cascade=cascade), thresholds, directory
        )

    @property
    def name(self) -> str:
        return self.config.name

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) scores in LABELS order, with death_threat <= intimidation enforced."""
        return enforce_implication_array(np.asarray(self.model.predict_proba(list(texts)), dtype=np.float32))

    def _result(self, text: str, row: np.ndarray, spans: bool) -> ScoreResult:
        """`row` comes from `predict_proba`, which has already applied death_threat => intimidation."""
        scores = {label: float(row[i]) for i, label in enumerate(LABELS)}
        labels = implied_labels(label for label in LABELS if scores[label] >= self.thresholds[label])
        # Spans are evidence for the labels the message got, never for labels it did not get.
        found = tuple(lexicon_spans(self.normalizer(text), self.lexicon, labels)) if spans and labels else ()
        return ScoreResult(text, scores, labels, bool(labels), found)

    @overload
    def score(
        self, texts: str, *, spans: bool = True, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> ScoreResult: ...
    @overload
    def score(
        self, texts: Sequence[str], *, spans: bool = True, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> list[ScoreResult]: ...

    def score(self, texts, *, spans: bool = True, batch_size: int = DEFAULT_BATCH_SIZE):
        """Score one text (returns a ScoreResult) or many (returns a list, in input order)."""
        single = isinstance(texts, str)
        batch = [texts] if single else list(texts)
        for index, text in enumerate(batch):
            if not isinstance(text, str):
                raise TypeError(f"texts[{index}] is {type(text).__name__}, expected str")
        results: list[ScoreResult] = []
        for begin in range(0, len(batch), batch_size):
            chunk = batch[begin : begin + batch_size]
            probabilities = self.predict_proba(chunk)
            results.extend(
                self._result(text, row, spans) for text, row in zip(chunk, probabilities, strict=True)
            )
        return results[0] if single else results

    def explain(self, text: str, top_k: int = 3) -> Explanation:
        """Spans that drove each label: lexicon hits plus occlusion (token removal) on the model."""
        result = self.score(text, spans=False)
        doc = self.normalizer(text)
        found = lexicon_spans(doc, self.lexicon) + occlusion_spans(doc, self.predict_proba, top_k=top_k)
        per_label = {
            label: tuple(sorted((s for s in found if s.label == label), key=lambda s: -s.weight))
            for label in LABELS
        }
        return Explanation(text, result.scores, result.labels, per_label)
