"""`threatdetect serve`: the HTTP API, micro-batching, limits, and logs that never hold message text.

Most tests run the app in-process with FastAPI's TestClient over a stub model (the behaviour under
test is the service, not the model); one scores with the shipped model, and one starts a real
uvicorn process with `threatdetect serve`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from threatdetect import Detector
from threatdetect.cli import app as cli_app
from threatdetect.labels import LABELS
from threatdetect.modeling.base import ModelOutput
from threatdetect.modeling.model_dir import ModelConfig
from threatdetect.service import ServiceSettings, create_app
from threatdetect.service.batcher import MicroBatcher

ROOT = Path(__file__).resolve().parents[1]
#: Stands in for a message text: it must never show up in a log line or an error body.
SECRET = "GEHEIM-ik-weet-waar-je-woont-7731"


class _StubModel:
    """Scores 'dood' as a death threat and anything else as harmless, instantly."""

    def __init__(self) -> None:
        self.config = ModelConfig(
            name="stub", kind="linear", threshold_presets={"recall": dict.fromkeys(LABELS, 0.3)}
        )

    def predict_proba(self, texts):
        return self.predict(texts).scores

    def predict(self, texts, *, thresholds=None, cascade=True):
        rows = [[0.0, 0.9, 0.8] if "dood" in text else [0.0, 0.1, 0.0] for text in texts]
        return ModelOutput(np.asarray(rows, dtype=np.float32).reshape(-1, len(LABELS)), {"stub": len(texts)})


class CountingDetector(Detector):
    """A Detector that records the texts of every `score_batch` call, and can be made to fail."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__(_StubModel())
        self.calls: list[list[str]] = []
        self.fail = fail

    def score_batch(self, texts, **kwargs):
        self.calls.append(list(texts))
        if self.fail:
            raise ValueError(f"cannot score {texts[0]!r}")  # an exception that quotes its input
        return super().score_batch(texts, **kwargs)


def _client(detector: Detector | None = None, **kwargs) -> TestClient:
    return TestClient(create_app(detector or CountingDetector(), **kwargs))


def test_texts_come_back_in_order_with_their_positions_as_ids():
    with _client() as client:
        response = client.post("/v1/score", json={"texts": ["fijne dag", "ik maak je dood", ""]})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == ["0", "1", "2"]
    assert [r["flagged"] for r in results] == [False, True, False]
    assert results[1]["labels"] == ["intimidation", "death_threat"]
    assert set(results[1]["scores"]) == set(LABELS)
    assert any(span["text"] == "dood" and span["label"] == "death_threat" for span in results[1]["spans"])


def test_messages_keep_the_ids_they_were_given():
    messages = [{"id": "c-9", "text": "ik maak je dood"}, {"id": 42, "text": "fijne dag"}]
    with _client() as client:
        results = client.post("/v1/score", json={"messages": messages}).json()["results"]
    assert [(r["id"], r["flagged"]) for r in results] == [("c-9", True), ("42", False)]


def test_health_ready_and_model_info():
    detector = CountingDetector()
    with _client(detector) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").status_code == 200
        info = client.get("/v1/model").json()
    assert info["name"] == "stub" and info["kind"] == "linear"
    assert info["labels"] == list(LABELS)
    assert info["thresholds"] == detector.thresholds
    assert info["threshold_presets"] == {"recall": dict.fromkeys(LABELS, 0.3)}


