"""The spaCy component on `spacy.blank("nl")` with the shipped model: cats, trigger spans, batching
under `nlp.pipe`, and a saved pipeline that `spacy.load` rebuilds (through the entry point)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import spacy

from threatdetect.integrations.spacy import SPANS_KEY, ThreatDetectComponent
from threatdetect.labels import LABELS
from threatdetect.modeling.model_dir import ModelDirError
from threatdetect.scoring.results import ScoreResult, Span

DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "default"
THREAT = "ik weet waar je woont, pas maar op. ik maak je af"
TEXTS = [
    THREAT,
    "Goed verhaal gisteren in de raad, dank voor de uitleg!",
    "wat een domme motie weer",
    "ik maak je kapot als je zo doorgaat",
    "Eindelijk iemand die het zegt",
    "jij hoort hier niet, ga terug naar je eigen land",
    "mooi weer vandaag",
]


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("nl")
    nlp.add_pipe("threatdetect", config={"model": None})
    return nlp


def test_the_factory_is_declared_as_a_spacy_entry_point():
    (point,) = [p for p in entry_points(group="spacy_factories") if p.name == "threatdetect"]
    assert point.value == "threatdetect.integrations.spacy:make_threatdetect"


def test_cats_hold_the_detector_scores_and_spans_the_triggers_as_whole_tokens(nlp):
    component: ThreatDetectComponent = nlp.get_pipe("threatdetect")
    expected = component.detector.score(THREAT)
    doc = nlp(THREAT)
    assert set(doc.cats) == set(LABELS)
    assert doc.cats == pytest.approx(expected.scores, abs=1e-5)
    assert expected.spans, "the test text must have trigger spans"
    triggers = list(doc.spans[SPANS_KEY])
    assert len(triggers) == len(expected.spans)
    for span, trigger in zip(triggers, expected.spans, strict=True):
        assert span.label_ == trigger.label and span.label_ in expected.labels
        assert span.start_char <= trigger.start and trigger.end <= span.end_char
        assert span.text.strip() == span.text and trigger.text in span.text


def test_a_harmless_doc_gets_scores_and_an_empty_span_group(nlp):
    doc = nlp("Goed verhaal gisteren in de raad, dank voor de uitleg!")
    assert max(doc.cats.values()) < 0.5
    assert SPANS_KEY in doc.spans and len(doc.spans[SPANS_KEY]) == 0


def test_a_trigger_that_cuts_a_token_grows_to_the_whole_token(nlp):
    component: ThreatDetectComponent = nlp.get_pipe("threatdetect")
    doc = nlp.make_doc("ikmaakjeaf vandaag")
    trigger = Span(2, 6, "maak", "intimidation", "lexicon", 1.0)
    cut = ScoreResult(doc.text, dict.fromkeys(LABELS, 0.9), ("intimidation",), True, (trigger,))
    component.set_annotations([doc], [cut])
    (span,) = doc.spans[SPANS_KEY]
    assert (span.text, span.label_) == ("ikmaakjeaf", "intimidation")


def test_pipe_scores_each_batch_with_one_detector_call_and_matches_single_docs(nlp, monkeypatch):
    component: ThreatDetectComponent = nlp.get_pipe("threatdetect")
    singles = [nlp(text).cats for text in TEXTS]
    calls = []
    score = component.detector.score

    def counting_score(texts, **kwargs):
        calls.append(len(texts))
        return score(texts, **kwargs)

    monkeypatch.setattr(component.detector, "score", counting_score)
    docs = list(nlp.pipe(TEXTS, batch_size=3))
    assert calls == [3, 3, 1]
    assert [doc.text for doc in docs] == TEXTS
    for doc, cats in zip(docs, singles, strict=True):
        assert doc.cats == pytest.approx(cats, abs=1e-4)


def test_to_disk_and_spacy_load_round_trip_the_model_path_and_thresholds(tmp_path):
    nlp = spacy.blank("nl")
    config = {"model": str(DEFAULT_MODEL), "thresholds": {"hate": 0.9}}
    nlp.add_pipe("threatdetect", config=config)
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    component: ThreatDetectComponent = loaded.get_pipe("threatdetect")
    assert loaded.config["components"]["threatdetect"]["model"] == str(DEFAULT_MODEL)
    assert component.detector.thresholds["hate"] == 0.9
    assert component.detector.model_path == DEFAULT_MODEL
    assert loaded(THREAT).cats == pytest.approx(nlp(THREAT).cats, abs=1e-5)


def test_a_fresh_process_loads_a_saved_pipeline_through_the_entry_point(tmp_path):
    nlp = spacy.blank("nl")
    nlp.add_pipe("threatdetect")
    nlp.to_disk(tmp_path / "pipeline")
    # No `import threatdetect` in the child: spaCy must find the factory by its entry point.
    script = (
        "import json, sys, spacy; nlp = spacy.load(sys.argv[1]); doc = nlp(sys.argv[2]); "
        "print(json.dumps({'config': nlp.config['components']['threatdetect'], 'cats': doc.cats, "
        "'spans': [[s.text, s.label_] for s in doc.spans['threatdetect']]}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "pipeline"), THREAT],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    child = json.loads(done.stdout.strip().splitlines()[-1])
    assert child["config"] == {
        "factory": "threatdetect",
        "model": None,
        "thresholds": None,
        "spans_key": SPANS_KEY,
    }
    assert child["cats"]["death_threat"] > 0.5 and ["ik maak je af", "death_threat"] in child["spans"]


@pytest.mark.parametrize(
    ("config", "error", "message"),
    [
        ({"model": "no/such/model"}, ModelDirError, "not a threatdetect model directory"),
        ({"thresholds": {"haat": 0.5}}, ValueError, "unknown label(s) in thresholds: haat"),
        ({"thresholds": "strict"}, ValueError, "unknown threshold preset 'strict'"),
    ],
)
def test_a_bad_config_fails_with_a_clear_message(config, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        spacy.blank("nl").add_pipe("threatdetect", config=config)
