"""Scoring speed, memory and label agreement against the transformers pipeline baseline, in one run.

    python benchmarks/bench_scoring.py                # AVX2 profile, full run (about 15 minutes on 2 cores)
    python benchmarks/bench_scoring.py --isa native   # whatever this CPU has (bf16, VNNI, AMX...)
    python benchmarks/bench_scoring.py --quick        # smaller samples, for a smoke test

Prints a markdown table and writes benchmarks/results/scoring.json (scoring_native.json for
`--isa native`). Every ratio is against the baseline measured in the same run, because shared
machines are noisy.

Profiles:
- `avx2` (default): what a common laptop or VM without AVX-512, bf16 or VNNI gets. Math libraries
  are held to AVX2 (`MKL_ENABLE_INSTRUCTIONS=AVX2`, `ONEDNN_MAX_CPU_ISA=AVX2`) and the transformer
  runs in fp32, so a CPU that has more does not count it. On an AVX2-only CPU this is its native run.
- `native`: no limits, `--precision auto` (bf16 where the CPU computes it natively).

Rows:
- baseline: `transformers.pipeline("text-classification")` over a RoBERTa-base-sized model (random
  weights from a config; speed does not depend on the weights), batch size 32, measured at the start
  and again at the end of the run; ratios are against the mean of the two, and both are reported, so
  drift of a shared machine during the run shows;
- our transformer stage alone, our linear stage alone;
- `threatdetect score` end to end in a subprocess on real-form dumps from the test split
  (benchmarks/dump.py): a 3%-flagged stream mixed as the thresholds assume (harmless: 80% ordinary,
  20% hard negatives), the same share flagged with harmless messages as the test split has them
  (half hard negatives), and a 40%-flagged harsh dump, with every repeated text scored again
  (`--no-dedup`); and the stream once more with default settings (repeats scored once). Each runs
  under benchmarks/stage_times.py, which adds no per-message work and records where the wall time
  went (imports, model load, normalisation, linear stage, transformer, the rest); the headline row's
  split is printed with what the transformer costs, which is what limits the rate;
- peak memory of `threatdetect score` at 10,000 and 100,000 messages (it must stay flat);
- label agreement on the test split: the default scorer (cascade, pruned vocabulary, this profile's
  precision) against the fp32 model with its full vocabulary scoring every message with the
  transformer; and the share of that reference's flags the default scorer loses;
- runtime candidates for the transformer stage (benchmarks/runtimes.py: torch int8 on oneDNN, ONNX
  Runtime fp32 and int8): each one's speed alone against our torch stage row (this profile's precision), and the default
  scorer's label agreement with it. A candidate is kept only if it passes the same label bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dump import distinct_share, messages, write_dump

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
#: Holds torch's math libraries to AVX2: no AVX-512, no VNNI, no bf16 or AMX kernels.
AVX2_ENV = {"MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"}
CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")
#: Files that make a model directory load a pruned vocabulary; the reference leaves them out.
PRUNING_FILES = ("kept_tokens.json", "tokenizer.json", "tokenizer_config.json")
GOALS = {
    "per_second": 300.0,
    "ratio_to_baseline": 50.0,
    "peak_memory_mb": 1024.0,
    "flags_lost": 0.01,
    "agreement": 0.99,
}


def cpu_flags() -> dict[str, bool]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    line = next((line for line in text.splitlines() if line.startswith("flags")), "")
    present = set(line.partition(":")[2].split())
    return {flag: flag in present for flag in CPU_FLAGS}


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor()
    return next(
        (line.partition(":")[2].strip() for line in text.splitlines() if line.startswith("model name")), ""
    )


def model_fingerprint(model_dir: str | Path) -> dict:
    """The model's training size and a short hash of its `threatdetect.json`."""
    import hashlib

    raw = (Path(model_dir) / "threatdetect.json").read_bytes()
    return {
        "sha256": hashlib.sha256(raw).hexdigest()[:12],
        "train_size": json.loads(raw).get("training", {}).get("train_size"),
    }


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("nan")


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def baseline_pipeline(texts: list[str]) -> dict:
    """RoBERTa-base-sized classifier through the transformers pipeline, batch size 32."""
    from transformers import AutoTokenizer, RobertaForSequenceClassification, pipeline

    sys.path.insert(0, str(ROOT / "tests"))  # the random RoBERTa builder is a test helper
    from random_roberta import BASE, build_random_roberta

    with tempfile.TemporaryDirectory() as tmp:
        build_random_roberta(texts * 3, Path(tmp), BASE, vocab_size=8000, max_length=512)
        tokenizer = AutoTokenizer.from_pretrained(tmp)
        model = RobertaForSequenceClassification.from_pretrained(
            tmp, num_labels=3, problem_type="multi_label_classification"
        ).eval()
    classify = pipeline(
        "text-classification",
        model=model,
        tokenizer=tokenizer,
        device="cpu",
        top_k=None,
        truncation=True,
        max_length=512,
    )
    classify(texts[:8], batch_size=32)  # warm-up
    started = time.perf_counter()
    classify(texts, batch_size=32)
    seconds = time.perf_counter() - started
    return {
        "name": "baseline: transformers pipeline, RoBERTa-base size, fp32, batch 32",
        "n": len(texts),
        "seconds": round(seconds, 2),
        "per_second": round(_rate(len(texts), seconds), 2),
    }


