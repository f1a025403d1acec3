"""Score the previously shipped default model on today's test split and challenge set.

    python benchmarks/previous_model.py                  # the v1 default (commit 981c38e)
    python benchmarks/previous_model.py --commit REV     # the default shipped at another commit

Corpus v2 replaced the test split (new, harder slices; v1 test messages re-drawn in new form and
partly moved), so the v1 model's 0.878 on the v1 test split and the new model's figure on the new
split are not comparable. This script takes `models/default` as it was at COMMIT out of git history
into a temporary folder and evaluates it on the current `data/corpus/test.jsonl` and
`data/challenge`, next to the current `models/default`, so both models are measured on the same
messages in one run. Writes benchmarks/results/previous_model.json (read by update_readme.py).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from threatdetect import Detector
from threatdetect.evaluation.run import evaluate_file

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "previous_model.json"
V1_COMMIT = "981c38e"
SETS = {"test": ROOT / "data" / "corpus" / "test.jsonl", "challenge": ROOT / "data" / "challenge"}


def short_commit(revision: str) -> str:
    """The short hash of a git revision of this checkout."""
    return subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", revision],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def extract_model(commit: str, into: Path) -> Path:
    """`models/default` as committed at `commit`, unpacked under `into`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "models/default"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "models" / "default"


def scores(model_dir: Path) -> dict:
    detector = Detector.load(model_dir, precision="fp32")
    out = {}
    for name, path in SETS.items():
        report = evaluate_file(detector, path).report
        out[name] = {
            "n": report.n,
            "macro_f1": report.macro_f1,
            "any_flag": report.any_flag,
            "labels": {
                label: {"precision": m.precision, "recall": m.recall, "f1": m.f1}
                for label, m in report.labels.items()
            },
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--commit", default=V1_COMMIT, help="git revision whose models/default to score")
    args = parser.parse_args()
    commit = short_commit(args.commit)
    with tempfile.TemporaryDirectory(prefix="threatdetect-previous-") as folder:
        previous = scores(extract_model(commit, Path(folder)))
    current = scores(ROOT / "models" / "default")
    result = {"previous_commit": commit, "previous": previous, "current": current}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print("| set | messages | previous default (" + commit + ") macro-F1 | current default macro-F1 |")
    print("|---|---|---|---|")
    for name in SETS:
        print(
            f"| {name} | {current[name]['n']} | {previous[name]['macro_f1']:.3f} | {current[name]['macro_f1']:.3f} |"
        )
    print(f"written: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
