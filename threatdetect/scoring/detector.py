"""`Detector`: the library API for moderation services.

    from threatdetect import Detector
    detector = Detector.load()                     # the shipped default model
    result = detector.score("ik weet waar je woont")
    result.scores["intimidation"], result.labels, result.flagged, result.spans

Each message is normalised once, and that result feeds both model stages and the evidence spans.
Repeated messages (retweets, copy-paste) are scored once: identical normalised texts within a call
share one score, and a `ScoreCache` passed to `score_batch` extends that to a whole run.

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
from cachetools import LRUCache

from threatdetect.labels import LABELS, enforce_implication_array, implied_labels
from threatdetect.modeling.base import ModelOutput, ScoringModel, normalized
from threatdetect.modeling.cascade import GATE_WINDOW_CHARS
from threatdetect.modeling.loader import default_model_dir, load_model
from threatdetect.normalize import NormalizedText, Normalizer, NormalizerSettings
from threatdetect.scoring.explain import lexicon_spans, occlusion_spans
from threatdetect.scoring.results import Explanation, ScoreResult
from threatdetect.triggers import TriggerLexicon

DEFAULT_BATCH_SIZE = 256
#: Distinct texts a run remembers the scores of; bounded, so memory stays flat on any dump.
CACHE_SIZE = 50_000
#: Texts this long are gated in windows of the raw text (see modeling.cascade), so their score depends
#: on more than the normalised text and they are never shared.
_SHARED_MAX_CHARS = 2 * GATE_WINDOW_CHARS
logger = logging.getLogger(__name__)


class ScoreCache(LRUCache):
    """Scores of distinct normalised texts, for one Detector (its thresholds) and one run.

    Not thread-safe: give each run (each thread) its own."""

    def __init__(self, maxsize: int = CACHE_SIZE) -> None:
        super().__init__(maxsize=maxsize)


def _share_key(doc: NormalizedText) -> str | None:
    return doc.text if len(doc.raw) <= _SHARED_MAX_CHARS else None


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
        #: Whether a two-stage model may let its first stage decide: only with thresholds at or above
        #: a set its gates were tuned for (its own or a preset's); lower ones ask for flags no gate was
        #: tuned to keep, so the transformer then scores everything.
        gate_applies = getattr(model, "gate_applies", None)
        untuned = gate_applies is not None and not gate_applies(self._threshold_array)
        self.cascade = cascade and not untuned
        if cascade and untuned:
            logger.warning(
                "thresholds %s are below every set the cascade's gates were tuned for: "
                "the transformer scores every message",
                self.thresholds,
            )
        self.model_path = model_path
        self._reads_normalized = bool(getattr(model, "reads_normalized", False))
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

    def predict(
        self,
        texts: Sequence[str] | Sequence[NormalizedText],
        cache: ScoreCache | None = None,
        share: bool = True,
    ) -> ModelOutput:
        """(n, 3) scores in LABELS order with death_threat <= intimidation enforced, and stage counts.

        Identical normalised texts are scored once; with a `cache`, also across calls. The stage
        `repeat` counts messages whose score came from an identical one. `share=False` scores every
        message itself (benchmarks).
        """
        docs = normalized(self.normalizer, texts)
        scores = np.empty((len(docs), len(LABELS)), dtype=np.float32)
        first_of: dict[str, int] = {}  # shared text -> position in `todo`
        todo: list[int] = []
        sources: list[int] = []  # per message: position in `todo`, or -1 when taken from the cache
        for index, doc in enumerate(docs):
            key = _share_key(doc) if share else None
            if key is not None and cache is not None and (hit := cache.get(key)) is not None:
                scores[index] = hit
                sources.append(-1)
            elif key is not None and key in first_of:
                sources.append(first_of[key])
            else:
                if key is not None:
                    first_of[key] = len(todo)
                sources.append(len(todo))
                todo.append(index)
        stages: Counter[str] = Counter()
        if todo:
            # Our models take the normalised texts; a model that only implements the protocol gets strings.
            inputs = [docs[i] if self._reads_normalized else docs[i].raw for i in todo]
            output = self.model.predict(inputs, thresholds=self._threshold_array, cascade=self.cascade)
            fresh = enforce_implication_array(np.asarray(output.scores, dtype=np.float32))
            stages.update(output.stages)
            for index, source in enumerate(sources):
                if source >= 0:
                    scores[index] = fresh[source]
            if cache is not None:
                for key, source in first_of.items():
                    cache[key] = fresh[source].copy()
        if len(todo) < len(docs):
            stages["repeat"] = len(docs) - len(todo)
        return ModelOutput(scores, dict(stages))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) scores in LABELS order, with death_threat <= intimidation enforced."""
        return self.predict(texts).scores

    def _result(self, doc: NormalizedText, row: np.ndarray, spans: bool) -> ScoreResult:
        """`row` comes from `predict`, which has already applied death_threat => intimidation."""
        scores = {label: float(row[i]) for i, label in enumerate(LABELS)}
        labels = implied_labels(label for label in LABELS if scores[label] >= self.thresholds[label])
        # Spans are evidence for the labels the message got, never for labels it did not get.
        found = tuple(lexicon_spans(doc, self.lexicon, labels)) if spans and labels else ()
        return ScoreResult(doc.raw, scores, labels, bool(labels), found)

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
        self,
        texts: Sequence[str],
        *,
        spans: bool = True,
        batch_size: int = DEFAULT_BATCH_SIZE,
        cache: ScoreCache | None = None,
        share: bool = True,
    ) -> tuple[list[ScoreResult], Counter[str]]:
        """Results in input order, plus how many messages each model stage decided in this call.

        Pass one `ScoreCache` to every call of a run to score each distinct text of the run once;
        `share=False` scores every message itself, repeats included.
        """
        for index, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"texts[{index}] is {type(text).__name__}, expected str")
        results: list[ScoreResult] = []
        stages: Counter[str] = Counter()
        for begin in range(0, len(texts), batch_size):
            docs = list(self.normalizer.pipe(texts[begin : begin + batch_size]))
            output = self.predict(docs, cache, share)
            stages.update(output.stages)
            results.extend(
                self._result(doc, row, spans) for doc, row in zip(docs, output.scores, strict=True)
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