def test_openapi_documents_the_request_and_response_bodies():
    with _client(max_batch=7) as client:
        spec = client.get("/openapi.json").json()
    assert {"/v1/score", "/v1/model", "/healthz", "/readyz"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    assert set(schemas["ScoreRequest"]["properties"]) == {"texts", "messages"}
    assert set(schemas["Scores"]["properties"]) == set(LABELS)
    assert "At most 7 messages per request" in spec["paths"]["/v1/score"]["post"]["description"]


def _wait_for(client: TestClient, path: str, status: int, seconds: float = 30.0) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while True:
        response = client.get(path)
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def test_readyz_is_503_until_the_model_has_loaded(monkeypatch):
    release = threading.Event()

    def slow_load(path, **kwargs):
        assert release.wait(30), "the test never released the load"
        return CountingDetector()

    monkeypatch.setattr(Detector, "load", staticmethod(slow_load))
    with TestClient(create_app(model="any")) as client:
        assert client.get("/healthz").status_code == 200
        waiting = client.get("/readyz")
        assert waiting.status_code == 503 and "still loading" in waiting.json()["detail"]
        assert client.post("/v1/score", json={"texts": ["hallo"]}).status_code == 503
        release.set()
        assert _wait_for(client, "/readyz", 200).status_code == 200
        assert client.post("/v1/score", json={"texts": ["hallo"]}).status_code == 200


def test_a_model_that_cannot_load_keeps_readyz_503_with_the_reason(tmp_path):
    with TestClient(create_app(model=tmp_path)) as client:
        response = _wait_for(client, "/readyz", 503)
        deadline = time.monotonic() + 30
        while "still loading" in response.json()["detail"] and time.monotonic() < deadline:
            time.sleep(0.05)
            response = client.get("/readyz")
        assert response.status_code == 503
        assert "could not be loaded" in response.json()["detail"]
        assert "not a threatdetect model directory" in response.json()["detail"]


def test_two_concurrent_requests_are_scored_in_one_model_call():
    detector = CountingDetector()
    start = threading.Barrier(2)
    # The wait is long so that a busy test machine cannot split the two requests.
    with _client(detector, batch_wait_ms=1000) as client:

        def post(texts: list[str]) -> list[dict]:
            start.wait()
            return client.post("/v1/score", json={"texts": texts}).json()["results"]

        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(post, ["ik maak je dood", "fijne dag"])
            second = pool.submit(post, ["tot morgen"])
            first_results, second_results = first.result(), second.result()
    assert len(detector.calls) == 1
    assert sorted(detector.calls[0]) == sorted(["ik maak je dood", "fijne dag", "tot morgen"])
    assert [r["flagged"] for r in first_results] == [True, False]
    assert [(r["id"], r["flagged"]) for r in second_results] == [("0", False)]


def test_the_batcher_never_puts_more_than_its_cap_in_one_call():
    detector = CountingDetector()

    async def run() -> list[list]:
        batcher = MicroBatcher(detector, wait_ms=50, max_messages=3)
        batcher.start()
        try:
            return await asyncio.gather(
                batcher.score(["a", "b"]), batcher.score(["c", "d"]), batcher.score(["e"])
            )
        finally:
            await batcher.stop()

    results = asyncio.run(run())
    assert detector.calls == [["a", "b"], ["c", "d", "e"]]
    assert [[r.text for r in batch] for batch in results] == [["a", "b"], ["c", "d"], ["e"]]


def test_too_many_messages_is_413_naming_the_limit():
    with _client(max_batch=3) as client:
        response = client.post("/v1/score", json={"texts": ["hallo"] * 4})
    assert response.status_code == 413
    assert "4; the limit is 3 (--max-batch)" in response.json()["detail"]


def test_a_text_over_the_length_limit_is_422_naming_the_limit_not_the_text():
    messages = [{"id": "ok", "text": "kort"}, {"id": "long", "text": SECRET * 10}]
    with _client(max_chars=100) as client:
        response = client.post("/v1/score", json={"messages": messages})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "messages", 1, "text"]
    assert "the limit is 100 (--max-chars)" in error["msg"] and "'long'" in error["msg"]
    assert SECRET not in response.text


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_is_413_before_it_is_parsed(chunked):
    body = json.dumps({"texts": [SECRET * 100] * 10}).encode()
    content = iter([body[:1000], body[1000:]]) if chunked else body
    detector = CountingDetector()
    with _client(detector, max_body_bytes=4096) as client:
        response = client.post("/v1/score", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "the limit is 4,096 bytes (--max-body-bytes)" in response.json()["detail"]
    assert detector.calls == []


BAD_BODIES = {
    "text not a string": {"texts": [SECRET, 3]},
    "texts not a list": {"texts": SECRET},
    "both forms": {"texts": [SECRET], "messages": [{"id": "a", "text": SECRET}]},
    "message without id": {"messages": [{"text": SECRET}]},
    "message text not a string": {"messages": [{"id": "a", "text": {"nested": SECRET}}]},
    "id not a string": {"messages": [{"id": [SECRET], "text": "hallo"}]},
    "not an object": [SECRET],
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_validation_errors_never_echo_the_text(body, caplog):
    caplog.set_level(logging.DEBUG)
    with _client() as client:
        response = client.post("/v1/score", json=body)
    assert response.status_code == 422
    assert response.json()["detail"], "a 422 must say what was wrong"
    assert all(set(error) == {"loc", "msg", "type"} for error in response.json()["detail"])
    assert SECRET not in response.text
    assert SECRET not in caplog.text


def test_malformed_json_is_422_without_the_body(caplog):
    caplog.set_level(logging.DEBUG)
    with _client() as client:
        response = client.post(
            "/v1/score",
            content=f'{{"texts": ["{SECRET}"'.encode(),
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 422
    assert SECRET not in response.text and SECRET not in caplog.text


def test_access_log_holds_method_path_status_and_time_only(caplog):
    caplog.set_level(logging.INFO, logger="threatdetect.service.access")
    with _client() as client:
        client.post(f"/v1/score?note={SECRET}", json={"texts": [SECRET]})
        client.get(f"/{SECRET}")
    lines = [r.getMessage() for r in caplog.records if r.name == "threatdetect.service.access"]
    assert len(lines) == 2
    assert re.fullmatch(r"POST /v1/score 200 \d+\.\d ms", lines[0])
    assert re.fullmatch(r"GET <unmatched> 404 \d+\.\d ms", lines[1])
    assert SECRET not in caplog.text


def test_a_failing_model_answers_500_and_logs_no_text(caplog):
    caplog.set_level(logging.DEBUG)
    with _client(CountingDetector(fail=True)) as client:
        response = client.post("/v1/score", json={"texts": [SECRET]})
    assert response.status_code == 500
    assert "scoring failed (ValueError)" in response.json()["detail"]
    assert "ValueError" in caplog.text and "score_batch" in caplog.text  # the type and the frames
    assert SECRET not in response.text and SECRET not in caplog.text


SETTINGS_ERRORS = {
    "max_batch": {"max_batch": 0},
    "max_chars": {"max_chars": -1},
    "batch_wait_ms": {"batch_wait_ms": 5000},
    "max_body_bytes": {"max_body_bytes": 10},
}


@pytest.mark.parametrize(("field", "values"), SETTINGS_ERRORS.items(), ids=SETTINGS_ERRORS.keys())
def test_settings_refuse_impossible_limits(field, values):
    with pytest.raises(ValueError, match=field):
        ServiceSettings(**values)


def test_serve_command_refuses_a_bad_limit_before_opening_a_port():
    result = CliRunner().invoke(cli_app, ["serve", "--max-batch", "0"])
    assert result.exit_code == 2
    assert "max_batch must be at least 1" in result.output


@pytest.mark.slow
def test_the_shipped_model_scores_over_http_as_it_does_in_python():
    detector = Detector.load(ROOT / "models" / "default")
    texts = ["ik maak je dood", "wanneer is de inspraakavond over de rotonde?"]
    with TestClient(create_app(detector)) as client:
        assert client.get("/v1/model").json()["name"] == "threatdetect-default"
        response = client.post("/v1/score", json={"texts": texts})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [{k: v for k, v in r.items() if k != "id"} for r in results] == [
        result.to_dict() for result in detector.score(texts)
    ]
    assert "death_threat" in results[0]["labels"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_threatdetect_serve_runs_under_uvicorn(tmp_path):
    port = _free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("w") as handle:
        server = subprocess.Popen(
            [sys.executable, "-m", "threatdetect", "serve", "--port", str(port)],
            cwd=tmp_path,  # the shipped model is found from any directory
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=env,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert server.poll() is None, f"the server exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"not ready after 240 s:\n{log.read_text()}"
            try:
                if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        response = httpx.post(
            f"{base}/v1/score",
            json={"messages": [{"id": "m1", "text": f"ik maak je dood {SECRET}"}]},
            timeout=60,
        )
        assert response.status_code == 200
        [result] = response.json()["results"]
        assert result["id"] == "m1" and "death_threat" in result["labels"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    output = log.read_text()
    assert re.search(r"threatdetect\.service\.access: POST /v1/score 200 \d+\.\d ms", output), output
    assert SECRET not in output
