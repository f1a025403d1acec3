"""The cascade: the linear model scores everything, the transformer only what the linear model
cannot rule out.

The gate is one threshold on the linear model's strongest label score, tuned on dev so that at
least `min_flag_recall` of the messages the model flags pass it. Each threshold preset the model ships
has its own gate (`components.preset_gates`): a gate tuned for recall-first thresholds must let far
more messages through than one tuned for the default thresholds, and a stream scored at the default
thresholds should not pay for that. A message that passes is
scored by the transformer for every label, so its flags survive whatever label opened the gate; a
model trained with `combine: blend` mixes the two stages' scores for it instead, with the
transformer's weight tuned on dev (`components.blend_weight`). Messages that do not pass keep the
linear model's scores, capped just below the final thresholds so they are never flagged by a score
the transformer never confirmed.

A blended model has a second, exact gate: the transformer's score is at most 1, so a message whose
linear score for a label is below `(threshold - w) / (1 - w)` cannot reach that threshold whatever
the transformer says. Only a message that could still be flagged for some label is sent on. This
gate loses no flag of the blended model, and on a real stream (a few percent flagged) it keeps
most messages in the first stage.

The gate can also be two-sided (`components.flag_gate`): a label whose linear score is at least
`flag_gate` is decided flagged by the first stage, and a message whose every label is decided (flagged
that way, or below the exact floor) does not go to the transformer either. `tune_flag_gate` picks the
lowest such score at which at most a given share of dev messages end with other labels than the full
blended model gives them. The transformer can then only add a flag to such a message, never remove
one; the flags it would have vetoed are few, and on dev mostly right.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from threatdetect.labels import DEATH_THREAT, INTIMIDATION, LABELS, enforce_implication_array
from threatdetect.modeling.base import ModelOutput, Texts, normalized, raw_text
from threatdetect.modeling.linear import LinearModel
from threatdetect.modeling.model_dir import ModelConfig, ModelDirError
from threatdetect.modeling.transformer import TransformerModel
from threatdetect.normalize import Normalizer, NormalizerSettings

LINEAR_SUBDIR = "linear"


def tune_gate(linear_scores: np.ndarray, transformer_flags: np.ndarray, min_flag_recall: float) -> float:
    """The highest gate on the strongest linear score that keeps `min_flag_recall` of flagged messages."""
    strongest = linear_scores.max(axis=1)[transformer_flags.any(axis=1)]
    if len(strongest) == 0:
        return 0.0
    # The k-th smallest score among flagged messages, so that all but k pass.
    allowed_misses = int(np.floor(len(strongest) * (1.0 - min_flag_recall)))
    return max(0.0, round(float(np.sort(strongest)[allowed_misses]) - 1e-6, 6))


#: Candidate values of the two-sided gate, lowest first; 1.0 is never reached by a probability in practice
#: and so switches it off.
FLAG_GATE_GRID = (0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.985, 0.99, 0.995, 1.0)


def tune_flag_gate(
    linear_scores: np.ndarray,
    transformer_scores: np.ndarray,
    thresholds: np.ndarray,
    weight: float,
    max_changed: float,
) -> float:
    """The lowest linear score that may decide a label flagged without the transformer, such that at
    most `max_changed` of the messages end with other labels than the blended model gives them."""
    thresholds = np.asarray(thresholds, dtype=np.float32)
    blended = blend(linear_scores, transformer_scores, weight)
    full = _final_labels(blended, thresholds)
    floor = blend_floor(implied_thresholds(thresholds), weight)
    for flag_gate in FLAG_GATE_GRID:
        decided, scores = decide_first_stage(linear_scores, thresholds, floor, flag_gate)
        final = np.where(decided[:, None], scores, blended)
        changed = (_final_labels(final, thresholds) != full).any(axis=1).mean()
        if changed <= max_changed:
            return flag_gate
    return 1.0


def _final_labels(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Labels as the scorer gives them: intimidation's score lifted to death_threat's, then every
    death threat also counted as intimidation."""
    flags = enforce_implication_array(scores.copy()) >= thresholds
    flags[:, LABELS.index(INTIMIDATION)] |= flags[:, LABELS.index(DEATH_THREAT)]
    return flags


