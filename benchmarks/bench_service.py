"""Load test of `threatdetect serve`: concurrent clients against a real uvicorn process.

    python benchmarks/bench_service.py                          # 32 clients, 2,000 requests of 4 messages
    python benchmarks/bench_service.py --requests 500 --quick   # a smoke test

Starts `threatdetect serve` in a subprocess with the shipped model, waits for /readyz, then drives
`--clients` concurrent httpx clients until `--requests` requests have been answered. Each request
carries `--per-request` messages taken in turn from the test split of our corpus. Prints requests/s,
messages/s, latency percentiles, errors (any answer but 200, or a failed connection) and how many
messages the micro-batcher put into each model call (from the server's debug log, which holds counts
and times, never texts). Writes benchmarks/results/service.json; `python benchmarks/update_readme.py`
puts it in the README.

Client and server share the machine's cores, so the figures are a floor for a dedicated server. After
the server stops, the same messages are scored in-process without HTTP (`--model-alone`): the ceiling
the service is measured against, on the same machine in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results" / "service.json"
CORPUS = ROOT / "data" / "corpus" / "test.jsonl"
MODEL_CALL = re.compile(r"model call: (\d+) messages from (\d+) requests in ([\d.]+) ms")


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def corpus_texts() -> list[str]:
    with CORPUS.open(encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle if line.strip()]


def start_server(port: int, log: Path, args: argparse.Namespace) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "threatdetect",
        "serve",
        "--port",
        str(port),
        "--batch-wait-ms",
        str(args.batch_wait_ms),
        "--batch-max-messages",
        str(args.batch_max_messages),
        "--log-level",
        "debug",
    ]
    with log.open("w") as handle:
        return subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env={**os.environ})


def wait_ready(server: subprocess.Popen, base: str, log: Path, timeout: float = 600) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"the server was not ready after {timeout:.0f} s:\n{log.read_text()}")


async def drive(base: str, texts: list[str], args: argparse.Namespace) -> dict:
    """`args.requests` requests from `args.clients` concurrent clients; latencies and errors."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    issued = 0

    def next_body() -> dict | None:
        nonlocal issued
        if issued >= args.requests:
            return None
        begin = issued * args.per_request
        issued += 1
        picked = [texts[(begin + k) % len(texts)] for k in range(args.per_request)]
        return {"messages": [{"id": f"r{issued}-{k}", "text": text} for k, text in enumerate(picked)]}

    async def client_loop(client: httpx.AsyncClient) -> None:
        while (body := next_body()) is not None:
            sent = time.perf_counter()
            try:
                response = await client.post("/v1/score", json=body)
                ok = response.status_code == 200 and len(response.json()["results"]) == args.per_request
                reason = "ok" if ok else f"HTTP {response.status_code}"
            except httpx.HTTPError as error:
                reason = type(error).__name__
            latencies.append(time.perf_counter() - sent)
            if reason != "ok":
                errors[reason] = errors.get(reason, 0) + 1

    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(args.clients)))
        seconds = time.perf_counter() - started
    milliseconds = np.asarray(latencies) * 1000
    return {
        "seconds": round(seconds, 2),
        "requests_per_s": round(args.requests / seconds, 1),
        "messages_per_s": round(args.requests * args.per_request / seconds, 1),
        "latency_ms": {
            name: round(float(np.percentile(milliseconds, q)), 1)
            for name, q in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))
        },
        "errors": sum(errors.values()),
        "errors_by_kind": errors,
    }


def model_alone(texts: list[str], args: argparse.Namespace) -> dict:
    """The same messages scored in this process without HTTP, in calls of the batcher's cap: the
    ceiling the service is measured against, on the same machine in the same run."""
    from threatdetect import Detector

    detector = Detector.load()
    detector.model.predict(["warm-up"], cascade=False)
    messages = [texts[k % len(texts)] for k in range(min(args.model_alone, args.requests * args.per_request))]
    started = time.perf_counter()
    for begin in range(0, len(messages), args.batch_max_messages):
        detector.score_batch(messages[begin : begin + args.batch_max_messages])
    seconds = time.perf_counter() - started
    return {"messages": len(messages), "messages_per_s": round(len(messages) / seconds, 1)}


