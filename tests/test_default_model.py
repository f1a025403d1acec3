"""The shipped default model: complete, small, pickle-free, and usable with no network at all."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from threatdetect.labels import LABELS

DEFAULT = Path("models/default")


def test_default_model_directory_is_complete_and_small():
    config = json.loads((DEFAULT / "threatdetect.json").read_text())
    assert config["kind"] == "cascade" and config["labels"] == list(LABELS)
    assert (DEFAULT / "README.md").read_text().startswith("---\n")
    assert (DEFAULT / "transformer" / "adapter_model.safetensors").is_file()
    assert (DEFAULT / "linear" / "linear.safetensors").is_file()
    files = [p for p in DEFAULT.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 20 * 1024 * 1024
    assert not [p for p in files if p.suffix in (".pkl", ".pickle", ".bin", ".pt", ".pth", ".joblib")]


def test_card_reports_the_numbers_of_its_own_run():
    config = json.loads((DEFAULT / "threatdetect.json").read_text())
    card = (DEFAULT / "README.md").read_text()
    for split in ("test", "functional"):
        assert f"macro-F1 {config['metrics'][split]['macro_f1']:.3f}" in card


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("threatdetect tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # offline must not depend on this flag


@pytest.mark.slow
def test_default_model_loads_and_scores_without_network(no_network):
    from threatdetect import Detector

    detector = Detector.load()
    results = detector.score(
        ["ik schiet je neer als ik je tegenkom, vuile hoer", "dank voor uw snelle antwoord!"]
    )
    assert "death_threat" in results[0].labels and "intimidation" in results[0].labels
    assert not results[1].flagged
    full = Detector.load(cascade=False).score("dank voor uw snelle antwoord!")
    assert not full.flagged


#: What a new user types first. The v1 model flagged the identity mentions and the insult as hate;
#: none of these texts is in the corpus.
HARMLESS = [
    "hoi",
    "👍",
    "Vrouwen zijn geweldig",
    "Homo's zijn ook gewoon mensen",
    "Ik ben een vrouw",
    "Mijn buurman is homo en heel aardig",
    "De nieuwe burgemeester is een vrouw",
    "Hij is joods en raadslid",
    "Zij is moslim en wethouder",
    "Ik hoop dat je verliest bij de verkiezingen",
    "Je bent een idioot",
    "Wat ben jij dom zeg",
    "We kregen een pak slaag van Ajax",
    "De gedeputeerde komt vrijdag persoonlijk langs",
    "Ik kom morgen even langs bij je huis voor de sleutels",
    "Moslims horen er gewoon bij in Nederland",
    # Being voted out: flagged by the round-8 default (intimidation 0.78), left alone since round 9.
    "Wacht maar tot na de verkiezingen, dan ben je weg",
]
THREATS = [
    "ik maak je af wethouder",
    "Ga dood",
    "Die moeten allemaal opgehangen worden, die landverraders",
    "ik weet waar je woont",
    "Die burgemeester moet eens flink in elkaar geslagen worden",
    "Hoop dat je onder een bus komt",
    # Missed by the round-8 default with LoRA dropout 0.1 (intimidation 0.72 < 0.76), flagged again.
    "Als je voor het azc stemt, weet je wat er gebeurt",
]
#: Threats the shipped model still misses (model v2 issue; the closing note has the scores).
#: Strict: once a retrained model flags one, move it to THREATS.
STILL_MISSED = [
    "k0m j3 h4l3n vanavond",
    "kom je halen vanavond",
    "Je kinderen zitten toch op De Regenboog?",
    "Doe maar aangifte, de politie komt toch altijd te laat",
]
#: Harmless messages the shipped model still flags (the closing note has the scores and the cause).
#: Strict: once a retrained model leaves one alone, move it to HARMLESS.
STILL_FLAGGED = [
    "Je bent dom",
    # Supportive sentences about a group in the frames hate uses.
    "Vrouwen horen in de gemeenteraad, punt.",
    "Joden moeten zich hier veilig voelen",
    # Found trying the round-9 default by hand: praise in the "<group> zijn ..." frame of
    # generalising hate gets hate 0.996 and 1.000 ("Vrouwen in de politiek zijn top": 0.63, not flagged).
    "Vrouwen in de politiek zijn een aanwinst",
    "Moslims in de politiek zijn een aanwinst",
]


@pytest.fixture(scope="module")
def shipped():
    from threatdetect import Detector

    return Detector.load(precision="fp32")


@pytest.mark.slow
@pytest.mark.parametrize("text", HARMLESS)
def test_default_model_leaves_harmless_first_messages_alone(shipped, text):
    assert not shipped.score(text).flagged


@pytest.mark.slow
@pytest.mark.parametrize("text", THREATS)
def test_default_model_flags_plain_threats(shipped, text):
    assert "intimidation" in shipped.score(text).labels


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="the shipped model still misses these threats")
@pytest.mark.parametrize("text", STILL_MISSED)
def test_default_model_known_misses(shipped, text):
    assert "intimidation" in shipped.score(text).labels


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="the shipped model still flags these harmless messages")
@pytest.mark.parametrize("text", STILL_FLAGGED)
def test_default_model_known_false_alarms(shipped, text):
    assert not shipped.score(text).flagged
