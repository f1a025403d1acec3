"""Dependencies point one way: the import-linter contracts in pyproject.toml hold.

`lint-imports` builds the import graph of the package (indirect imports included) and checks every
contract under [tool.importlinter]. The second test proves the check can fail: a contract that the
code breaks on purpose must be reported as broken.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> str:
    beside_python = Path(sys.executable).with_name("lint-imports")
    found = str(beside_python) if beside_python.is_file() else shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports is missing: install the dev extra (pip install -e '.[dev]')")
    return found


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_lint_imports(), "--no-cache", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_import_contracts_hold():
    result = _run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_broken_contract_is_reported(tmp_path):
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "threatdetect"\n\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "scoring without records (false on purpose)"\n'
        'type = "forbidden"\n'
        'source_modules = ["threatdetect.scoring"]\n'
        'forbidden_modules = ["threatdetect.io.records"]\n'
    )
    result = _run(str(config))
    assert result.returncode != 0
    assert "threatdetect.scoring.results -> threatdetect.io.records" in result.stdout
