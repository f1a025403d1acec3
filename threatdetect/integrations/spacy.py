"""A spaCy pipeline component: `nlp.add_pipe("threatdetect")` scores each Doc with a `Detector`.

    import spacy
    nlp = spacy.blank("nl")
    nlp.add_pipe("threatdetect")                      # the shipped model
    nlp.add_pipe("threatdetect", config={"model": "path/to/model", "thresholds": {"hate": 0.7}})
    doc = nlp("ik weet waar je woont")
    doc.cats                                          # {"hate": ..., "intimidation": ..., "death_threat": ...}
    doc.spans["threatdetect"]                         # trigger spans, labelled with the label they support

The factory is registered through the `spacy_factories` entry point (pyproject.toml), so spaCy finds
it without `import threatdetect`, also when `spacy.load` rebuilds a saved pipeline. Only the config
(model path or None for the shipped model, thresholds) is saved: the model stays where it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.pipeline import Pipe
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from threatdetect.labels import LABELS
from threatdetect.scoring.detector import Detector
from threatdetect.scoring.results import ScoreResult

#: The key of the trigger spans in `doc.spans`, and the component's default name.
SPANS_KEY = "threatdetect"


class ThreatDetectComponent(Pipe):
    """Sets `doc.cats` (one score per label) and `doc.spans["threatdetect"]` (trigger spans)."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        detector: Detector,
        spans_key: str = SPANS_KEY,
    ) -> None:
        self.vocab = nlp.vocab
        self.name = name
        self.detector = detector
        self.spans_key = spans_key

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(LABELS)

    def __call__(self, doc: Doc) -> Doc:
        error_handler = self.get_error_handler()
        try:
            self.set_annotations([doc], self.predict([doc]))
        except Exception as error:
            error_handler(self.name, self, [doc], error)
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        """Score each batch of `nlp.pipe(batch_size=...)` with one Detector call."""
        error_handler = self.get_error_handler()
        for docs in minibatch(stream, size=batch_size):
            try:
                self.set_annotations(docs, self.predict(docs))
                yield from docs
            except Exception as error:
                error_handler(self.name, self, docs, error)

    def predict(self, docs: list[Doc]) -> list[ScoreResult]:
        return self.detector.score([doc.text for doc in docs], batch_size=max(len(docs), 1))

    def set_annotations(self, docs: list[Doc], results: list[ScoreResult]) -> None:
        for doc, result in zip(docs, results, strict=True):
            doc.cats.update(result.scores)
            triggers: list[Span] = []
            for trigger in result.spans:
                # Offsets index the raw text; "expand" grows a span that cuts a token to whole tokens.
                span = doc.char_span(trigger.start, trigger.end, label=trigger.label, alignment_mode="expand")
                if span is not None:
                    triggers.append(span)
            doc.spans[self.spans_key] = triggers


@Language.factory(
    "threatdetect",
    assigns=["doc.cats", "doc.spans"],
    default_config={"model": None, "thresholds": None, "spans_key": SPANS_KEY},
)
def make_threatdetect(
    nlp: Language,
    name: str,
    model: str | None,
    thresholds: str | dict[str, float] | None,
    spans_key: str,
) -> ThreatDetectComponent:
    """`model`: a model directory, None for the shipped one (or `$THREATDETECT_MODEL`).
    `thresholds`: per-label overrides, or the name of one of the model's presets (e.g. "recall")."""
    return ThreatDetectComponent(nlp, name, Detector.load(model, thresholds=thresholds), spans_key)
