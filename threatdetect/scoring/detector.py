"""`Detector`: the library API for moderation services.

    from threatdetect import Detector
    detector = Detector.load()                     # the shipped default model
    result = detector.score("ik weet waar je woont")
    result.scores["intimidation"], result.labels, result.flagged, result.spans

Thread-safe: models serialise their own forward passes and are read-only after load; thresholds and
the cascade switch belong to the Detector, so several Detectors can share one model. Scoring makes no
network calls.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import overload

import numpy as np

from threatdetect.labels import LABELS, enforce_implication_array, implied_labels
from threatdetect.modeling.base import ModelOutput, ScoringModel
from threatdetect.modeling.loader import default_model_dir, load_model
from threatdetect.normalize import Normalizer, NormalizerSettings
from threatdetect.scoring.explain import lexicon_spans, occlusion_spans
from threatdetect.scoring.results import Explanation, ScoreResult
from threatdetect.triggers import TriggerLexicon

DEFAULT_BATCH_SIZE = 256
logger = logging.getLogger(__name__)


class Detector:
    """Scores Dutch messages for hate, intimidation and death_threat."""

    def __init__(
        self,
        model: ScoringModel,
        thresholds: Mapping[str, float] | str | None = None,
        model_path: Path | None = None,
        cascade: bool = True,
    ) -> None:
        self.model = model
        self.config = model.config
        self.thresholds = {label: float(self.config.thresholds[label]) for label in LABELS}
        if isinstance(thresholds, str):
            presets = self.config.threshold_presets
            if thresholds not in presets:
                known = ", ".join(["default", *presets]) if presets else "default"
                raise ValueError(f"unknown threshold preset {thresholds!r}; this model has: {known}")
            thresholds = presets[thresholds]
        if thresholds:
            unknown = set(thresholds) - set(LABELS)
            if unknown:
                raise ValueError(f"unknown label(s) in thresholds: {', '.join(sorted(unknown))}")
            self.thresholds.update({k: float(v) for k, v in thresholds.items()})
        self._threshold_array = np.asarray([self.thresholds[label] for label in LABELS], dtype=np.float32)
        # The lowest thresholds the model ships (its own or a preset's): the cascade's gate was tuned
        # to keep the transformer's flags down to these.
        floor = {
            label: min(
                float(t[label]) for t in (self.config.thresholds, *self.config.threshold_presets.values())
            )
            for label in LABELS
        }
        lowered = [label for label in LABELS if self.thresholds[label] < floor[label]]
        #: Whether a two-stage model may let its first stage decide; a threshold below the model's own
        #: asks for flags the gate was never tuned for, so the transformer then scores everything.
        self.cascade = cascade and not lowered
        if cascade and lowered and self.config.kind == "cascade":
            logger.warning(
                "threshold(s) below the model's for %s: the transformer scores every message", lowered
            )
        self.model_path = model_path
        self.normalizer = Normalizer(NormalizerSettings.from_dict(self.config.normalizer))
        self.lexicon = TriggerLexicon.default()

    @classmethod
    def load(
        cls,
        path: str | os.PathLike | None = None,
        *,
        thresholds: Mapping[str, float] | str | None = None,
        device: str = "auto",
        precision: str = "auto",
        cascade: bool = True,
    ) -> Detector:
        """Load a model directory; the shipped default (`models/default`) when `path` is None.

        `thresholds` overrides the model's thresholds per label, or names one of its presets
        (`"recall"`: recall-first, for users who would rather read more false alarms than miss a threat).
        """
        directory = Path(path) if path is not None else default_model_dir()
        model = load_model(directory, device=device, precision=precision)
        return cls(model, thresholds, directory, cascade=cascade)

    @property
    def name(self) -> str:
        return self.config.name

    def predict(self, texts: Sequence[str]) -> ModelOutput:
        """(n, 3) scores in LABELS order with death_threat <= intimidation enforced, and stage counts."""
        output = self.model.predict(list(texts), thresholds=self._threshold_array, cascade=self.cascade)
        scores = enforce_implication_array(np.asarray(output.scores, dtype=np.float32))
        return ModelOutput(scores, output.stages)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) scores in LABELS order, with death_threat <= intimidation enforced."""
        return self.predict(texts).scores

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
        results, _ = self.score_batch([texts] if single else list(texts), spans=spans, batch_size=batch_size)
        return results[0] if single else results

    def score_batch(
        self, texts: Sequence[str], *, spans: bool = True, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> tuple[list[ScoreResult], Counter[str]]:
        """Results in input order, plus how many messages each model stage decided in this call."""
        for index, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"texts[{index}] is {type(text).__name__}, expected str")
        results: list[ScoreResult] = []
        stages: Counter[str] = Counter()
        for begin in range(0, len(texts), batch_size):
            chunk = texts[begin : begin + batch_size]
            output = self.predict(chunk)
            stages.update(output.stages)
            results.extend(
                self._result(text, row, spans) for text, row in zip(chunk, output.scores, strict=True)
            )
        return results, stages

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
