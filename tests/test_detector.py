"""The library API: typed results, thresholds, explanations and thread safety."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from threatdetect.labels import LABELS
from threatdetect.scoring.results import ScoreResult

TEXTS = [
    "ik maak je af vuile hoer 🔪",
    "goedemorgen wethouder, wanneer gaat het zwembad open?",
    "jouw lantaarnpaal staat al klaar @wethouder",
    "ik lag echt in een deuk om dat debat",
    "k*nker op, ik weet waar je woont",
    "we weten waar je dochter op school zit",
] * 5


@pytest.fixture(scope="module")
def detector(linear_model_dir):
    from threatdetect import Detector

    return Detector.load(linear_model_dir)


def test_single_text_returns_one_result_and_list_returns_list(detector):
    single = detector.score("ik weet waar je woont")
    assert isinstance(single, ScoreResult)
    many = detector.score(["ik weet waar je woont", "fijne dag"])
    assert isinstance(many, list) and len(many) == 2
    assert many[0].scores == pytest.approx(single.scores)


def test_results_are_consistent_with_thresholds_and_implication(detector):
    for result in detector.score(TEXTS):
        assert set(result.scores) == set(LABELS)
        assert all(0.0 <= value <= 1.0 for value in result.scores.values())
        assert result.scores["intimidation"] >= result.scores["death_threat"]
        over = {label for label in LABELS if result.scores[label] >= detector.thresholds[label]}
        if "death_threat" in over:
            over.add("intimidation")  # every death threat is also intimidation
        assert result.labels == tuple(label for label in LABELS if label in over)
        assert result.flagged == bool(result.labels)


def test_threshold_overrides_change_labels(tmp_path, detector):
    from threatdetect import Detector

    strict = Detector(detector.model, thresholds=dict.fromkeys(LABELS, 1.0))
    assert not any(r.flagged for r in strict.score(TEXTS[:6]))
    lenient = Detector(detector.model, thresholds=dict.fromkeys(LABELS, 0.0))
    assert all(r.flagged for r in lenient.score(TEXTS[:6]))
    with pytest.raises(ValueError, match="unknown label"):
        Detector(detector.model, thresholds={"spam": 0.5})


def test_trigger_spans_point_into_the_raw_text(detector):
    from threatdetect import Detector

    text = "jij vuile h**r, ik maak je d o o d"
    # Every label applies at threshold 0, so the spans do not depend on what the tiny model learnt.
    result = Detector(detector.model, thresholds=dict.fromkeys(LABELS, 0.0)).score(text)
    assert result.spans, "lexicon should find the obfuscated triggers"
    for span in result.spans:
        assert text[span.start : span.end] == span.text
    assert any("h**r" in span.text for span in result.spans)


def test_explain_combines_lexicon_and_occlusion(detector):
    text = "we weten waar je woont en waar je dochter op school zit"
    explanation = detector.explain(text)
    sources = {span.source for spans in explanation.spans.values() for span in spans}
    assert sources == {"lexicon", "occlusion"}
    lexicon = [span for span in explanation.spans["intimidation"] if span.source == "lexicon"]
    assert [span.text for span in lexicon] == ["we weten waar je woont", "je dochter"]
    assert lexicon[0].weight == pytest.approx(0.95), "the lexicon weight of the term"
    for spans in explanation.spans.values():
        for span in spans:
            assert text[span.start : span.end] == span.text


def test_score_rejects_non_text(detector):
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        detector.score(["ok", None])


def test_scoring_from_many_threads_matches_sequential(detector):
    sequential = [r.scores for r in detector.score(TEXTS)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(lambda text: detector.score(text).scores, TEXTS))
    for one, other in zip(sequential, parallel, strict=True):
        assert one == pytest.approx(other, abs=1e-6)


def test_spans_are_only_given_for_labels_the_message_got(detector):
    for result in detector.score(TEXTS):
        assert {span.label for span in result.spans} <= set(result.labels)


class _OnlyTheProtocol:
    """Implements exactly `ScoringModel` and nothing else (`__slots__`: nothing can be attached), so a
    Detector that probed for, or set, anything the protocol does not declare fails here."""

    __slots__ = ("config",)

    def __init__(self) -> None:
        from threatdetect.modeling.model_dir import ModelConfig

        self.config = ModelConfig(name="protocol-only", kind="linear")

    def predict_proba(self, texts):
        return self.predict(texts).scores

    def predict(self, texts, *, thresholds=None, cascade=True):
        import numpy as np

        from threatdetect.modeling.base import ModelOutput

        scores = np.asarray([[0.0, 0.9, 0.8] if "dood" in text else [0.0, 0.1, 0.0] for text in texts])
        return ModelOutput(scores.astype(np.float32), {"stub": len(texts)})


def test_a_model_with_only_the_protocol_serves_every_detector_call():
    from threatdetect import Detector

    detector = Detector(_OnlyTheProtocol(), thresholds={"hate": 0.7})
    threat, harmless = detector.score(["ik maak je dood", "fijne dag"])
    assert threat.labels == ("intimidation", "death_threat") and not harmless.flagged
    assert any(span.source == "lexicon" for span in threat.spans)
    _, stages = detector.score_batch(["ik maak je dood", "fijne dag"])
    assert stages == {"stub": 2}
    assert detector.explain("ik maak je dood").labels == threat.labels


class _Counting(_OnlyTheProtocol):
    """The protocol model, counting the texts it is asked to score."""

    __slots__ = ("asked",)

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def predict(self, texts, *, thresholds=None, cascade=True):
        self.asked.extend(texts)
        return super().predict(texts, thresholds=thresholds, cascade=cascade)


def test_repeated_messages_are_scored_once_per_call_and_once_per_run_with_a_cache():
    from threatdetect import Detector
    from threatdetect.scoring.detector import ScoreCache

    model = _Counting()
    detector = Detector(model)
    # The same text, also with other casing of the @mention and extra spaces: one normalised text.
    texts = [
        "ik maak je dood @henk",
        "fijne dag",
        "ik maak je dood @henk",
        "ik  maak je dood @Piet",
        "fijne dag",
    ]
    results, stages = detector.score_batch(texts)
    assert [r.text for r in results] == texts, "results keep the raw texts, in input order"
    assert [r.labels for r in results] == [results[0].labels, (), results[0].labels, results[0].labels, ()]
    assert len(model.asked) == 2 and stages == {"stub": 2, "repeat": 3}
    assert all(r.spans for r in results if r.flagged), "every copy gets its own evidence spans"

    cache = ScoreCache(maxsize=10)
    detector.score_batch(["fijne dag", "nieuw bericht"], cache=cache)
    model.asked.clear()
    _, stages = detector.score_batch(["nieuw bericht", "fijne dag", "nog een"], cache=cache)
    assert model.asked == ["nog een"] and stages == {"stub": 1, "repeat": 2}


def test_long_texts_are_never_shared_because_their_gate_reads_the_raw_windows():
    from threatdetect import Detector

    model = _Counting()
    long_text = "de raad vergadert weer over het parkeerbeleid " * 60
    Detector(model).score_batch([long_text, long_text])
    assert len(model.asked) == 2
