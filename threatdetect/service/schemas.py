"""Request and response bodies of the HTTP API (pydantic models, so OpenAPI documents them)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, create_model, model_validator

from threatdetect.labels import LABELS

Label = Literal[LABELS]  # "hate", "intimidation" or "death_threat"

#: One score per label in [0, 1]; the fields come from `LABELS`, so a label is spelled once.
Scores = create_model(
    "Scores",
    __doc__="Scores per label in [0, 1]; intimidation is at least death_threat.",
    **{label: (float, Field(ge=0.0, le=1.0)) for label in LABELS},
)


class MessageIn(BaseModel):
    """A message with the caller's id, which comes back with its result."""

    id: str | int = Field(description="The caller's message id; returned as a string.")
    text: str


class ScoreRequest(BaseModel):
    """Either `texts` (ids are their positions) or `messages` with ids, not both."""

    texts: list[str] | None = Field(default=None, examples=[["ik weet waar je woont", "goed gedaan!"]])
    messages: list[MessageIn] | None = Field(
        default=None, examples=[[{"id": "c-1", "text": "ik weet waar je woont"}]]
    )

    @model_validator(mode="after")
    def _exactly_one_form(self) -> ScoreRequest:
        if (self.texts is None) == (self.messages is None):
            raise ValueError('give either "texts" (a list of strings) or "messages" (a list of {id, text})')
        return self

    def ids_and_texts(self) -> tuple[list[str], list[str]]:
        """Result ids (given, or each text's position) and the texts, in request order."""
        if self.messages is not None:
            return [str(m.id) for m in self.messages], [m.text for m in self.messages]
        texts = self.texts or []
        return [str(index) for index in range(len(texts))], texts


class SpanOut(BaseModel):
    """A piece of the text that drove a label: `text == input[start:end]`."""

    start: int
    end: int
    text: str
    label: Label
    source: Literal["lexicon", "occlusion"]
    weight: float


class ScoredMessage(BaseModel):
    id: str
    scores: Scores  # type: ignore[valid-type]  (a model class built from LABELS above)
    labels: list[Label] = Field(description="Labels whose score reaches the model's threshold.")
    flagged: bool
    spans: list[SpanOut] = Field(description="Trigger words for the labels the message got.")


class ScoreResponse(BaseModel):
    """One result per message, in request order."""

    results: list[ScoredMessage]


class ModelInfo(BaseModel):
    name: str
    kind: str = Field(description="linear, transformer or cascade")
    version: str = Field(description="The threatdetect version serving the model.")
    labels: list[Label]
    thresholds: dict[str, float] = Field(description="The thresholds in use, per label.")
    threshold_presets: dict[str, dict[str, float]] = Field(
        description="Named threshold sets the model ships (e.g. recall); empty when it has none."
    )
    cascade: bool = Field(description="Whether the first stage may decide without the transformer.")


class Status(BaseModel):
    status: str


class ErrorItem(BaseModel):
    """Where a request was wrong and why; never the offending input itself."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorResponse(BaseModel):
    detail: str | list[ErrorItem]