def model_calls(log_text: str, skip: int) -> dict:
    """How the micro-batcher grouped requests, from the server's debug lines (after the warm-up)."""
    calls = [tuple(float(x) for x in match.groups()) for match in MODEL_CALL.finditer(log_text)][skip:]
    if not calls:
        return {}
    messages, requests, ms = (np.asarray(column) for column in zip(*calls, strict=True))
    return {
        "model_calls": len(calls),
        "mean_messages_per_call": round(float(messages.mean()), 1),
        "mean_requests_per_call": round(float(requests.mean()), 1),
        "max_messages_per_call": int(messages.max()),
        "mean_call_ms": round(float(ms.mean()), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--per-request", type=int, default=4, help="messages per request")
    parser.add_argument("--batch-wait-ms", type=float, default=5.0)
    parser.add_argument("--batch-max-messages", type=int, default=256)
    parser.add_argument("--warmup", type=int, default=64, help="requests sent before timing starts")
    parser.add_argument(
        "--model-alone", type=int, default=1024, help="messages scored in-process for comparison (0: skip)"
    )
    parser.add_argument("--quick", action="store_true", help="print only; do not write the results file")
    args = parser.parse_args()

    texts = corpus_texts()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        server = start_server(port, log, args)
        try:
            ready_seconds = wait_ready(server, base, log)
            warmup = argparse.Namespace(**{**vars(args), "requests": args.warmup})
            asyncio.run(drive(base, texts[::-1], warmup))
            warmup_calls = len(MODEL_CALL.findall(log.read_text()))
            measured = asyncio.run(drive(base, texts, args))
        finally:
            server.terminate()
            server.wait(timeout=60)
        log_text = log.read_text()
    alone = model_alone(texts, args) if args.model_alone else {}
    report = {
        "requests": args.requests,
        "clients": args.clients,
        "messages_per_request": args.per_request,
        "messages": args.requests * args.per_request,
        **measured,
        "batching": model_calls(log_text, warmup_calls),
        "model_alone": alone,
        "server": {
            "command": "threatdetect serve",
            "batch_wait_ms": args.batch_wait_ms,
            "batch_max_messages": args.batch_max_messages,
            "ready_seconds": round(ready_seconds, 1),
        },
        "machine": {
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "load_average_before": round(load_before, 2),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "shared": "client and server on the same machine",
        },
    }
    machine = report["machine"]
    print(f"CPU: {machine['cpu']}, {machine['cores']} cores (load average {machine['load_average_before']})")
    print(
        f"{args.requests} requests x {args.per_request} messages from {args.clients} clients in "
        f"{measured['seconds']} s (model ready after {report['server']['ready_seconds']} s)"
    )
    print(f"requests/s {measured['requests_per_s']}, messages/s {measured['messages_per_s']}")
    latency = measured["latency_ms"]
    print(
        f"latency p50 {latency['p50']} ms, p90 {latency['p90']} ms, p99 {latency['p99']} ms, max {latency['max']} ms"
    )
    print(f"errors {measured['errors']} {measured['errors_by_kind'] or ''}".rstrip())
    if report["batching"]:
        batching = report["batching"]
        print(
            f"model calls {batching['model_calls']}: {batching['mean_messages_per_call']} messages "
            f"({batching['mean_requests_per_call']} requests) per call on average, "
            f"{batching['mean_call_ms']} ms per call"
        )
    if alone:
        print(
            f"the model alone, in-process in calls of {args.batch_max_messages}: {alone['messages_per_s']} "
            f"messages/s over {alone['messages']} messages"
        )
    if not args.quick:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    if measured["errors"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
