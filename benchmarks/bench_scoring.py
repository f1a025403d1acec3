"""Scoring speed and memory against the transformers pipeline baseline, measured in one run.

    python benchmarks/bench_scoring.py            # full run (about 10 minutes on 2 cores)
    python benchmarks/bench_scoring.py --quick    # smaller samples, for a smoke test

Prints a markdown table and writes benchmarks/results/scoring.json. Every ratio is against the
baseline measured in the same run, because shared machines are noisy:
- baseline: `transformers.pipeline("text-classification")` over a RoBERTa-base-sized model
  (random weights from a config; speed does not depend on the weights), batch size 32;
- our transformer stage alone (fp32 and int8), the linear stage alone;
- the default scorer end to end (`threatdetect score` in a subprocess) on a 50,000-message dump,
  and peak memory at 10,000 and 100,000 messages (it must stay flat);
- on a machine with CUDA, the transformer stage on the GPU too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dump import messages, write_dump

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"


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


def end_to_end(n: int, workdir: Path, model_dir: str | None) -> dict:
    """`threatdetect score` on an n-message dump in a subprocess; wall time and peak memory."""
    dump = write_dump(workdir / f"dump_{n}.jsonl", n)
    out = workdir / f"scored_{n}.jsonl"
    command = [sys.executable, "-m", "threatdetect", "score", str(dump), "-o", str(out), "--quiet", "--force"]
    if model_dir:
        command += ["--model", model_dir]
    script = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "r = subprocess.run(sys.argv[1:]); s = time.perf_counter() - t; "
        "m = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024; "
        "print(f'{s} {m} {r.returncode}')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *command], capture_output=True, text=True, check=True
    )
    seconds, peak, code = result.stdout.split()
    if code != "0":
        raise RuntimeError(f"threatdetect score failed with exit code {code}: {result.stderr[-2000:]}")
    return {
        "name": f"threatdetect score end to end ({n:,} messages, default settings)",
        "n": n,
        "seconds": round(float(seconds), 2),
        "per_second": round(_rate(n, float(seconds)), 2),
        "peak_memory_mb": round(float(peak), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small samples (smoke test)")
    parser.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    parser.add_argument("--skip-end-to-end", action="store_true")
    args = parser.parse_args()

    import torch

    from threatdetect.labels import LABELS
    from threatdetect.modeling.base import ScoringModel
    from threatdetect.modeling.cascade import CascadeModel
    from threatdetect.modeling.loader import default_model_dir, load_model
    from threatdetect.modeling.transformer import PRECISIONS, TransformerModel

    def transformer_stage(model: ScoringModel) -> TransformerModel:
        """The transformer of a cascade, or the model itself when it is a transformer."""
        if isinstance(model, CascadeModel):
            return model.transformer
        if isinstance(model, TransformerModel):
            return model
        raise SystemExit(f"{model_dir}: the scoring benchmark needs a transformer or cascade model")

    model_dir = args.model or str(default_model_dir())
    sizes = {
        "baseline": 64 if args.quick else 256,
        "transformer": 256 if args.quick else 1024,
        "linear": 2000 if args.quick else 20000,
        "e2e": 2000 if args.quick else 50000,
        "flat": (1000, 10000) if args.quick else (10000, 100000),
    }
    texts = list(messages(max(sizes["linear"], sizes["transformer"]), seed=11))

    rows = []
    base = baseline_pipeline(texts[: sizes["baseline"]])
    rows.append(base)
    test_texts = [
        json.loads(line)["text"] for line in (ROOT / "data" / "corpus" / "test.jsonl").open(encoding="utf-8")
    ]
    agreement, fp32_labels = {}, None
    for precision in PRECISIONS:  # fp32 first: the reference for the others
        loaded = load_model(model_dir, device="cpu", precision=precision)
        stage_model = transformer_stage(loaded)
        rows.append(stage(f"our transformer stage, {precision}", stage_model, texts[: sizes["transformer"]]))
        thresholds = np.asarray([stage_model.config.thresholds[label] for label in LABELS])
        labels = stage_model.predict_proba(test_texts) >= thresholds
        fp32_labels = labels if fp32_labels is None else fp32_labels
        agreement[precision] = round(float((labels == fp32_labels).all(axis=1).mean()), 4)
        del loaded, stage_model
    cascade = load_model(model_dir, device="cpu", precision="auto")
    if isinstance(cascade, CascadeModel):
        rows.append(stage("our linear stage", cascade.linear, texts[: sizes["linear"]]))
        stages = cascade.predict(texts[: sizes["transformer"]]).stages
        sent = stages.get("transformer", 0) / sizes["transformer"]
    else:
        sent = 1.0
    if torch.cuda.is_available():
        gpu = load_model(model_dir, device="cuda", precision="auto")
        rows.append(
            stage(
                f"our transformer stage, GPU ({torch.cuda.get_device_name(0)})",
                transformer_stage(gpu),
                texts[: sizes["transformer"]],
            )
        )

    flat = {}
    if not args.skip_end_to_end:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            rows.append(end_to_end(sizes["e2e"], workdir, args.model))
            for n in sizes["flat"]:
                flat[n] = end_to_end(n, workdir, args.model)["peak_memory_mb"]

    for row in rows:
        row["ratio_to_baseline"] = round(row["per_second"] / base["per_second"], 1)
    report = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(),
            "torch": torch.__version__,
        },
        "model": model_dir,
        "rows": rows,
        "label_agreement_with_fp32_test_split": agreement,
        "default_precision": transformer_stage(cascade).precision,
        "cascade_sent_to_transformer": round(sent, 4),
        "peak_memory_mb_by_dump_size": flat,
        "quick": args.quick,
        "process_peak_memory_mb": round(_peak_rss_mb(), 1),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scoring.json").write_text(json.dumps(report, indent=2))
    print("| what | messages | msg/s | × baseline | peak MB |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['name']} | {row['n']:,} | {row['per_second']:,.1f} | {row['ratio_to_baseline']:,.1f} | "
            f"{row.get('peak_memory_mb', '')} |"
        )
    print()
    for precision, share in agreement.items():
        print(
            f"{precision} vs fp32 identical labels on the test split: {share:.2%} of {len(test_texts)} messages"
        )
    print(f"cascade: {sent:.1%} of messages sent to the transformer")
    if flat:
        print("peak memory end to end: " + ", ".join(f"{n:,} messages {mb} MB" for n, mb in flat.items()))


if __name__ == "__main__":
    main()
