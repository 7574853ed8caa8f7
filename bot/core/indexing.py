"""The governance index's use cases (SPEC §10): what bot/core/index/ computes, fed from storage.

- the framework in force: the one stored last (`minyi index framework`), else the file
  `index.framework` names, else the shipped example;
- values: imported CSV files, merged with consultation values (the mean 1–5 rating of the
  latest closed `/rate --indicator` round in a community within the period, which wins over an
  imported value for the same indicator, community and period: the indicator is then defined
  as what residents rated);
- residents' weights from each community's latest closed `priorities` round;
- what residents said in the period's rounds, per principle (`CommunityVoices`), with the
  same quote selection as round reports (bot/core/reports.py `pick_quotes`).

Channels call these with plain values and render the result with bot/render/index_report.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.core.base import Core
from bot.core.errors import IndexInputError, MinyiError
from bot.core.index.compute import (
    DRAWS,
    CommunityResult,
    CommunityVoices,
    IndexResult,
    PrincipleVoice,
    Priorities,
    compute_index,
)
from bot.core.index.framework import Framework, parse_framework
from bot.core.index.values import (
    IndicatorValue,
    check_period,
    is_period,
    parse_values_csv,
    period_bounds,
    period_key,
    period_of,
    select_periods,
    typed_period,
)
from bot.core.models import Round
from bot.core.reports import QUOTES, ThemeShare, pick_quotes, show_quote
from storage.repository import Scope, Session, ValueRow

log = logging.getLogger(__name__)

#: A rating round's per-community mean counts only with at least this many votes (one vote
#: is one resident's view, not the community's).
MIN_RATING_VOTES = 1


def shipped_framework_path() -> Path:
    """The example framework shipped with the package."""
    return Path(str(resources.files("bot.core") / "data" / "index_framework.toml"))


async def load_framework(core: Core) -> Framework:
    """The framework in force: stored last, else `index.framework`, else the shipped one."""
    async with core.repo.transaction() as session:
        stored = await session.get_framework()
    taxonomy = core.tagger.taxonomy
    if stored is not None:
        # Read as in force (no scale check): stored before that check, it must keep working.
        return parse_framework(stored.source, taxonomy, name="stored framework", scales=False)
    path = core.settings.index.framework or shipped_framework_path()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IndexInputError(
            "index_framework_unreadable", name=str(path), reason=exc.strerror or "?"
        ) from exc
    return parse_framework(data, taxonomy, name=str(path))


async def store_framework(core: Core, data: bytes, name: str) -> Framework:
    """Validate a framework TOML and store it: it is in force from now on."""
    framework = parse_framework(data, core.tagger.taxonomy, name=name)
    # Stored as text: parse_framework accepted it as UTF-8 (a BOM is dropped).
    source = data.decode("utf-8-sig")
    async with core.transaction() as session:
        await session.add_framework(source, core.now().timestamp())
    return framework


@dataclass(frozen=True)
class ImportSummary:
    """What an import stored: rows and the periods they cover (chronological)."""

    rows: int
    periods: list[str]


async def import_values(core: Core, data: bytes, name: str) -> ImportSummary:
    """Import a values CSV whole or not at all; the same file's earlier values for the periods
    it holds are replaced (SPEC §10). `name` (the file's name) is shown in errors and is the
    values' origin."""
    framework = await load_framework(core)
    async with core.transaction() as session:
        communities = [c.name for c in await session.list_communities()]
        values = parse_values_csv(
            data,
            name=name,
            framework=framework,
            communities=communities,
            now=core.now().astimezone(core.settings.schedule.tz),
        )
        rows = [ValueRow(v.community, v.indicator, v.period, v.value) for v in values]
        stored = await session.replace_values(Path(name).name, rows, core.now().timestamp())
    periods = sorted({v.period for v in values}, key=period_key)
    return ImportSummary(rows=stored, periods=periods)


# --- consultation ---------------------------------------------------------------------------


def _months_in_use(periods: Iterable[str]) -> set[int]:
    """The kinds of period (12, 3 or 1 months) imported values use; quarters when none."""
    return {period_key(p)[2] for p in periods} or {3}


async def _rating_rounds(session: Session, framework: Framework) -> list[Round]:
    known = {i.id for i in framework.indicators}
    return [
        r
        for r in await session.list_closed_rounds("rating", indicator=True)
        if r.indicator in known and r.closed_at is not None
    ]


async def _rating_means(session: Session, round_: Round) -> dict[int, float]:
    """Per community id: the mean 1–5 rating of a closed rating round."""
    sums: dict[int, int] = {}
    counts: dict[int, int] = {}
    for c in await session.count_votes(round_.id):
        if 1 <= c.option_index <= 5:
            sums[c.community_id] = sums.get(c.community_id, 0) + c.option_index * c.votes
            counts[c.community_id] = counts.get(c.community_id, 0) + c.votes
    return {cid: sums[cid] / n for cid, n in counts.items() if n >= MIN_RATING_VOTES}


async def consultation_values(
    core: Core, session: Session, framework: Framework, periods: Sequence[str]
) -> list[IndicatorValue]:
    """For each period: per community and indicator, the mean rating of the latest closed
    `/rate --indicator` round that closed within the period."""
    zone = core.settings.schedule.tz
    rounds = await _rating_rounds(session, framework)
    if not rounds or not periods:
        return []
    names = {c.id: c.name for c in await session.list_communities()}
    out: list[IndicatorValue] = []
    means: dict[int, dict[int, float]] = {}
    for period in periods:
        start, end = period_bounds(period, zone)
        seen: set[tuple[int, str]] = set()
        for round_ in rounds:  # latest closed first
            assert round_.closed_at is not None and round_.indicator is not None
            if not start <= round_.closed_at < end:
                continue
            if round_.id not in means:
                means[round_.id] = await _rating_means(session, round_)
            for cid, mean in sorted(means[round_.id].items()):
                if (cid, round_.indicator) in seen or cid not in names:
                    continue
                seen.add((cid, round_.indicator))
                out.append(IndicatorValue(names[cid], round_.indicator, period, mean))
    return out


async def available_periods(core: Core, framework: Framework | None = None) -> list[str]:
    """Every period with values: imported, or from a closed `/rate --indicator` round (in the
    kinds of period the imports use; quarters when nothing was imported), chronological."""
    framework = framework or await load_framework(core)
    zone = core.settings.schedule.tz
    async with core.repo.transaction() as session:
        # A period stored before years were bounded cannot be scored (or asked for) now.
        imported = [p for p in await session.list_periods() if is_period(p)]
        rounds = await _rating_rounds(session, framework)
    periods = set(imported)
    for months in _months_in_use(imported):
        periods |= {period_of(r.closed_at, months, zone) for r in rounds if r.closed_at}
    return sorted(periods, key=period_key)


def merge_values(
    imported: Iterable[IndicatorValue], consulted: Iterable[IndicatorValue]
) -> list[IndicatorValue]:
    """Imported values with consultation values laid over them (same community, indicator and
    period: the residents' rating wins)."""
    merged = {(v.community, v.indicator, v.period): v for v in imported}
    merged.update({(v.community, v.indicator, v.period): v for v in consulted})
    return list(merged.values())


# --- weights --------------------------------------------------------------------------------


async def latest_priorities(session: Session, framework: Framework) -> dict[str, Priorities]:
    """Per community name: the votes per principle of its latest closed priorities round."""
    rounds = await session.list_closed_rounds("priorities")
    names = {c.id: c.name for c in await session.list_communities()}
    members = await session.list_round_community_ids([r.id for r in rounds])
    found: dict[str, Priorities] = {}
    for round_ in rounds:  # latest closed first
        todo = [cid for cid in members.get(round_.id, []) if names.get(cid) not in found]
        if not todo:
            continue
        counts = await session.count_votes(round_.id)
        voters = await session.count_voters(round_.id)
        for cid in todo:
            votes: dict[str, int] = {}
            for c in counts:
                if c.community_id == cid and 0 <= c.option_index < len(round_.principles):
                    pid = round_.principles[c.option_index]
                    votes[pid] = votes.get(pid, 0) + c.votes
            found[names[cid]] = Priorities(votes=votes, voters=voters.get(cid, 0))
    return found


# --- computing ------------------------------------------------------------------------------


async def compute(
    core: Core, period: str | None = None, *, draws: int = DRAWS, seed: int = 0
) -> IndexResult:
    """The index for `period` (default: the latest with values) of every registered
    community, with the change since the previous period."""
    if period is not None:
        period = typed_period(period)
    framework = await load_framework(core)
    periods = await available_periods(core, framework)
    if period is not None and period not in periods:
        check_period(period)
        # A month or year of another kind than the imports' still has the ratings of the
        # /rate --indicator rounds closed within it (SPEC §10).
        async with core.repo.transaction() as session:
            rated = await consultation_values(core, session, framework, [period])
        if not rated:
            # A typo or an empty period: say which periods have values instead of scoring
            # nothing.
            raise IndexInputError(
                "index_period_empty", period=period, known=", ".join(periods[-12:]) or "–"
            )
        periods = [*periods, period]
    scored, before = select_periods(periods, period)
    wanted = [scored] + ([before] if before else [])
    async with core.repo.transaction() as session:
        rows = await session.list_values(wanted)
        consulted = await consultation_values(core, session, framework, wanted)
        priorities = await latest_priorities(session, framework)
        communities = [c.name for c in await session.list_communities()]
    imported = [IndicatorValue(r.community, r.indicator, r.period, r.value) for r in rows]
    # Seconds of numpy at city scale (the Monte Carlo): off the event loop, so the channels
    # keep taking updates meanwhile.
    return await asyncio.to_thread(
        compute_index,
        framework,
        merge_values(imported, consulted),
        priorities,
        period=scored,
        communities=communities,
        min_coverage=core.settings.index.min_coverage,
        draws=draws,
        seed=seed,
    )


async def community_voices(core: Core, result: IndexResult) -> dict[str, CommunityVoices]:
    """Per community: its answers in the period's window, the share that mention each of the
    framework's principles, and up to QUOTES representative anonymous quotes per principle."""
    start, end = period_bounds(result.period, core.settings.schedule.tz)
    framework = result.framework
    pids = [p.id for p in framework.principles]
    out: dict[str, CommunityVoices] = {}
    async with core.repo.transaction() as session:
        communities = await session.list_communities()
        window = Scope(since=start, until=end)
        answers = await session.count_visible_answers(window)
        themes = await session.count_themes(window)
        for c in communities:
            total = answers.get(c.id, 0)
            if not total:
                out[c.name] = CommunityVoices()
                continue
            counts = {t.theme_id: t.count for t in themes.get(c.id, []) if t.theme_id in pids}
            scope = Scope(since=start, until=end, community_ids=[c.id])
            candidates = await session.list_quote_candidates(scope, list(counts))
            voices: dict[str, PrincipleVoice] = {}
            # An answer tagged with several principles would otherwise be quoted under each:
            # answers not yet quoted for this community go first.
            quoted: set[int] = set()
            for p in framework.principles:
                count = counts.get(p.id, 0)
                share = ThemeShare(
                    id=p.id,
                    name_zh=p.name_zh,
                    name_en=p.name_en,
                    kind="principle",
                    count=count,
                    share=count / total,
                )
                mine = [q for q in candidates if q.theme_id == p.id]
                fresh = [q for q in mine if q.answer_id not in quoted]
                picked = pick_quotes(fresh, [share], most=QUOTES) if count else []
                if count and len(picked) < 2:
                    picked = pick_quotes(mine, [share], most=QUOTES)
                # Picked quotes are the answers' whole texts (shown masked and cut below).
                quoted |= {q.answer_id for q in mine if any(x.text == q.text for x in picked)}
                quotes = [q.text for q in picked]
                voices[p.id] = PrincipleVoice(share=count / total, answers=count, quotes=quotes)
            out[c.name] = CommunityVoices(answers=total, principles=voices)
    # Masked and cut once the transaction has ended, in a worker thread (bot/core/reports.py
    # `show_quote`): the published pages are read by anyone holding their address.
    return await asyncio.to_thread(_shown_voices, out)


def _shown_voices(voices: dict[str, CommunityVoices]) -> dict[str, CommunityVoices]:
    """The voices with each quote as others read it (`show_quote`)."""
    return {
        name: replace(
            voice,
            principles={
                pid: replace(p, quotes=[show_quote(q) for q in p.quotes])
                for pid, p in voice.principles.items()
            },
        )
        for name, voice in voices.items()
    }


async def published_index(
    core: Core, period: str | None = None
) -> tuple[IndexResult, dict[str, CommunityVoices]] | None:
    """What the published report shows for `period` (default the latest): the index and the
    residents' voices (anonymous quotes only), or None before any value exists. The public web
    pages render it with bot/render/index_report.py `render_html` (the city, or one
    community with `community=`); computing draws the Monte Carlo, so they should cache it."""
    try:
        result = await compute(core, period)
    except IndexInputError as exc:
        if exc.key == "index_no_values":
            return None
        raise
    return result, await community_voices(core, result)


class IndexChange(BaseModel):
    """One community's index in a period and its change since the previous one."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    index: float
    change: float | None
    # Why the change is not like for like: the two periods' indexes rest on different
    # indicators ("coverage": a different share of them; "indicators": as many, but others).
    not_comparable: Literal["coverage", "indicators"] | None = None


class IndexNews(BaseModel):
    """The digest's news about the index: a period whose values arrived since `since`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    period: str
    scored: int  # communities with an index
    changes: list[IndexChange]  # largest changes first (at most `most`)


async def index_news(core: Core, since: datetime, *, most: int = 3) -> IndexNews | None:
    """The latest period that got imported values at or after `since`, scored, with the
    `most` largest changes since the previous period; None if no values arrived (or the
    index cannot be computed: the digest goes out without the line, and the log says why)."""
    async with core.repo.transaction() as session:
        periods = await session.list_periods_imported_since(since.timestamp())
    if not periods:
        return None
    latest = max(periods, key=period_key)
    try:
        # One draw: the digest names indexes and changes, not their intervals.
        result = await compute(core, latest, draws=1)
    except MinyiError as exc:
        log.warning("the digest leaves the index out: %s", exc)
        return None
    return index_changes(result, most=most)


def index_changes(result: IndexResult, *, most: int = 3) -> IndexNews:
    """The digest's news about `result`: how many communities are scored and the `most`
    largest changes, each saying whether it compares like with like."""
    scored = [c for c in result.communities if c.index is not None]
    moved = sorted(
        (c for c in scored if c.change is not None), key=lambda c: (-abs(c.change or 0.0), c.name)
    )
    return IndexNews(
        period=result.period,
        scored=len(scored),
        changes=[
            IndexChange(name=c.name, index=c.index or 0.0, change=c.change, not_comparable=_why(c))
            for c in moved[:most]
        ],
    )


def _why(c: CommunityResult) -> Literal["coverage", "indicators"] | None:
    if c.change_comparable is not False:
        return None
    same = c.previous_coverage is not None and abs(c.previous_coverage - c.coverage) < 1e-9
    return "indicators" if same else "coverage"
