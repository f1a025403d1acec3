"""Unintended-bias metrics of Borkan et al. (2019), the Jigsaw unintended-bias AUCs.

For a label and a subgroup (messages that mention an identity group, or messages aimed at women):
- subgroup AUC: ranking within the subgroup alone; low when the model confuses benign and harmful
  mentions of the group;
- BPSN AUC (background positive, subgroup negative): harmless subgroup messages against harmful
  others; low when a group mention alone raises the score (false alarms on "Ik ben een vrouw");
- BNSP AUC (background negative, subgroup positive): harmful subgroup messages against harmless
  others; low when harm against the group scores lower than elsewhere.

The summary is the generalised (power) mean with p = -5 of each metric over subgroups, which leans
towards the worst subgroup, and the mean of those three.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

POWER = -5
#: A subgroup needs this many positives and negatives for its AUCs to mean anything.
MIN_CLASS_SIZE = 5


def _auc(truth: np.ndarray, scores: np.ndarray) -> float | None:
    positives = int(truth.sum())
    if positives < MIN_CLASS_SIZE or len(truth) - positives < MIN_CLASS_SIZE:
        return None
    return round(float(roc_auc_score(truth, scores)), 4)


@dataclass(frozen=True)
class SubgroupBias:
    n: int
    positives: int
    subgroup_auc: float | None
    bpsn_auc: float | None
    bnsp_auc: float | None


def subgroup_bias(truth: np.ndarray, scores: np.ndarray, member: np.ndarray) -> SubgroupBias:
    truth, member = truth.astype(bool), member.astype(bool)
    bpsn = (member & ~truth) | (~member & truth)
    bnsp = (member & truth) | (~member & ~truth)
    return SubgroupBias(
        n=int(member.sum()),
        positives=int((member & truth).sum()),
        subgroup_auc=_auc(truth[member], scores[member]),
        bpsn_auc=_auc(truth[bpsn], scores[bpsn]),
        bnsp_auc=_auc(truth[bnsp], scores[bnsp]),
    )


def power_mean(values: Sequence[float], p: int = POWER) -> float | None:
    if not values:
        return None
    array = np.asarray(values, dtype=np.float64)
    return round(float(np.mean(array**p) ** (1.0 / p)), 4)


@dataclass(frozen=True)
class BiasReport:
    label: str
    subgroups: dict[str, SubgroupBias]
    overall_auc: float | None
    mean_subgroup_auc: float | None
    mean_bpsn_auc: float | None
    mean_bnsp_auc: float | None
    #: Mean of the three power means: the headline bias score (1.0 is no measurable bias).
    generalized_mean_bias_auc: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def bias_report(
    label: str, truth: np.ndarray, scores: np.ndarray, membership: Mapping[str, np.ndarray]
) -> BiasReport:
    """`membership` maps a subgroup name to a boolean mask over the rows."""
    subgroups = {name: subgroup_bias(truth, scores, mask) for name, mask in membership.items()}
    values: dict[str, list[float]] = {"subgroup_auc": [], "bpsn_auc": [], "bnsp_auc": []}
    for s in subgroups.values():
        for metric, value in (
            ("subgroup_auc", s.subgroup_auc),
            ("bpsn_auc", s.bpsn_auc),
            ("bnsp_auc", s.bnsp_auc),
        ):
            if value is not None:
                values[metric].append(value)
    means = {metric: power_mean(found) for metric, found in values.items()}
    present = [v for v in means.values() if v is not None]
    return BiasReport(
        label=label,
        subgroups=subgroups,
        overall_auc=_auc(truth.astype(bool), scores),
        mean_subgroup_auc=means["subgroup_auc"],
        mean_bpsn_auc=means["bpsn_auc"],
        mean_bnsp_auc=means["bnsp_auc"],
        generalized_mean_bias_auc=round(float(np.mean(present)), 4) if len(present) == 3 else None,
    )
