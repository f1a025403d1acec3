"""The package is self-contained: a wheel installed outside the checkout scores from any directory.

The wheel test builds an sdist, a wheel from that sdist (what pip does with a source release), installs
the wheel into a fresh virtual environment and scores from a temporary directory. The environment
reuses this interpreter's installed dependencies through a `.pth` file, so torch is not installed again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from threatdetect.modeling.loader import MODEL_ENV, default_model_dir, shipped_model_dir

ROOT = Path(__file__).resolve().parents[1]
#: What a source release contains: the package, the shipped model and the metadata files.
RELEASE_FILES = ["pyproject.toml", "README.md", "LICENSE.md", "threatdetect", "models"]


def test_every_package_under_threatdetect_is_listed_in_pyproject():
    from setuptools import find_packages

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"]
    )
    found = set(find_packages(str(ROOT), include=["threatdetect*"]))
    missing = sorted(found - listed)
    assert not missing, f"add {missing} to [tool.setuptools] packages in pyproject.toml, or wheels miss them"
    assert "threatdetect.models" in listed


def test_the_shipped_model_is_package_data_and_the_environment_overrides_it(monkeypatch, tmp_path):
    monkeypatch.delenv(MODEL_ENV, raising=False)
    # In a checkout (editable install) the package data is the repository's models/default itself.
    assert shipped_model_dir().resolve() == (ROOT / "models" / "default").resolve()
    assert default_model_dir() == shipped_model_dir()
    monkeypatch.setenv(MODEL_ENV, str(tmp_path))
    assert default_model_dir() == tmp_path


def _site_packages() -> list[str]:
    """This interpreter's site-packages folders: the dependencies the test environment reuses."""
    return [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages") and Path(p).is_dir()]


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
def test_a_wheel_installed_outside_the_checkout_scores_from_any_directory(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", MODEL_ENV, "VIRTUAL_ENV")}
    source = tmp_path / "source"
    source.mkdir()
    for name in RELEASE_FILES:
        origin = ROOT / name
        if origin.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "checkpoints")
            shutil.copytree(origin, source / name, ignore=ignore)
        else:
            shutil.copy2(origin, source / name)

    # sdist, then a wheel built from it, as pip builds a source release.
    dist = tmp_path / "dist"
    build_sdist = f"from setuptools import build_meta; print(build_meta.build_sdist({str(dist)!r}))"
    sdist = dist / _run([sys.executable, "-c", build_sdist], source, env).stdout.strip().splitlines()[-1]
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    _run([*pip, "wheel", str(sdist), "--no-deps", "--no-build-isolation", "-w", str(dist)], tmp_path, env)
    (wheel,) = dist.glob("threatdetect-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "threatdetect/models/default/threatdetect.json" in names
    assert "threatdetect/models/default/transformer/adapter_model.safetensors" in names
    assert not [n for n in names if n.startswith(("tests/", "models/", "data/")) or "random_" in n]

    # A fresh environment that sees this one's dependencies but not the checkout.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path, env)
    python = venv / "bin" / "python"
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path, env
    )
    Path(purelib.stdout.strip(), "project_dependencies.pth").write_text("\n".join(_site_packages()) + "\n")
    # --ignore-installed: this environment's own (editable) threatdetect is visible and must stay as it is.
    install = [str(python), "-m", "pip", "--disable-pip-version-check", "-q", "install"]
    _run([*install, "--no-deps", "--no-index", "--ignore-installed", str(wheel)], tmp_path, env)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy2(ROOT / "examples" / "replies.jsonl", elsewhere / "replies.jsonl")
    _run(
        [str(venv / "bin" / "threatdetect"), "score", "replies.jsonl", "-o", "out.jsonl", "--all", "-q"],
        elsewhere,
        env,
    )
    records = [json.loads(line) for line in (elsewhere / "out.jsonl").read_text("utf-8").splitlines()]
    assert len(records) == 30 and any(r["flagged"] for r in records)

    load = (
        "import json, threatdetect; from threatdetect import Detector; d = Detector.load(); "
        "r = d.score('ik weet waar je woont, pas maar op'); "
        "print(json.dumps({'package': threatdetect.__file__, 'model': str(d.model_path), 'labels': r.labels}))"
    )
    loaded = json.loads(_run([str(python), "-c", load], elsewhere, env).stdout.strip().splitlines()[-1])
    installed = Path(purelib.stdout.strip())
    assert Path(loaded["package"]).is_relative_to(installed), "the wheel, not the checkout, must be imported"
    assert Path(loaded["model"]) == installed / "threatdetect" / "models" / "default"
    assert "intimidation" in loaded["labels"]