def stage(name: str, model, texts: list[str]) -> dict:
    model.predict_proba(texts[:16])  # warm-up
    started = time.perf_counter()
    model.predict_proba(texts)
    seconds = time.perf_counter() - started
    return {
        "name": name,
        "n": len(texts),
        "seconds": round(seconds, 2),
        "per_second": round(_rate(len(texts), seconds), 2),
    }


_STAGES = re.compile(r"stages: (.*)")


def end_to_end(
    n: int, workdir: Path, model_dir: str | None, precision: str, kind: str = "stream", dedup: bool = False
) -> dict:
    """`threatdetect score` on an n-message dump in a subprocess; wall time, peak memory, stages."""
    dump = write_dump(workdir / f"dump_{kind}_{n}.jsonl", n, kind=kind)
    texts = [json.loads(line)["text"] for line in dump.open(encoding="utf-8")]
    out = workdir / f"scored_{kind}_{n}.jsonl"
    times_path = workdir / f"stage_times_{kind}_{n}_{int(dedup)}.json"
    command = [
        sys.executable,
        str(Path(__file__).resolve().parent / "stage_times.py"),
        "--json",
        str(times_path),
    ]
    command += [str(dump), "-o", str(out), "--force"]
    command += ["--precision", precision]
    if not dedup:
        command.append("--no-dedup")
    if model_dir:
        command += ["--model", model_dir]
    script = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); s = time.perf_counter() - t; "
        "m = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024; "
        "sys.stderr.write(r.stderr); print(f'{s} {m} {r.returncode}')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *command], capture_output=True, text=True, check=True
    )
    seconds, peak, code = result.stdout.split()
    if code != "0":
        raise RuntimeError(f"threatdetect score failed with exit code {code}: {result.stderr[-2000:]}")
    stages = {}
    if match := _STAGES.search(result.stderr):
        for part in match.group(1).split(", "):
            name, _, count = part.rpartition(" ")
            stages[name] = int(count)
    described = {
        "stream": "stream dump (3% flagged; harmless: 80% ordinary, 20% hard negatives)",
        "stream_uniform": "stream dump, harmless as in the test split (3% flagged; about half of the harmless are hard negatives)",
        "harsh": "harsh dump (40% flagged)",
    }[kind]
    return {
        "name": f"threatdetect score end to end, {described}, "
        + ("default settings (repeats scored once)" if dedup else "every message scored (--no-dedup)"),
        "n": n,
        "seconds": round(float(seconds), 2),
        "per_second": round(_rate(n, float(seconds)), 2),
        "peak_memory_mb": round(float(peak), 1),
        "sent_to_transformer": round(stages.get("transformer", 0) / n, 4),
        "distinct_texts": round(distinct_share(texts), 4),
        "stage_seconds": json.loads(times_path.read_text()),
    }


def _labels(detector, texts: list[str]) -> np.ndarray:
    from threatdetect.labels import LABELS

    scores = detector.predict(texts).scores
    return scores >= np.asarray([detector.thresholds[label] for label in LABELS])


def reference_labels(model_dir: str, texts: list[str]) -> np.ndarray:
    """The fp32 model with its full vocabulary scoring every message with the transformer."""
    from threatdetect import Detector

    with tempfile.TemporaryDirectory() as tmp:
        reference_dir = Path(tmp) / "full-vocabulary"
        shutil.copytree(model_dir, reference_dir, ignore=shutil.ignore_patterns(*PRUNING_FILES, "figures"))
        return _labels(Detector.load(reference_dir, precision="fp32", cascade=False), texts)


def compare(reference: np.ndarray, labels: np.ndarray) -> dict:
    flags = int(reference.sum())
    return {
        "n": len(reference),
        "identical_labels": round(float((reference == labels).all(axis=1).mean()), 4),
        "reference_flags": flags,
        "flags_lost": round(float((reference & ~labels).sum() / max(flags, 1)), 4),
        "flags_added": int((labels & ~reference).sum()),
    }


