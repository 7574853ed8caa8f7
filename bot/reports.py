"""Reports: aggregate what residents said into a model (one query per aggregate).

`build_round_report` covers one round, `build_period_report` a time window (the weekly
digest). Both return `Report`, which bot/report_render.py turns into Telegram text, JSON, CSV
and a chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from bot.core import Core
from nlp.emerging import emerging_terms
from nlp.taxonomy import Taxonomy
from storage.models import Community, Quote, Round, ThemeCount
from storage.repository import Scope, Session

QUOTE_CHARS = 140


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ThemeShare(_Model):
    id: str
    name_zh: str
    name_en: str
    kind: str
    count: int
    share: float


class OptionResult(_Model):
    text: str
    votes: int
    share: float


class PollResult(_Model):
    voters: int
    options: list[OptionResult]
    average: float | None = None  # rating rounds: the mean of 1..5


class QuoteOut(_Model):
    theme_id: str
    text: str


class CommunityPart(_Model):
    name: str
    participants: int
    answers: int
    themes: list[ThemeShare]
    poll: PollResult | None


class Change(_Model):
    """The change against the previous round or period."""

    label: str  # e.g. "#12" or a date range
    participants: int
    answers: int
    themes: dict[str, float]  # theme id -> share then


class Report(_Model):
    id: int | None  # the round, or None for a period report
    kind: str
    state: str
    question: str
    communities: list[str]
    opens_at: datetime
    closes_at: datetime
    participants: int
    answers: int
    poll: PollResult | None
    themes: list[ThemeShare]
    emerging: list[dict[str, object]]
    quotes: list[QuoteOut]
    per_community: list[CommunityPart]
    previous: Change | None = None

    def json_dict(self) -> dict[str, object]:
        """The SPEC §6 ROUND object (plus extra keys)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "question": self.question,
            "communities": self.communities,
            "opens_at": self.opens_at.isoformat(),
            "closes_at": self.closes_at.isoformat(),
            "participants": self.participants,
            "answers": self.answers,
            "poll": None if self.poll is None else self.poll.model_dump(),
            "themes": [
                {
                    "id": t.id,
                    "name_zh": t.name_zh,
                    "kind": t.kind,
                    "count": t.count,
                    "share": t.share,
                }
                for t in self.themes
            ],
            "emerging": self.emerging,
            "quotes": [q.model_dump() for q in self.quotes],
            "per_community": [c.model_dump() for c in self.per_community],
            "previous": None if self.previous is None else self.previous.model_dump(),
        }


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _themes(taxonomy: Taxonomy, counts: Sequence[ThemeCount], answers: int) -> list[ThemeShare]:
    merged: dict[str, int] = {}
    for c in counts:
        merged[c.theme_id] = merged.get(c.theme_id, 0) + c.count
    out = []
    for theme_id, count in merged.items():
        theme = taxonomy.get(theme_id)
        out.append(
            ThemeShare(
                id=theme_id,
                name_zh=theme.name_zh if theme else theme_id,
                name_en=theme.name_en if theme else theme_id,
                kind=theme.kind if theme else "domain",
                count=count,
                share=_share(count, answers),
            )
        )
    # Principles first, then domains; most mentioned first within each.
    return sorted(out, key=lambda t: (t.kind != "principle", -t.count, t.id))


def _pick_quotes(
    candidates: Sequence[Quote], themes: Sequence[ThemeShare], most: int = 3
) -> list[QuoteOut]:
    """Up to `most` quotes for the top themes, never two from one resident or one answer."""
    by_theme: dict[str, list[Quote]] = {}
    for q in candidates:
        by_theme.setdefault(q.theme_id, []).append(q)
    used_residents: set[str] = set()
    used_answers: set[int] = set()
    out: list[QuoteOut] = []
    for theme in sorted(themes, key=lambda t: -t.count):
        for q in by_theme.get(theme.id, []):
            if q.resident in used_residents or q.answer_id in used_answers:
                continue
            text = q.text if len(q.text) <= QUOTE_CHARS else q.text[: QUOTE_CHARS - 1] + "…"
            out.append(QuoteOut(theme_id=theme.id, text=text))
            used_residents.add(q.resident)
            used_answers.add(q.answer_id)
            break
        if len(out) >= most:
            break
    return out


async def _poll_result(
    session: Session, round_: Round, community_ids: Sequence[int] | None
) -> tuple[PollResult | None, dict[int, PollResult]]:
    if round_.kind == "text":
        return None, {}
    counts = await session.count_votes(round_.id)
    voters = await session.count_voters(round_.id)
    labels = round_.options if round_.kind == "poll" else ["1", "2", "3", "4", "5"]

    def result(ids: set[int]) -> PollResult:
        votes = [0] * len(labels)
        for c in counts:
            if c.community_id in ids:
                index = c.option_index if round_.kind == "poll" else c.option_index - 1
                if 0 <= index < len(labels):
                    votes[index] += c.votes
        who = sum(n for cid, n in voters.items() if cid in ids)
        average = None
        cast_votes: int = sum(votes)
        if round_.kind == "rating" and cast_votes > 0:
            weighted = sum((i + 1) * v for i, v in enumerate(votes))
            average = round(weighted / cast_votes, 2)
        return PollResult(
            voters=who,
            options=[
                OptionResult(text=t, votes=v, share=_share(v, who))
                for t, v in zip(labels, votes, strict=True)
            ],
            average=average,
        )

    ids = set(community_ids) if community_ids is not None else {c.community_id for c in counts}
    ids |= set(voters)
    return result(ids), {cid: result({cid}) for cid in ids}


