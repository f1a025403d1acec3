"""Where the time of one `threatdetect score` run goes, stage by stage, in wall-clock seconds.

    python benchmarks/stage_times.py DUMP [score options...]     # e.g. --no-dedup --precision fp32
    python benchmarks/stage_times.py --json TIMES.json DUMP ...  # also write the times as JSON

Runs the CLI in this process with timers around imports, model load, normalisation, the linear
stage, the transformer and the whole of scoring, and prints them to stderr. Unlike a profiler it
adds no per-call overhead, so Python-heavy stages are not overstated next to the transformer.
Set MKL_ENABLE_INSTRUCTIONS=AVX2 ONEDNN_MAX_CPU_ISA=AVX2 for the AVX2 profile of bench_scoring.py.
"""

from __future__ import annotations

import json
import runpy
import sys
import time
from collections import Counter

TIMES: Counter[str] = Counter()


def _timed(owner: object, name: str, key: str, materialise: bool = False) -> None:
    inner = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            result = inner(*args, **kwargs)
            return list(result) if materialise else result
        finally:
            TIMES[key] += time.perf_counter() - start

    setattr(owner, name, wrapper)


def main() -> None:
    start = time.perf_counter()
    arguments, json_path = sys.argv[1:], None
    if arguments[:1] == ["--json"]:
        json_path, arguments = arguments[1], arguments[2:]
    from threatdetect.modeling import cascade
    from threatdetect.modeling.transformer import TransformerModel
    from threatdetect.normalize.pipeline import Normalizer
    from threatdetect.scoring.detector import Detector

    TIMES["imports"] = time.perf_counter() - start
    _timed(Normalizer, "pipe", "normalisation", materialise=True)
    _timed(cascade, "first_stage_scores", "linear stage")
    _timed(TransformerModel, "predict_proba", "transformer")
    _timed(Detector, "score_batch", "scoring")
    _timed(Detector, "load", "model load")
    sys.argv = ["threatdetect", "score", *arguments]
    try:
        runpy.run_module("threatdetect", run_name="__main__")
    except SystemExit as exit_:
        if exit_.code not in (0, None):
            raise
    total = time.perf_counter() - start
    rest = TIMES["scoring"] - TIMES["normalisation"] - TIMES["linear stage"] - TIMES["transformer"]
    rows = [(k, TIMES[k]) for k in ("imports", "model load", "normalisation", "linear stage", "transformer")]
    rows += [
        ("spans and results", rest),
        ("reading, writing, rest", total - TIMES["imports"] - TIMES["model load"] - TIMES["scoring"]),
    ]
    for name, seconds in rows:
        print(f"{name:24s} {seconds:7.2f} s  {seconds / total:6.1%}", file=sys.stderr)
    print(f"{'total':24s} {total:7.2f} s", file=sys.stderr)
    if json_path:
        times = {name: round(seconds, 2) for name, seconds in rows}
        with open(json_path, "w", encoding="utf-8") as handle:
            json.dump({**times, "total": round(total, 2)}, handle)


if __name__ == "__main__":
    main()