def runtime_candidates(
    model_dir: str, stage_texts: list[str], test_texts: list[str], reference: np.ndarray, stage_rate: float
) -> list[dict]:
    """Each faster runtime for the transformer stage: its speed alone, and the default scorer's labels with it."""
    import torch
    from runtimes import CANDIDATES, onnxruntime_available, swap_runtime

    from threatdetect import Detector

    rows = []
    for candidate in CANDIDATES:
        if candidate.onnx and not onnxruntime_available():
            print(f"skipped {candidate.name}: pip install -e '.[bench]'", file=sys.stderr)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            detector = Detector.load(model_dir, precision="fp32")
            swap_runtime(detector.model.transformer, candidate, Path(tmp), torch.get_num_threads())
            row = stage(candidate.name, detector.model.transformer, stage_texts)
            agree = compare(reference, _labels(detector, test_texts))
        row.update(
            ratio_to_stage=round(row["per_second"] / stage_rate, 2),
            held_to_avx2=candidate.held_to_avx2,
            label_agreement_test_split=agree,
            passes=agree["identical_labels"] >= GOALS["agreement"]
            and agree["flags_lost"] <= GOALS["flags_lost"],
        )
        rows.append(row)
    return rows


def headline_row(rows: list[dict]) -> dict | None:
    """The row the goals are judged on: the first end-to-end run on the stream dump."""
    return next(
        (row for row in rows if row["name"].startswith("threatdetect score") and "stream" in row["name"]),
        None,
    )


