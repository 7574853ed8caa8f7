"""Computing the governance index (SPEC §10): residents' weights, scores, ranks, intervals.

Pure functions over plain data: nothing here touches storage, a channel or the clock. The
command line and the bot read the framework and the values from storage, the priorities votes
from the latest closed `priorities` round of each community, call `compute_index`, and hand the
result to `bot/render/index_report.py` or print `index_json(result)`.

Formulas, exactly as SPEC §10:
- indicator score `s = 100 · clamp((x − threshold) / (target − threshold), 0, 1)`;
- principle score = mean of its indicators' scores that have a value;
- residents' weights `w_p = (v_p + 1) / Σ_q (v_q + 1)` (equal weights without a round);
- index `I = Σ w_p·P_p / Σ w_p` over the principles that have a score;
- `coverage` = share of the framework's indicators with a value; ranked only if
  `coverage ≥ min_coverage`;
- intervals: seeded Monte Carlo draws of the weights from Dirichlet(v + 1), the 5th and 95th
  percentiles of the index and of the rank.

Ties: communities whose indexes are equal (compared at 1e-9, so that the order of a float sum
cannot split a real tie) share the better rank and the next rank is skipped ("1, 2, 2, 4",
competition ranking); equal communities are listed by name (code-point order). The same rule
ranks every Monte Carlo draw.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.core.index.framework import Framework
from bot.core.index.values import IndicatorValue, select_periods

#: Monte Carlo draws per computation (SPEC §10).
DRAWS = 1000
#: Indexes closer than this are a tie (see the module docstring).
_TIE_DECIMALS = 9
#: Monte Carlo draws are made in chunks of this many, to bound memory (draws × communities ×
#: principles floats per chunk); the chunking is fixed, so a seed gives the same draws always.
_CHUNK = 100

Float = npt.NDArray[np.float64]


# --- weights --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Priorities:
    """A community's latest closed `priorities` round: votes per principle id and voters."""

    votes: Mapping[str, int]
    voters: int


def _vote_vector(principles: Sequence[str], votes: Mapping[str, int] | None) -> Float:
    # Votes for a principle no longer in the framework are ignored: the framework may change
    # after a round closed, and the remaining principles' votes still say what residents want.
    counts = [int((votes or {}).get(p, 0)) for p in principles]
    if any(c < 0 for c in counts):
        raise ValueError("votes cannot be negative")
    return np.asarray(counts, dtype=np.float64)


def weights_from_votes(
    principles: Sequence[str], votes: Mapping[str, int] | None
) -> dict[str, float]:
    """Residents' weights `w_p = (v_p + 1) / Σ_q (v_q + 1)`; equal weights without votes."""
    alpha = _vote_vector(principles, votes) + 1.0
    return {p: float(w) for p, w in zip(principles, alpha / alpha.sum(), strict=True)}


def pooled_priorities(rounds: Iterable[Priorities]) -> Priorities:
    """All communities' votes pooled, for the city-wide weights."""
    votes: dict[str, int] = {}
    voters = 0
    for prio in rounds:
        voters += prio.voters
        for pid, count in prio.votes.items():
            votes[pid] = votes.get(pid, 0) + count
    return Priorities(votes=votes, voters=voters)


def indicator_scores(values: Float, threshold: Float, target: Float) -> Float:
    """`100 · clamp((x − threshold) / (target − threshold), 0, 1)`, element-wise (the
    thresholds and targets broadcast over communities); a missing value (NaN) stays missing."""
    return 100.0 * np.clip((values - threshold) / (target - threshold), 0.0, 1.0)


def indicator_score(value: float, threshold: float, target: float) -> float:
    """One indicator's score: `indicator_scores` of one value."""
    return float(indicator_scores(np.array(value), np.array(threshold), np.array(target)))


# --- computing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorResult:
    """An indicator's value and score in the period, and its value in the previous period."""

    value: float | None
    score: float | None
    previous: float | None = None


