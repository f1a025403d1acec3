"""`create_app`: the FastAPI application (routes, limits, error bodies and the model's lifecycle)."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from threatdetect import __version__
from threatdetect.labels import LABELS
from threatdetect.modeling.loader import default_model_dir
from threatdetect.scoring.detector import Detector
from threatdetect.service.batcher import BatcherStopped, MicroBatcher, ScoringError
from threatdetect.service.middleware import AccessLog, BodySizeLimit
from threatdetect.service.schemas import (
    ErrorResponse,
    ModelInfo,
    ScoredMessage,
    ScoreRequest,
    ScoreResponse,
    Status,
)
from threatdetect.service.settings import (
    DEFAULT_BATCH_MAX_MESSAGES,
    DEFAULT_BATCH_WAIT_MS,
    DEFAULT_MAX_BATCH,
    DEFAULT_MAX_CHARS,
    ServiceSettings,
)

logger = logging.getLogger(__name__)


@dataclass
class ModelSlot:
    """The detector once it is loaded (or why loading failed), and the batcher in front of it."""

    detector: Detector | None = None
    batcher: MicroBatcher | None = None
    error: str | None = None
    loading: asyncio.Task[None] | None = field(default=None, repr=False)


class ApiError(Exception):
    """An error answer: `status` and `detail`, which never quotes a message text."""

    def __init__(self, status: int, detail: str | list[dict[str, Any]]) -> None:
        super().__init__(status)
        self.status = status
        self.detail = detail


def _safe_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    """Validation errors without `input` and `ctx`, which would echo the message text back."""
    return [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()]


def _check_limits(ids: list[str], texts: list[str], settings: ServiceSettings, field_name: str) -> None:
    if len(texts) > settings.max_batch:
        raise ApiError(
            413,
            f"too many messages in one request: {len(texts)}; the limit is {settings.max_batch} "
            "(--max-batch). Split them over several requests.",
        )
    too_long = [
        {
            "loc": ["body", field_name, index, *(["text"] if field_name == "messages" else [])],
            "msg": f"message {ids[index]!r} has {len(text):,} characters; the limit is "
            f"{settings.max_chars:,} (--max-chars)",
            "type": "string_too_long",
        }
        for index, text in enumerate(texts)
        if len(text) > settings.max_chars
    ]
    if too_long:
        raise ApiError(422, too_long)


def create_app(
    detector: Detector | None = None,
    *,
    model: str | os.PathLike | None = None,
    thresholds: Mapping[str, float] | str | None = None,
    precision: str = "auto",
    cascade: bool = True,
    max_batch: int = DEFAULT_MAX_BATCH,
    max_chars: int = DEFAULT_MAX_CHARS,
    max_body_bytes: int | None = None,
    batch_wait_ms: float = DEFAULT_BATCH_WAIT_MS,
    batch_max_messages: int = DEFAULT_BATCH_MAX_MESSAGES,
) -> FastAPI:
    """The scoring service for `detector`, or for the model at `model` (the shipped one when None).

    Without a detector the model loads in the background when the app starts, so `/healthz` answers
    at once and `/readyz` turns 200 when scoring can start. `thresholds`, `precision` and `cascade`
    go to `Detector.load`; the limits and batching knobs are described in `ServiceSettings`. Run the
    app with its lifespan (uvicorn does; in tests `with TestClient(app) as client`), which starts and
    stops the batcher.
    """
    settings = ServiceSettings(
        max_batch=max_batch,
        max_chars=max_chars,
        max_body_bytes=max_body_bytes,
        batch_wait_ms=batch_wait_ms,
        batch_max_messages=batch_max_messages,
    )
    slot = ModelSlot()

    def install(loaded: Detector) -> None:
        batcher = MicroBatcher(
            loaded, wait_ms=settings.batch_wait_ms, max_messages=settings.batch_max_messages
        )
        batcher.start()
        slot.detector, slot.batcher = loaded, batcher

    def load_and_warm_up() -> Detector:
        loaded = Detector.load(model, thresholds=thresholds, precision=precision, cascade=cascade)
        # The first call through each stage pays for lazy initialisation; let no client's request pay.
        loaded.model.predict(["warm-up"], cascade=False)
        return loaded

    async def load_in_background() -> None:
        logger.info("loading the model from %s", model if model is not None else default_model_dir())
        try:
            loaded = await asyncio.to_thread(load_and_warm_up)
        except Exception as error:
            slot.error = f"{type(error).__name__}: {error}"
            logger.error("the model could not be loaded: %s", slot.error)
            return
        install(loaded)
        logger.info("model %s loaded; ready to score", loaded.name)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if detector is not None:
            install(detector)
        else:
            slot.loading = asyncio.create_task(load_in_background())
        try:
            yield
        finally:
            if slot.loading is not None and not slot.loading.done():
                slot.loading.cancel()
            if slot.batcher is not None:
                await slot.batcher.stop()
            slot.detector = slot.batcher = slot.loading = None

    app = FastAPI(
        title="threatdetect",
        version=__version__,
        summary="Scores Dutch messages for hate, intimidation and death threats.",
        lifespan=lifespan,
    )
    app.state.slot = slot
    app.state.settings = settings

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _safe_errors(error)}, status_code=422)

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, error: ApiError) -> JSONResponse:
        return JSONResponse({"detail": error.detail}, status_code=error.status)

    def ready_batcher() -> MicroBatcher:
        if slot.error is not None:
            raise ApiError(503, f"the model could not be loaded ({slot.error}); see the server log")
        if slot.batcher is None:
            raise ApiError(503, "the model is still loading; retry when /readyz answers 200")
        return slot.batcher

    @app.get("/healthz", response_model=Status, tags=["status"])
    async def healthz() -> Status:
        """The process is up (the model may still be loading)."""
        return Status(status="ok")

    @app.get("/readyz", response_model=Status, responses={503: {"model": ErrorResponse}}, tags=["status"])
    async def readyz() -> Status:
        """200 once the model is loaded and requests are scored; 503 before that."""
        ready_batcher()
        return Status(status="ready")

    @app.get("/v1/model", response_model=ModelInfo, responses={503: {"model": ErrorResponse}}, tags=["model"])
    async def model_info() -> ModelInfo:
        """The model being served: name, kind, labels and the thresholds in use."""
        ready_batcher()
        loaded = slot.detector
        assert loaded is not None  # ready_batcher() passed
        return ModelInfo(
            name=loaded.name,
            kind=loaded.config.kind,
            version=__version__,
            labels=list(LABELS),
            thresholds=loaded.thresholds,
            threshold_presets=loaded.config.threshold_presets,
            cascade=loaded.cascade,
        )

    @app.post(
        "/v1/score",
        response_model=ScoreResponse,
        responses={
            413: {"model": ErrorResponse, "description": "Too many messages, or the body is too large."},
            422: {
                "model": ErrorResponse,
                "description": "Malformed request, or a text over the length limit.",
            },
            500: {"model": ErrorResponse},
            503: {"model": ErrorResponse, "description": "The model is not loaded (yet)."},
        },
        tags=["scoring"],
        description=(
            "Scores each message for hate, intimidation and death_threat; results come back in request "
            f"order. At most {settings.max_batch} messages per request, each at most "
            f"{settings.max_chars:,} characters, and at most {settings.body_limit:,} bytes of body."
        ),
    )
    async def score(request: ScoreRequest) -> ScoreResponse:
        ids, texts = request.ids_and_texts()
        _check_limits(ids, texts, settings, "messages" if request.messages is not None else "texts")
        batcher = ready_batcher()
        try:
            results = await batcher.score(texts)
        except ScoringError as error:
            raise ApiError(500, f"{error}; see the server log") from error
        except BatcherStopped as error:
            raise ApiError(503, str(error)) from error
        return ScoreResponse(
            results=[
                ScoredMessage(id=message_id, **result.to_dict())
                for message_id, result in zip(ids, results, strict=True)
            ]
        )

    app.add_middleware(BodySizeLimit, limit=settings.body_limit)
    # Outermost, so that 413s from the body limit are logged too.
    app.add_middleware(AccessLog, paths=frozenset(route.path for route in app.routes))
    return app