def limits(row: dict, baseline_per_second: float) -> str:
    """Where the headline row's wall time went, and what the ratio goal would need."""
    times = row["stage_seconds"]
    total = times["total"]
    split = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in times.items() if name != "total")
    needed = GOALS["ratio_to_baseline"] * baseline_per_second
    return (
        f"Where the {row['n']:,}-message stream run's {total:.1f} s went: {split}. "
        f"The transformer took {times['transformer'] / total:.0%} of the run for "
        f"{row['sent_to_transformer']:.1%} of the messages; without it the run would take "
        f"{total - times['transformer']:.1f} s ({_rate(row['n'], total - times['transformer']):,.0f} msg/s). "
        f"{GOALS['ratio_to_baseline']:.0f}x this run's baseline is {needed:,.0f} msg/s, "
        f"a run of at most {row['n'] / needed:.1f} s."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small samples (smoke test)")
    parser.add_argument("--isa", choices=("avx2", "native"), default="avx2", help="instruction-set profile")
    parser.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    parser.add_argument("--skip-end-to-end", action="store_true")
    parser.add_argument("--skip-runtimes", action="store_true", help="do not measure the runtime candidates")
    args = parser.parse_args()
    if args.isa == "avx2":
        os.environ.update(AVX2_ENV)  # before torch loads its math libraries; subprocesses inherit it
    precision = "fp32" if args.isa == "avx2" else "auto"

    import torch

    from threatdetect.modeling.cascade import CascadeModel
    from threatdetect.modeling.loader import default_model_dir, load_model

    model_dir = args.model or str(default_model_dir())
    sizes = {
        "baseline": 64 if args.quick else 512,
        "transformer": 256 if args.quick else 1024,
        "linear": 2000 if args.quick else 20000,
        "e2e": 2000 if args.quick else 50000,
        "uniform": 1000 if args.quick else 10000,
        "harsh": 500 if args.quick else 5000,
        "flat": (1000, 10000) if args.quick else (10000, 100000),
        "agreement": 300 if args.quick else None,
    }
    texts = list(messages(max(sizes["linear"], sizes["transformer"]), seed=11))

    rows = [baseline_pipeline(texts[: sizes["baseline"]])]
    loaded = load_model(model_dir, device="cpu", precision=precision)
    if not isinstance(loaded, CascadeModel):
        raise SystemExit(f"{model_dir}: the scoring benchmark needs a cascade model")
    rows.append(
        stage(
            f"our transformer stage alone, {loaded.transformer.precision}",
            loaded.transformer,
            texts[: sizes["transformer"]],
        )
    )
    rows.append(stage("our linear stage alone", loaded.linear, texts[: sizes["linear"]]))
    embedding_rows = loaded.transformer.model.get_input_embeddings().num_embeddings
    default_precision = loaded.transformer.precision
    del loaded

    test_texts = [
        json.loads(line)["text"] for line in (ROOT / "data" / "corpus" / "test.jsonl").open(encoding="utf-8")
    ]
    test_texts = test_texts[: sizes["agreement"]]
    reference = reference_labels(model_dir, test_texts)
    from threatdetect import Detector

    agree = compare(reference, _labels(Detector.load(model_dir, precision=precision), test_texts))
    runtimes = []
    if not args.skip_runtimes:
        runtimes = runtime_candidates(
            model_dir, texts[: sizes["transformer"]], test_texts, reference, rows[1]["per_second"]
        )

    flat = {}
    if not args.skip_end_to_end:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            rows.append(end_to_end(sizes["e2e"], workdir, args.model, precision, "stream"))
            rows.append(end_to_end(sizes["uniform"], workdir, args.model, precision, "stream_uniform"))
            rows.append(end_to_end(sizes["harsh"], workdir, args.model, precision, "harsh"))
            rows.append(end_to_end(sizes["e2e"], workdir, args.model, precision, "stream", dedup=True))
            for n in sizes["flat"]:
                flat[n] = end_to_end(n, workdir, args.model, precision, "stream")["peak_memory_mb"]

    # The baseline once more, at the end: a shared machine can drift over a run of this length.
    again = baseline_pipeline(texts[: sizes["baseline"]])
    first = rows[0]
    base = {
        **first,
        "name": first["name"] + ", mean of the start and end of the run",
        "n": first["n"] + again["n"],
        "seconds": round(first["seconds"] + again["seconds"], 2),
        "per_second": round(_rate(first["n"] + again["n"], first["seconds"] + again["seconds"]), 2),
        "per_second_start": first["per_second"],
        "per_second_end": again["per_second"],
    }
    rows[0] = base
    for row in rows:
        row["ratio_to_baseline"] = round(row["per_second"] / base["per_second"], 1)
    headline = headline_row(rows)
    goals = {}
    if headline:
        peak = max([headline["peak_memory_mb"], *flat.values()])
        goals = {
            f"at least {GOALS['per_second']:.0f} msg/s end to end (stream, every message scored)": headline[
                "per_second"
            ]
            >= GOALS["per_second"],
            f"at least {GOALS['ratio_to_baseline']:.0f}x the pipeline baseline": headline["ratio_to_baseline"]
            >= GOALS["ratio_to_baseline"],
            "peak memory at most 1.0 GB from 10k to 100k messages": peak <= GOALS["peak_memory_mb"],
            "at most 1% of the transformer's flags lost": agree["flags_lost"] <= GOALS["flags_lost"],
            "at least 99% identical labels on the test split": agree["identical_labels"]
            >= GOALS["agreement"],
        }
    report = {
        "machine": {
            "platform": platform.platform(),
            "cpu": cpu_model(),
            "cpus": os.cpu_count(),
            "cpu_flags": cpu_flags(),
            "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(),
            "torch": torch.__version__,
        },
        "profile": args.isa,
        "environment": AVX2_ENV if args.isa == "avx2" else {},
        "model": model_dir,
        # Which model was measured: a table from an earlier model stays recognisable.
        "model_fingerprint": model_fingerprint(model_dir),
        "default_precision": default_precision,
        "embedding_rows": embedding_rows,
        "rows": rows,
        "label_agreement_test_split": agree,
        "runtime_candidates": runtimes,
        "peak_memory_mb_by_dump_size": flat,
        "goals": goals,
        "quick": args.quick,
        "process_peak_memory_mb": round(_peak_rss_mb(), 1),
    }
    RESULTS.mkdir(exist_ok=True)
    name = "scoring.json" if args.isa == "avx2" else "scoring_native.json"
    (RESULTS / name).write_text(json.dumps(report, indent=2))
    flags = ", ".join(
        f"{flag} {'yes' if on else 'no'}" for flag, on in report["machine"]["cpu_flags"].items()
    )
    print(f"CPU: {report['machine']['cpu']} ({flags}); profile {args.isa}; transformer {default_precision}")
    print("| what | messages | msg/s | x baseline | peak MB | to transformer |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['name']} | {row['n']:,} | {row['per_second']:,.1f} | {row['ratio_to_baseline']:,.1f} | "
            f"{row.get('peak_memory_mb', '')} | {row.get('sent_to_transformer', '')} |"
        )
    print()
    print(
        f"test split ({agree['n']} messages): identical labels {agree['identical_labels']:.2%}, "
        f"reference flags lost {agree['flags_lost']:.2%} of {agree['reference_flags']}, flags added {agree['flags_added']}"
    )
    for row in runtimes:
        a = row["label_agreement_test_split"]
        print(
            f"runtime candidate {row['name']}: {row['per_second']:,.1f} msg/s alone ({row['ratio_to_stage']}x our torch stage row), "
            f"identical labels {a['identical_labels']:.2%}, flags lost {a['flags_lost']:.2%}, "
            f"{'passes' if row['passes'] else 'fails'} the label bounds"
            + ("" if row["held_to_avx2"] or args.isa != "avx2" else " (its kernels are not held to AVX2)")
        )
    if flat:
        print("peak memory end to end: " + ", ".join(f"{n:,} messages {mb} MB" for n, mb in flat.items()))
    print(
        f"baseline: {base['per_second_start']:,.1f} msg/s at the start, {base['per_second_end']:,.1f} at the end"
    )
    if headline:
        print(limits(headline, base["per_second"]))
    for goal, met in goals.items():
        print(f"goal: {goal}: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