def decide_first_stage(
    linear_scores: np.ndarray, thresholds: np.ndarray, floor: np.ndarray, flag_gate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Which messages the first stage decides alone, and the scores it gives every message.

    A label is decided when its linear score is under the exact floor (it cannot be flagged) or at
    least `flag_gate` and the label's own threshold (it is flagged). Decided-flagged labels keep
    their linear score; every other label is capped just below its threshold, so it is never flagged
    by a score the transformer never confirmed. A `flag_gate` of 1.0 or more decides no flag at all
    (a float32 linear score can round to exactly 1.0).
    """
    implied = implied_thresholds(thresholds)
    if flag_gate >= 1.0:
        sure = np.zeros(linear_scores.shape, dtype=bool)
    else:
        sure = linear_scores >= np.maximum(flag_gate, np.asarray(thresholds, dtype=np.float32))
    open_labels = (linear_scores >= floor) & ~sure
    decided = ~open_labels.any(axis=1)
    capped = np.minimum(linear_scores, np.nextafter(implied, 0)).astype(np.float32)
    return decided, np.where(sure, linear_scores, capped).astype(np.float32)


#: Texts longer than this are gated per window: a threat buried in a long harmless text is diluted
#: in a whole-text TF-IDF score and would never reach the transformer.
GATE_WINDOW_CHARS = 600


def gate_windows(text: str, size: int = GATE_WINDOW_CHARS) -> list[str]:
    """The text itself when short; otherwise windows of about `size` characters, cut at spaces and
    overlapping by half, so a sentence on a border is whole in one of them."""
    if len(text) <= 2 * size:
        return [text]
    windows, start, step = [], 0, size // 2
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start + step, end)
            end = space if space > start else end
        windows.append(text[start:end])
        if end >= len(text):
            break
        next_start = text.find(" ", start + step, end)
        start = next_start + 1 if next_start > start else end
    return windows


def first_stage_scores(linear, texts: Texts) -> np.ndarray:
    """Linear scores per text; for long texts the highest of their windows' scores, per label.

    Windows are cut from the raw text; a text that is one window is scored as given (normalised
    texts stay normalised)."""
    windows = [gate_windows(raw_text(text)) for text in texts]
    if all(len(w) == 1 for w in windows):
        return linear.predict_proba(list(texts))
    flat = [
        window if len(text_windows) > 1 else text
        for text, text_windows in zip(texts, windows, strict=True)
        for window in text_windows
    ]
    scores = linear.predict_proba(flat)
    out, start = np.empty((len(texts), scores.shape[1]), dtype=np.float32), 0
    for i, text_windows in enumerate(windows):
        out[i] = scores[start : start + len(text_windows)].max(axis=0)
        start += len(text_windows)
    return out


#: Slack under the exact blend bound, for float32 rounding in the blend itself.
BLEND_BOUND_SLACK = 1e-4


def blend_floor(thresholds: np.ndarray, weight: float) -> np.ndarray:
    """Per label, the lowest linear score from which the blended score can still reach `thresholds`.

    blend = w * transformer + (1 - w) * linear <= w + (1 - w) * linear, since the transformer's
    score is a probability. Below the floor no transformer score can flag the label.
    """
    if weight >= 1.0:
        return np.zeros_like(thresholds, dtype=np.float32)
    return ((thresholds - weight) / (1.0 - weight) - BLEND_BOUND_SLACK).astype(np.float32)


def implied_thresholds(thresholds: np.ndarray) -> np.ndarray:
    """Thresholds as the final labels apply them: a death_threat score also counts as intimidation
    (`enforce_implication_array`), so it flags intimidation from the lower of the two thresholds."""
    out = np.asarray(thresholds, dtype=np.float32).copy()
    death, intimidation = LABELS.index(DEATH_THREAT), LABELS.index(INTIMIDATION)
    out[death] = min(out[death], out[intimidation])
    return out


def blend(linear: np.ndarray, transformer: np.ndarray, weight: float) -> np.ndarray:
    """The second stage's score for a message: the transformer's, mixed with the linear one's."""
    if weight >= 1.0:
        return transformer
    return (weight * transformer + (1.0 - weight) * linear).astype(np.float32)


class CascadeModel:
    """Linear first stage, transformer second stage, same output as either alone. Read-only after load."""

    reads_normalized = True

    def __init__(self, config: ModelConfig, linear: LinearModel, transformer: TransformerModel) -> None:
        self.config = config
        self.linear = linear
        self.transformer = transformer
        self.normalizer = Normalizer(NormalizerSettings.from_dict(config.normalizer))
        #: The gate for `components.gate_thresholds`: the model's own thresholds (in model directories
        #: written before presets had their own gates, the lowest preset's).
        self.gate = float(config.components["gate"])
        #: Weight of the transformer in the final score of a message that passes the gate (1.0 unless
        #: the model was trained with `cascade.combine: blend`).
        self.blend_weight = float(config.components.get("blend_weight", 1.0))
        #: Linear score from which the first stage decides a label flagged (1.0: never; one-sided gate).
        self.flag_gate = float(config.components.get("flag_gate", 1.0))
        self.thresholds = np.asarray([config.thresholds[label] for label in LABELS], dtype=np.float32)
        #: Every gate with the thresholds it was tuned for: the model's own, then one per preset.
        tuned_sets = [
            {"gate": self.gate, "thresholds": config.components.get("gate_thresholds", config.thresholds)}
        ]
        tuned_sets += config.components.get("preset_gates", {}).values()
        self.gates = [
            (
                float(tuned["gate"]),
                np.asarray([tuned["thresholds"][label] for label in LABELS], dtype=np.float32),
            )
            for tuned in tuned_sets
        ]

    @classmethod
    def load(
        cls, directory: Path, config: ModelConfig | None = None, device: str = "auto", precision: str = "auto"
    ) -> CascadeModel:
        directory = Path(directory)
        config = config or ModelConfig.load(directory)
        if "gate" not in config.components:
            raise ModelDirError(f"{directory}: cascade config has no 'components.gate'")
        linear = LinearModel.load(directory / config.components.get("linear_dir", LINEAR_SUBDIR))
        transformer = TransformerModel.load(directory, config, device=device, precision=precision)
        return cls(config, linear, transformer)

    def gate_for(self, thresholds: np.ndarray) -> float | None:
        """The gate tuned for the highest thresholds at or below `thresholds`, on every label.

        A gate keeps its share of the flags at the thresholds it was tuned for, and so nearly all of
        those at higher ones; the closest tuned set is the one whose flags are most like the requested
        ones. (Not the highest gate: a set with lower thresholds flags more messages, may skip one more
        of them, and can end with a higher gate that loses a flag of the stricter set.) None when
        `thresholds` go below every tuned set and ask for flags no gate ever saw.
        """
        applicable = [(gate, tuned) for gate, tuned in self.gates if np.all(thresholds >= tuned)]
        if not applicable:
            return None
        # The closest set has the highest thresholds; between equal sets, the lower gate keeps more.
        gate, _ = max(applicable, key=lambda pair: (float(pair[1].sum()), -pair[0]))
        return gate

    def gate_applies(self, thresholds: np.ndarray) -> bool:
        return self.gate_for(thresholds) is not None

    def passes_gate(self, linear_scores: np.ndarray, thresholds: np.ndarray | None = None) -> np.ndarray:
        """Messages the transformer must see: past the tuned gate and, for a blended model, able to
        reach a threshold of `thresholds` (the model's own when None) for some label."""
        return self.first_stage(linear_scores, thresholds)[0]

    def first_stage(
        self, linear_scores: np.ndarray, thresholds: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Which messages go on to the transformer, and the first stage's scores for every message
        (for `thresholds`, the model's own when None). `benchmarks/gate_recall.py` replays the cascade
        on stored scores with it."""
        thresholds = self.thresholds if thresholds is None else thresholds
        gate = self.gate_for(thresholds)
        tuned = linear_scores.max(axis=1) >= (0.0 if gate is None else gate)
        floor = blend_floor(implied_thresholds(thresholds), self.blend_weight)
        decided, scores = decide_first_stage(linear_scores, thresholds, floor, self.flag_gate)
        return tuned & ~decided, scores

    def predict_proba(self, texts: Texts) -> np.ndarray:
        return self.predict(texts).scores

    def predict(
        self, texts: Texts, *, thresholds: np.ndarray | None = None, cascade: bool = True
    ) -> ModelOutput:
        """Scores for `thresholds` (the model's own when None); `cascade=False` runs the transformer on all.

        Messages that stay in the first stage keep the linear scores, capped just below `thresholds`
        so they are never flagged by a score the transformer never confirmed, except labels the
        two-sided gate decided flagged (see `decide_first_stage`).
        """
        thresholds = self.thresholds if thresholds is None else np.asarray(thresholds, dtype=np.float32)
        texts = normalized(self.normalizer, texts)  # once, for both stages
        if not cascade or not self.gate_applies(thresholds):
            second = self.transformer.predict_proba(texts)
            if self.blend_weight < 1.0:
                second = blend(first_stage_scores(self.linear, texts), second, self.blend_weight)
            return ModelOutput(second, {"transformer": len(texts)})
        first = first_stage_scores(self.linear, texts)
        send, scores = self.first_stage(first, thresholds)
        selected = np.flatnonzero(send)
        if len(selected):
            second = self.transformer.predict_proba([texts[i] for i in selected])
            scores[selected] = blend(first[selected], second, self.blend_weight)
        return ModelOutput(scores, {"linear": len(texts) - len(selected), "transformer": len(selected)})