async def _assemble(
    core: Core,
    session: Session,
    scope: Scope,
    communities: Sequence[Community],
    round_: Round | None,
) -> tuple[dict[str, object], list[CommunityPart]]:
    taxonomy = core.tagger.taxonomy
    answers = await session.count_answers(scope)
    people = await session.count_participants(scope)
    themes = await session.count_themes(scope)
    poll, per_poll = (
        (None, {})
        if round_ is None
        else await _poll_result(session, round_, [c.id for c in communities])
    )
    total_answers = sum(a for a, _ in answers.values())
    all_themes = _themes(taxonomy, [t for ts in themes.values() for t in ts], total_answers)
    top = [t.id for t in sorted(all_themes, key=lambda t: -t.count)[:3]]
    quotes = _pick_quotes(await session.list_quote_candidates(scope, top), all_themes)
    texts = await session.list_answer_texts(scope)
    emerging = [
        {"term": e.term, "count": e.count} for e in emerging_terms(texts, core.tagger, limit=10)
    ]
    participants = await session.count_all_participants(scope)
    if poll is not None and round_ is not None and round_.anonymous:
        participants = max(participants, poll.voters)
    parts = []
    for c in communities:
        n_answers = answers.get(c.id, (0, 0))[0]
        community_poll = per_poll.get(c.id)
        who = people.get(c.id, 0)
        if community_poll is not None and round_ is not None and round_.anonymous:
            who = max(who, community_poll.voters)
        parts.append(
            CommunityPart(
                name=c.name,
                participants=who,
                answers=n_answers,
                themes=_themes(taxonomy, themes.get(c.id, []), n_answers),
                poll=community_poll,
            )
        )
    summary: dict[str, object] = {
        "participants": participants,
        "answers": total_answers,
        "poll": poll,
        "themes": all_themes,
        "emerging": emerging,
        "quotes": quotes,
    }
    return summary, parts


async def _change(core: Core, session: Session, scope: Scope, label: str) -> Change:
    answers = await session.count_answers(scope)
    themes = await session.count_themes(scope)
    total = sum(a for a, _ in answers.values())
    shares = {
        t.id: t.share
        for t in _themes(core.tagger.taxonomy, [t for ts in themes.values() for t in ts], total)
    }
    return Change(
        label=label,
        participants=await session.count_all_participants(scope),
        answers=total,
        themes=shares,
    )


async def build_round_report(core: Core, round_id: int) -> Report | None:
    """The report of one round, with the change against the previous round of its communities."""
    async with core.repo.transaction() as session:
        round_ = await session.get_round(round_id)
        if round_ is None:
            return None
        communities = await session.list_round_communities(round_id)
        scope = Scope(round_ids=[round_id])
        summary, parts = await _assemble(core, session, scope, communities, round_)
        previous = None
        if communities:
            earlier = [
                r
                for r in await session.list_rounds(
                    community_id=communities[0].id, states=("open", "closed"), limit=20
                )
                if r.id != round_id and r.kind == round_.kind and r.opens_at <= round_.opens_at
            ]
            if earlier:
                previous = await _change(
                    core, session, Scope(round_ids=[earlier[0].id]), f"#{earlier[0].id}"
                )
    return Report(
        id=round_.id,
        kind=round_.kind,
        state=round_.state,
        question=round_.question,
        communities=[c.name for c in communities],
        opens_at=round_.opens_at,
        closes_at=round_.closes_at,
        per_community=parts,
        previous=previous,
        **summary,  # type: ignore[arg-type]
    )


async def build_period_report(
    core: Core, since: datetime, until: datetime, community_ids: Sequence[int] | None = None
) -> Report:
    """A report over every answer and vote in [since, until), against the period before."""
    async with core.repo.transaction() as session:
        communities = [
            c
            for c in await session.list_communities()
            if community_ids is None or c.id in community_ids
        ]
        ids = None if community_ids is None else list(community_ids)
        scope = Scope(since=since, until=until, community_ids=ids)
        summary, parts = await _assemble(core, session, scope, communities, None)
        length = until - since
        before = Scope(since=since - length, until=since, community_ids=ids)
        previous = await _change(core, session, before, f"{(since - length).date()}–{since.date()}")
    return Report(
        id=None,
        kind="period",
        state="closed" if until <= core.now() else "open",
        question="",
        communities=[c.name for c in communities],
        opens_at=since,
        closes_at=until,
        per_community=parts,
        previous=previous,
        **summary,  # type: ignore[arg-type]
    )


async def latest_round_id(core: Core, community_id: int | None) -> int | None:
    """The most recent round (not cancelled) of a community, or of all."""
    async with core.repo.transaction() as session:
        rounds = await session.list_rounds(
            community_id=community_id, states=("open", "closed"), limit=1
        )
    return rounds[0].id if rounds else None


WEEK = timedelta(days=7)