@dataclass(frozen=True)
class CommunityResult:
    """One community's index, interval, rank, coverage, weights and scores."""

    name: str
    index: float | None
    low: float | None
    high: float | None
    rank: int | None
    rank_low: int | None
    rank_high: int | None
    coverage: float
    voters: int
    weights: dict[str, float]
    principles: dict[str, float | None]
    indicators: dict[str, IndicatorResult]
    previous_index: float | None = None
    previous_rank: int | None = None
    #: Share of the framework's indicators with a value in the previous period (None without
    #: a previous period).
    previous_coverage: float | None = None

    @property
    def ranked(self) -> bool:
        """Whether the community has a rank (enough coverage)."""
        return self.rank is not None

    @property
    def change(self) -> float | None:
        """Index change since the previous period (None without both)."""
        if self.index is None or self.previous_index is None:
            return None
        return self.index - self.previous_index

    @property
    def change_comparable(self) -> bool | None:
        """Whether the change compares like with like: the same indicators had a value in both
        periods (None without a change). An index over a third of the indicators and one over
        all of them are different measures, so their difference is not a change a reader can
        take at face value; the report flags it."""
        if self.change is None:
            return None
        now = {k for k, v in self.indicators.items() if v.value is not None}
        before = {k for k, v in self.indicators.items() if v.previous is not None}
        return now == before

    @property
    def weights_used(self) -> dict[str, float | None]:
        """The weight each principle actually carries in the index: its residents' weight
        over the sum of the weights of the principles with a score (`w_p / Σ w_q`, q scored),
        None for a principle without a score (not counted). Σ used · score = the index."""
        return _weights_used(self.weights, self.principles)


def _weights_used(
    weights: Mapping[str, float], scores: Mapping[str, float | None]
) -> dict[str, float | None]:
    total = sum(w for p, w in weights.items() if scores.get(p) is not None)
    return {
        p: (w / total if total > 0 and scores.get(p) is not None else None)
        for p, w in weights.items()
    }


def table_order(result: IndexResult) -> list[CommunityResult]:
    """The communities in the order the human tables (HTML, PDF, text, web) list them: the
    ranked ones by rank, then the unranked ones (highest index first, those without an index
    last). `result.communities` (and `--json`) stay sorted by index as SPEC §10 says, where an
    unranked community with a high index would head the table above rank 1."""
    ranked = [c for c in result.communities if c.rank is not None]
    unranked = [c for c in result.communities if c.rank is None]
    # The sort is stable: equal ranks keep the by-name order of `result.communities`.
    return sorted(ranked, key=lambda c: c.rank or 0) + unranked


@dataclass(frozen=True)
class CityResult:
    """City-wide figures: pooled weights, mean principle and indicator figures, the index."""

    voters: int
    weights: dict[str, float]
    principles: dict[str, float | None]
    indicators: dict[str, float | None]
    index: float | None

    @property
    def weights_used(self) -> dict[str, float | None]:
        """As `CommunityResult.weights_used`, over the city's principle means."""
        return _weights_used(self.weights, self.principles)


@dataclass(frozen=True)
class IndexResult:
    """The index for one period: every community, highest index first."""

    period: str
    previous_period: str | None
    framework: Framework
    communities: list[CommunityResult]
    city: CityResult
    min_coverage: float
    draws: int
    seed: int
    ranked_count: int = field(default=0)


@dataclass(frozen=True)
class _Point:
    """The deterministic part for one period, as arrays over communities."""

    values: Float  # (C, K), NaN = missing
    scores: Float  # (C, K)
    principles: Float  # (C, P)
    index: Float  # (C,)
    coverage: Float  # (C,)
    ranked: npt.NDArray[np.bool_]  # (C,)
    ranks: npt.NDArray[np.int64]  # (C,), 0 = unranked


def _value_matrix(
    framework: Framework, values: Iterable[IndicatorValue], period: str, names: Sequence[str]
) -> Float:
    row = {n: i for i, n in enumerate(names)}
    col = {ind.id: k for k, ind in enumerate(framework.indicators)}
    matrix = np.full((len(names), len(col)), np.nan)
    for item in values:
        if item.period == period and item.community in row and item.indicator in col:
            matrix[row[item.community], col[item.indicator]] = item.value
    return matrix


def _membership(framework: Framework) -> Float:
    pids = [p.id for p in framework.principles]
    member = np.zeros((len(framework.indicators), len(pids)))
    for k, ind in enumerate(framework.indicators):
        member[k, pids.index(ind.principle)] = 1.0
    return member


