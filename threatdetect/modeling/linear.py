"""The fast linear model: TF-IDF over normalised words and character n-grams plus lexicon features,
with a calibrated logistic regression per label.

It trains in seconds, scores thousands of messages per second on one CPU core, and is the first
stage of the cascade. Weights are stored as safetensors and the vocabularies as JSON, so loading a
model never unpickles anything.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from sklearn.feature_extraction.text import TfidfVectorizer

from threatdetect.labels import LABELS
from threatdetect.modeling.base import SingleStageModel, Texts, normalized
from threatdetect.modeling.model_dir import ModelConfig, ModelDirError
from threatdetect.normalize import Normalizer, NormalizerSettings
from threatdetect.triggers import TriggerLexicon

WEIGHTS_FILE = "linear.safetensors"
VOCAB_FILE = "linear_vocabulary.json"
WORD_TOKEN_PATTERN = r"(?u)[@\w]+|[^\w\s]"


class LinearSettings(BaseModel):
    """Feature and classifier settings of the linear model (part of the training config)."""

    model_config = ConfigDict(extra="forbid")

    word_ngrams: tuple[StrictInt, StrictInt] = (1, 2)
    char_ngrams: tuple[StrictInt, StrictInt] = (2, 5)
    min_df: StrictInt = Field(2, ge=1)
    max_word_features: StrictInt = Field(40000, gt=0)
    max_char_features: StrictInt = Field(80000, gt=0)
    C: float = Field(4.0, gt=0.0)
    calibration_folds: StrictInt = Field(5, ge=2)
    lexicon_features: StrictBool = True


def _word_vectorizer(settings: LinearSettings, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="word",
        ngram_range=settings.word_ngrams,
        token_pattern=WORD_TOKEN_PATTERN,
        lowercase=False,
        min_df=settings.min_df,
        max_features=settings.max_word_features,
        sublinear_tf=True,
        dtype=np.float32,
        vocabulary=vocabulary,
    )


def _char_vectorizer(settings: LinearSettings, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=settings.char_ngrams,
        lowercase=False,
        min_df=settings.min_df,
        max_features=settings.max_char_features,
        sublinear_tf=True,
        dtype=np.float32,
        vocabulary=vocabulary,
    )


class LinearModel(SingleStageModel):
    """Calibrated per-label logistic regression over TF-IDF and lexicon features."""

    stage = "linear"

    def __init__(
        self,
        config: ModelConfig,
        settings: LinearSettings,
        word_vectorizer: TfidfVectorizer,
        char_vectorizer: TfidfVectorizer,
        coef: np.ndarray,
        intercept: np.ndarray,
        calibration: np.ndarray,
    ) -> None:
        self.config = config
        self.settings = settings
        self.word_vectorizer = word_vectorizer
        self.char_vectorizer = char_vectorizer
        self.coef = coef.astype(np.float32)  # (n_features, n_labels)
        self.intercept = intercept.astype(np.float32)  # (n_labels,)
        self.calibration = calibration.astype(np.float32)  # (n_labels, 2): Platt a, b
        self.normalizer = Normalizer(NormalizerSettings.from_dict(config.normalizer))
        self.lexicon = TriggerLexicon.default() if settings.lexicon_features else None

    # -- features -------------------------------------------------------------------------
    @staticmethod
    def featurize_fit(
        lower_texts: list[str], settings: LinearSettings
    ) -> tuple[sp.csr_matrix, TfidfVectorizer, TfidfVectorizer]:
        word = _word_vectorizer(settings)
        char = _char_vectorizer(settings)
        blocks = [word.fit_transform(lower_texts), char.fit_transform(lower_texts)]
        if settings.lexicon_features:
            blocks.append(sp.csr_matrix(TriggerLexicon.default().features(lower_texts)))
        return sp.hstack(blocks, format="csr"), word, char

    def featurize(self, lower_texts: list[str]) -> sp.csr_matrix:
        blocks = [self.word_vectorizer.transform(lower_texts), self.char_vectorizer.transform(lower_texts)]
        if self.lexicon is not None:
            blocks.append(sp.csr_matrix(self.lexicon.features(lower_texts)))
        return sp.hstack(blocks, format="csr")

    # -- scoring --------------------------------------------------------------------------
    def decision_function(self, texts: Texts) -> np.ndarray:
        lower = [doc.lower for doc in normalized(self.normalizer, texts)]
        return np.asarray(self.featurize(lower) @ self.coef) + self.intercept

    def predict_proba(self, texts: Texts) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        decision = self.decision_function(texts)
        a, b = self.calibration[:, 0], self.calibration[:, 1]
        return (1.0 / (1.0 + np.exp(decision * a + b))).astype(np.float32)

    # -- persistence ----------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        from safetensors.numpy import save_file

        directory.mkdir(parents=True, exist_ok=True)
        save_file(
            {
                "word_idf": self.word_vectorizer.idf_.astype(np.float32),
                "char_idf": self.char_vectorizer.idf_.astype(np.float32),
                "coef": self.coef,
                "intercept": self.intercept,
                "calibration": self.calibration,
            },
            str(directory / WEIGHTS_FILE),
        )
        vocab = {
            "settings": self.settings.model_dump(),
            "word_vocabulary": sorted(
                self.word_vectorizer.vocabulary_, key=self.word_vectorizer.vocabulary_.get
            ),
            "char_vocabulary": sorted(
                self.char_vectorizer.vocabulary_, key=self.char_vectorizer.vocabulary_.get
            ),
        }
        (directory / VOCAB_FILE).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        self.config.save(directory)

    @classmethod
    def load(cls, directory: Path, config: ModelConfig | None = None) -> LinearModel:
        from safetensors.numpy import load_file

        directory = Path(directory)
        config = config or ModelConfig.load(directory)
        for name in (WEIGHTS_FILE, VOCAB_FILE):
            if not (directory / name).is_file():
                raise ModelDirError(f"{directory}: linear model file {name} is missing")
        tensors = load_file(str(directory / WEIGHTS_FILE))
        vocab = json.loads((directory / VOCAB_FILE).read_text(encoding="utf-8"))
        settings = LinearSettings(**vocab["settings"])
        word = _word_vectorizer(settings, {term: i for i, term in enumerate(vocab["word_vocabulary"])})
        char = _char_vectorizer(settings, {term: i for i, term in enumerate(vocab["char_vocabulary"])})
        word.idf_ = tensors["word_idf"]
        char.idf_ = tensors["char_idf"]
        return cls(
            config, settings, word, char, tensors["coef"], tensors["intercept"], tensors["calibration"]
        )


def fit_linear(
    texts: Sequence[str], labels: np.ndarray, settings: LinearSettings, config: ModelConfig, seed: int = 13
) -> LinearModel:
    """Fit vectorizers and one calibrated logistic regression per label."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression

    normalizer = Normalizer(NormalizerSettings.from_dict(config.normalizer))
    lower = [normalizer.normalize_text(text) for text in texts]
    features, word, char = LinearModel.featurize_fit(lower, settings)
    coef = np.zeros((features.shape[1], len(LABELS)), dtype=np.float32)
    intercept = np.zeros(len(LABELS), dtype=np.float32)
    calibration = np.zeros((len(LABELS), 2), dtype=np.float32)
    for column, label in enumerate(LABELS):
        target = labels[:, column].astype(int)
        if target.min() == target.max():
            raise ValueError(f"training data has only one class for {label}; cannot fit a classifier")
        base = LogisticRegression(C=settings.C, class_weight="balanced", max_iter=3000, random_state=seed)
        calibrated = CalibratedClassifierCV(
            base, method="sigmoid", cv=settings.calibration_folds, ensemble=False
        )
        calibrated.fit(features, target)
        fitted = calibrated.calibrated_classifiers_[0]
        coef[:, column] = fitted.estimator.coef_[0]
        intercept[column] = fitted.estimator.intercept_[0]
        calibration[column] = (fitted.calibrators[0].a_, fitted.calibrators[0].b_)
    return LinearModel(config, settings, word, char, coef, intercept, calibration)