def _index_of(weights: Float, principles: Float) -> Float:
    """Σ w·P / Σ w over principles with a score; weights (…, C, P), principles (C, P)."""
    has = ~np.isnan(principles)
    filled = np.where(has, principles, 0.0)
    num = (weights * filled).sum(axis=-1)
    den = (weights * has).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: Float = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return out


def competition_ranks(index: Float) -> npt.NDArray[np.int64]:
    """Ranks along the last axis, highest first, ties sharing the better rank ("1, 2, 2, 4")."""
    keyed = np.round(index, _TIE_DECIMALS)
    order = np.argsort(-keyed, axis=-1, kind="stable")
    ordered = np.take_along_axis(keyed, order, axis=-1)
    positions = np.broadcast_to(np.arange(keyed.shape[-1]), keyed.shape)
    new = np.ones(keyed.shape, dtype=bool)
    new[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    first = np.maximum.accumulate(np.where(new, positions, 0), axis=-1)
    ranks = np.empty(keyed.shape, dtype=np.int64)
    np.put_along_axis(ranks, order, first + 1, axis=-1)
    return ranks


def _point(
    framework: Framework,
    values: Iterable[IndicatorValue],
    period: str,
    names: Sequence[str],
    alpha: Float,
    min_coverage: float,
) -> _Point:
    matrix = _value_matrix(framework, values, period, names)
    thr = np.array([i.threshold for i in framework.indicators])
    tgt = np.array([i.target for i in framework.indicators])
    scores = indicator_scores(matrix, thr, tgt)
    has = ~np.isnan(scores)
    member = _membership(framework)
    counts = has.astype(np.float64) @ member
    sums = np.where(has, scores, 0.0) @ member
    with np.errstate(invalid="ignore", divide="ignore"):
        principles = np.where(counts > 0, sums / np.where(counts > 0, counts, 1.0), np.nan)
    weights = alpha / alpha.sum(axis=-1, keepdims=True)
    index = _index_of(weights, principles)
    coverage = has.sum(axis=1) / max(1, len(framework.indicators))
    ranked = (coverage >= min_coverage) & ~np.isnan(index)
    ranks = np.zeros(len(names), dtype=np.int64)
    if ranked.any():
        ranks[ranked] = competition_ranks(index[ranked])
    return _Point(matrix, scores, principles, index, coverage, ranked, ranks)


def _monte_carlo(
    alpha: Float, principles: Float, ranked: npt.NDArray[np.bool_], draws: int, seed: int
) -> tuple[Float, npt.NDArray[np.int64]]:
    """Index (draws, C) under Dirichlet(alpha) weights, and ranks (draws, R) of the ranked."""
    rng = np.random.default_rng(seed)
    index_draws = np.empty((draws, alpha.shape[0]))
    for start in range(0, draws, _CHUNK):
        size = min(_CHUNK, draws - start)
        # Dirichlet = normalised gammas; the index is a ratio in the weights, so the
        # normalisation cancels and is skipped.
        gammas = rng.standard_gamma(alpha, size=(size, *alpha.shape))
        index_draws[start : start + size] = _index_of(gammas, principles)
    rank_draws = competition_ranks(index_draws[:, ranked])
    return index_draws, rank_draws


def compute_index(
    framework: Framework,
    values: Iterable[IndicatorValue],
    priorities: Mapping[str, Priorities],
    *,
    period: str | None = None,
    communities: Iterable[str] = (),
    min_coverage: float = 0.5,
    draws: int = DRAWS,
    seed: int = 0,
    previous_priorities: Mapping[str, Priorities] | None = None,
) -> IndexResult:
    """The index for `period` (default: the latest period with values) of every community that
    has values in it, votes, or is named in `communities`, with the change since the previous
    period of the same kind (scored with `previous_priorities`, default the same votes)."""
    values = list(values)
    period, before_period = select_periods({v.period for v in values}, period)
    if not 0.0 <= min_coverage <= 1.0:
        raise ValueError("min_coverage must be between 0 and 1")
    if draws < 1:
        raise ValueError("draws must be at least 1")
    names = sorted(
        {v.community for v in values if v.period == period} | set(priorities) | set(communities)
    )
    pids = [p.id for p in framework.principles]
    alpha = (
        np.stack([_vote_vector(pids, _votes(priorities, n)) for n in names]) + 1.0
        if names
        else np.ones((0, len(pids)))
    )
    now = _point(framework, values, period, names, alpha, min_coverage)
    before: _Point | None = None
    if before_period is not None:
        prev_prio = priorities if previous_priorities is None else previous_priorities
        prev_alpha = (
            np.stack([_vote_vector(pids, _votes(prev_prio, n)) for n in names]) + 1.0
            if names
            else alpha
        )
        before = _point(framework, values, before_period, names, prev_alpha, min_coverage)
    index_draws, rank_draws = _monte_carlo(alpha, now.principles, now.ranked, draws, seed)
    low, high = _percentiles(index_draws, now.index)
    ranked_rows = np.flatnonzero(now.ranked)
    rank_low = np.zeros(len(names), dtype=np.int64)
    rank_high = np.zeros(len(names), dtype=np.int64)
    if ranked_rows.size:
        bounds = np.percentile(rank_draws, [5, 95], axis=0, method="inverted_cdf")
        rank_low[ranked_rows] = bounds[0].astype(np.int64)
        rank_high[ranked_rows] = bounds[1].astype(np.int64)
    weights = alpha / alpha.sum(axis=1, keepdims=True)
    results = [
        _community(
            framework, n, c, now, before, weights, low, high, rank_low, rank_high, priorities
        )
        for c, n in enumerate(names)
    ]
    results.sort(key=lambda r: (r.index is None, -round(r.index or 0.0, _TIE_DECIMALS), r.name))
    city = _city(framework, now, priorities)
    return IndexResult(
        period=period,
        previous_period=before_period,
        framework=framework,
        communities=results,
        city=city,
        min_coverage=min_coverage,
        draws=draws,
        seed=seed,
        ranked_count=int(now.ranked.sum()),
    )


def _votes(priorities: Mapping[str, Priorities], name: str) -> Mapping[str, int] | None:
    prio = priorities.get(name)
    return None if prio is None else prio.votes


def _percentiles(index_draws: Float, index: Float) -> tuple[Float, Float]:
    low = np.full(index.shape, np.nan)
    high = np.full(index.shape, np.nan)
    # A community without any principle score has no index in any draw.
    scored = ~np.isnan(index)
    if scored.any():
        low[scored], high[scored] = np.percentile(index_draws[:, scored], [5, 95], axis=0)
    return low, high


def _num(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _score(x: float) -> float | None:
    # Scores, indexes and bounds are rounded at 1e-9: an index whose weights cannot move it
    # (one scored principle, or equal principle scores) is then the same number as its
    # bounds, and 100 is 100, not 99.99999999999999 from a sum of weights.
    return None if math.isnan(x) else round(float(x), _TIE_DECIMALS)


def _community(
    framework: Framework,
    name: str,
    c: int,
    now: _Point,
    before: _Point | None,
    weights: Float,
    low: Float,
    high: Float,
    rank_low: npt.NDArray[np.int64],
    rank_high: npt.NDArray[np.int64],
    priorities: Mapping[str, Priorities],
) -> CommunityResult:
    pids = [p.id for p in framework.principles]
    ranked = bool(now.ranked[c])
    indicators = {
        ind.id: IndicatorResult(
            value=_num(now.values[c, k]),
            score=_score(now.scores[c, k]),
            previous=None if before is None else _num(before.values[c, k]),
        )
        for k, ind in enumerate(framework.indicators)
    }
    prio = priorities.get(name)
    return CommunityResult(
        name=name,
        index=_score(now.index[c]),
        low=_score(low[c]),
        high=_score(high[c]),
        rank=int(now.ranks[c]) if ranked else None,
        rank_low=int(rank_low[c]) if ranked else None,
        rank_high=int(rank_high[c]) if ranked else None,
        coverage=float(now.coverage[c]),
        voters=0 if prio is None else prio.voters,
        weights={p: float(weights[c, j]) for j, p in enumerate(pids)},
        principles={p: _score(now.principles[c, j]) for j, p in enumerate(pids)},
        indicators=indicators,
        previous_index=None if before is None else _score(before.index[c]),
        previous_rank=int(before.ranks[c]) if before is not None and before.ranked[c] else None,
        previous_coverage=None if before is None else float(before.coverage[c]),
    )


def _city(framework: Framework, now: _Point, priorities: Mapping[str, Priorities]) -> CityResult:
    pids = [p.id for p in framework.principles]
    pooled = pooled_priorities(priorities.values())
    weights = weights_from_votes(pids, pooled.votes)
    with np.errstate(invalid="ignore"):
        means_p = [
            _num(float(np.nanmean(col))) if (~np.isnan(col)).any() else None
            for col in now.principles.T
        ]
        means_i = [
            _num(float(np.nanmean(col))) if (~np.isnan(col)).any() else None for col in now.values.T
        ]
    scored = [(weights[p], s) for p, s in zip(pids, means_p, strict=True) if s is not None]
    total = sum(w for w, _ in scored)
    return CityResult(
        voters=pooled.voters,
        weights=weights,
        principles=dict(zip(pids, means_p, strict=True)),
        indicators={i.id: m for i, m in zip(framework.indicators, means_i, strict=True)},
        index=sum(w * s for w, s in scored) / total if scored else None,
    )


# --- residents' voices ---------------------------------------------------------------------


@dataclass(frozen=True)
class PrincipleVoice:
    """What residents said about one principle in the period: share of answers and quotes."""

    share: float
    answers: int = 0
    quotes: Sequence[str] = ()


@dataclass(frozen=True)
class CommunityVoices:
    """One community's answers in the period and their voices per principle id."""

    answers: int = 0
    principles: Mapping[str, PrincipleVoice] = field(default_factory=dict)


# --- JSON -----------------------------------------------------------------------------------


def _r(x: float | None) -> float | None:
    # Not cut to a few decimals: a reader recomputing a weight (v + 1) / Σ (v + 1) or a
    # coverage from the JSON must get the same number (1/3, not 0.3333). Scores and indexes
    # are already rounded at 1e-9 (see `_score`).
    return None if x is None else float(x)


def index_json(result: IndexResult) -> dict[str, Any]:
    """The `minyi index --json` object (SPEC §10), communities highest index first.

    Added keys: `previous_period`, `min_coverage`, `draws`, `seed`, `city`, and per community
    `previous_index`, `previous_rank`, `change`, `previous_coverage`, `change_comparable`
    (false when the two periods' indexes rest on different indicators), `weights_used` (the
    weight each principle carries in the index, null if it has no score), and each
    indicator's `previous` value.
    """
    fw = result.framework
    return {
        "period": result.period,
        "previous_period": result.previous_period,
        "min_coverage": result.min_coverage,
        "draws": result.draws,
        "seed": result.seed,
        "framework": {
            "principles": [
                {"id": p.id, "name_zh": p.name_zh, "name_en": p.name_en} for p in fw.principles
            ],
            "indicators": [
                {
                    "id": i.id,
                    "name_zh": i.name_zh,
                    "name_en": i.name_en,
                    "principle": i.principle,
                    "unit": i.unit,
                    "threshold": i.threshold,
                    "target": i.target,
                    "baseline": i.baseline,
                }
                for i in fw.indicators
            ],
        },
        "city": {
            "index": _r(result.city.index),
            "voters": result.city.voters,
            "weights": {p: _r(w) for p, w in result.city.weights.items()},
            "weights_used": {p: _r(w) for p, w in result.city.weights_used.items()},
            "principles": {p: _r(s) for p, s in result.city.principles.items()},
            "indicators": {i: _r(v) for i, v in result.city.indicators.items()},
        },
        "communities": [
            {
                "name": c.name,
                "index": _r(c.index),
                "low": _r(c.low),
                "high": _r(c.high),
                "rank": c.rank,
                "rank_low": c.rank_low,
                "rank_high": c.rank_high,
                "coverage": _r(c.coverage),
                "voters": c.voters,
                "weights": {p: _r(w) for p, w in c.weights.items()},
                "principles": {p: _r(s) for p, s in c.principles.items()},
                "indicators": {
                    i: {"value": v.value, "score": _r(v.score), "previous": v.previous}
                    for i, v in c.indicators.items()
                },
                "previous_index": _r(c.previous_index),
                "previous_rank": c.previous_rank,
                "change": _r(c.change),
                "previous_coverage": _r(c.previous_coverage),
                "change_comparable": c.change_comparable,
                "weights_used": {p: _r(w) for p, w in c.weights_used.items()},
            }
            for c in result.communities
        ],
    }
