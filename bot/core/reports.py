"""Reports: aggregate what residents said into a model (one query per aggregate).

`build_round_report` covers one round, `build_period_report` a time window (the weekly
digest). Both return `Report`, which bot/render/report.py turns into Telegram text, JSON, CSV
and a chart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from bot.core.base import Core
from bot.core.labelling import Agreement, label_agreement
from bot.core.models import Community, OptionCount, Quote, Round, ThemeCount
from bot.core.options import options_by_language
from nlp.emerging import emerging_terms
from nlp.mask import MARKS, mask_quote
from nlp.tagger import Tagger
from nlp.taxonomy import Taxonomy
from storage.repository import SAMPLE_STRIDE, Scope, Session

QUOTE_CHARS = 140
# Masking reads this much of an answer: the shown part and what a cut may end inside of.
MASKED_CHARS = 2 * QUOTE_CHARS
QUOTES = 3  # representative quotes per report, at most
RATING_VALUES = (1, 2, 3, 4, 5)
# Emerging terms segment answer texts (the only per-text work in a report): at most this many.
EMERGING_SAMPLE = 1000


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ThemeShare(_Model):
    """A theme's answers in a report. Levels are never summed: a first-level domain counts the
    answers tagged with it (its own words and its children's strong words), a child domain
    (level 2, `parent` set) the answers tagged with the child; each is its own row."""

    id: str
    name_zh: str
    name_en: str
    kind: str
    count: int
    share: float
    level: int = 1  # 1: a principle or a first-level domain; 2: a domain under `parent`
    parent: str | None = None
    confidence: float = 0.0  # the mean tagging score of the answers counted, in [0, 1]


class OptionResult(_Model):
    text: str
    votes: int
    share: float
    # A priorities round's option (a principle) named in each language ("zh", "en"), for a
    # reader of either: `text` is how the group's poll named it. Not part of the JSON shape.
    names: dict[str, str] = Field(default_factory=dict, exclude=True)


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
    untagged: int = 0  # answers no theme was found in


class CommunityChange(_Model):
    """One community's figures in the previous round or period."""

    participants: int
    answers: int
    themes: dict[str, float]  # theme id -> share then


class Change(_Model):
    """The change against the previous round or period."""

    label: str  # e.g. "#12" or a date range
    participants: int
    answers: int
    themes: dict[str, float]  # theme id -> share then
    per_community: dict[str, CommunityChange] = {}  # community name -> its figures then


class RoundPoll(_Model):
    """A poll or rating round that had votes in a period report's window."""

    id: int
    kind: str
    question: str
    result: PollResult


CHANNELS = ("telegram", "web")


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
    polls: list[RoundPoll] = []  # period reports: the poll and rating rounds voted on in it
    # What came through each channel: a poll or rating round's voters, else visible answers
    # (so the figures add up to `poll.voters` or `answers`).
    channels: dict[str, int] = {}
    untagged: int = 0  # answers no theme was found in
    agreement: Agreement | None = None  # None until an organiser labelled an answer
    # False when the round's opening posts were owed but none reached a group (the whole window
    # passed while the bot was down, or every group had removed it): residents were never
    # asked there, so its zero is no "nobody answered". None when there is nothing to say.
    posted: bool | None = None
    # When a round really opened (later than `opens_at` after downtime); None for a period.
    opened_at: datetime | None = None

    @property
    def untagged_share(self) -> float:
        """The share of answers with no theme (how much the counts below leave out)."""
        return _share(self.untagged, self.answers)

    def json_dict(self) -> dict[str, object]:
        """The SPEC §6 ROUND object (plus extra keys)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "question": self.question,
            "communities": self.communities,
            "opens_at": _utc(self.opens_at),
            "closes_at": _utc(self.closes_at),
            "opened_at": None if self.opened_at is None else _utc(self.opened_at),
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
                    "name_en": t.name_en,
                    "level": t.level,
                    "parent": t.parent,
                    "confidence": t.confidence,
                }
                for t in self.themes
            ],
            "untagged": self.untagged,
            "untagged_share": self.untagged_share,
            "agreement": None if self.agreement is None else self.agreement.model_dump(),
            "emerging": self.emerging,
            "quotes": [q.model_dump() for q in self.quotes],
            "per_community": [c.model_dump() for c in self.per_community],
            "previous": None if self.previous is None else self.previous.model_dump(),
            "polls": [p.model_dump() for p in self.polls],
            "channels": dict(self.channels),
            "posted": self.posted,
        }


def _utc(at: datetime) -> str:
    """A time as the JSON writes every one: ISO 8601 in UTC (docs/cli.md), whatever zone it
    was made in (a digest's period starts in schedule.timezone)."""
    return at.astimezone(UTC).isoformat()


def _share(part: int, whole: int) -> float:
    # Not rounded: the JSON's `share` is count / answers (or votes / voters) exactly, so a
    # reader recomputing it gets the same number; texts format it as a percentage.
    return part / whole if whole else 0.0


def _themes(taxonomy: Taxonomy, counts: Sequence[ThemeCount], answers: int) -> list[ThemeShare]:
    """Theme rows as stored, one per theme: a child's answers are never added to its parent's
    here (the tagger already decided, per answer, whether the parent applies)."""
    merged: dict[str, tuple[int, float]] = {}
    for c in counts:
        count, total = merged.get(c.theme_id, (0, 0.0))
        merged[c.theme_id] = (count + c.count, total + c.score_sum)
    out = []
    for theme_id, (count, total) in merged.items():
        theme = taxonomy.get(theme_id)
        parent = theme.parent if theme else None
        out.append(
            ThemeShare(
                id=theme_id,
                name_zh=theme.name_zh if theme else theme_id,
                name_en=theme.name_en if theme else theme_id,
                kind=theme.kind if theme else "domain",
                count=count,
                share=_share(count, answers),
                level=1 if parent is None else 2,
                parent=parent,
                confidence=round(total / count, 4) if count else 0.0,
            )
        )
    # Principles, then first-level domains, then child domains; most mentioned first in each.
    return sorted(out, key=lambda t: (t.kind != "principle", t.level, -t.count, t.id))


def top_themes(themes: Sequence[ThemeShare], most: int) -> list[ThemeShare]:
    """The `most` most mentioned themes of either kind (ties by id, so stable)."""
    return sorted(themes, key=lambda t: (-t.count, t.id))[:most]


def top_of(themes: Sequence[ThemeShare], kind: str, level: int, most: int) -> list[ThemeShare]:
    """The `most` most mentioned themes of one kind and level (principles are all level 1)."""
    return top_themes([t for t in themes if t.kind == kind and t.level == level], most)


def cut_quote(text: str) -> str:
    """`text` whole, or cut to QUOTE_CHARS with "…"; a cut inside a Latin-script word moves
    back to the space before it (Chinese has no spaces, so it is cut at the limit)."""
    if len(text) <= QUOTE_CHARS:
        return text
    kept = text[: QUOTE_CHARS - 1]
    if kept[-1].isascii() and kept[-1].isalnum() and text[len(kept)].isascii():
        space = kept.rfind(" ")
        if space >= QUOTE_CHARS // 2:
            kept = kept[:space]
    return kept.rstrip() + "…"


def show_quote(text: str) -> str:
    """An answer as a quote others read: household addresses and personal names masked
    (nlp/mask.py: [门牌], [姓名]), then cut to QUOTE_CHARS.

    Part-of-speech tagging (about 0.1 ms a quote with jieba-rs, 3 ms with jieba) loads its
    dictionary on first use: call it in a worker thread, after the transaction
    (`show_quotes_off_loop`). Only the start of a long answer is read: what a quote can show.
    """
    head = text[:MASKED_CHARS]
    masked = mask_quote(head)
    if len(head) == len(text) or len(masked) > QUOTE_CHARS:
        return _whole_marks(cut_quote(masked))
    return masked.rstrip() + "…"  # masks shortened the head below the limit: the rest is cut


def _whole_marks(shown: str) -> str:
    """A cut quote ending before a mask the cut fell inside ("…的[姓…" reads as "…的…")."""
    if not shown.endswith("…"):
        return shown
    kept = shown[:-1]
    start = kept.rfind("[")
    if start >= 0 and any(m.startswith(kept[start:]) and m != kept[start:] for m in MARKS):
        kept = kept[:start].rstrip()
    return kept + "…"


def show_quotes(quotes: Sequence[QuoteOut]) -> list[QuoteOut]:
    """`show_quote` of each picked quote, in order."""
    return [q.model_copy(update={"text": show_quote(q.text)}) for q in quotes]


async def show_quotes_off_loop(quotes: Sequence[QuoteOut]) -> list[QuoteOut]:
    """`show_quotes` in a worker thread: the event loop serves everybody else meanwhile."""
    return await asyncio.to_thread(show_quotes, quotes) if quotes else []


def pick_quotes(
    candidates: Sequence[Quote], themes: Sequence[ThemeShare], most: int = QUOTES
) -> list[QuoteOut]:
    """Up to `most` quotes for the top themes, never two from one resident or one answer,
    each the answer's whole text (`show_quotes` masks and cuts them for showing).

    Round-robin over the top themes (best-scoring candidate first), so three themes give one
    quote each, and fewer themes still give two or three quotes from different residents.
    """
    by_theme: dict[str, list[Quote]] = {}
    for q in candidates:
        by_theme.setdefault(q.theme_id, []).append(q)
    queues = [
        (t.id, sorted(by_theme.get(t.id, []), key=lambda q: (-q.score, q.answer_id)))
        for t in top_themes(themes, most)
    ]
    used_residents: set[str] = set()
    used_answers: set[int] = set()
    out: list[QuoteOut] = []
    while len(out) < most and any(queue for _, queue in queues):
        for theme_id, queue in queues:
            while queue:
                q = queue.pop(0)
                if q.resident in used_residents or q.answer_id in used_answers:
                    continue
                out.append(QuoteOut(theme_id=theme_id, text=q.text))
                used_residents.add(q.resident)
                used_answers.add(q.answer_id)
                break
            if len(out) >= most:
                break
    return out


def _poll_results(
    round_: Round,
    counts: Sequence[OptionCount],
    voters: dict[int, int],
    ids: set[int],
    names: Mapping[str, list[str]],
) -> PollResult:
    """Votes per option over the communities `ids`; shares are of voters (multi-answer polls
    may add up to more than 100%); `names`: the options named in each language
    (`options_by_language`)."""
    labels = round_.options if round_.is_poll else [str(v) for v in RATING_VALUES]
    votes = [0] * len(labels)
    for c in counts:
        if c.community_id in ids:
            index = c.option_index if round_.is_poll else c.option_index - 1
            if 0 <= index < len(labels):
                votes[index] += c.votes
    who = sum(n for cid, n in voters.items() if cid in ids)
    average = None
    cast_votes = sum(votes)
    if round_.kind == "rating" and cast_votes > 0:
        weighted = sum(value * v for value, v in zip(RATING_VALUES, votes, strict=True))
        average = round(weighted / cast_votes, 2)
    return PollResult(
        voters=who,
        options=[
            OptionResult(
                text=t,
                votes=v,
                share=_share(v, who),
                names={lang: named[i] for lang, named in names.items() if i < len(named)},
            )
            for i, (t, v) in enumerate(zip(labels, votes, strict=True))
        ],
        average=average,
    )


async def _poll_result(
    core: Core, session: Session, round_: Round, community_ids: Sequence[int] | None
) -> tuple[PollResult | None, dict[int, PollResult]]:
    """The round's poll or rating result overall and per community (None for text rounds)."""
    if round_.kind == "text":
        return None, {}
    counts = await session.count_votes(round_.id)
    voters = await session.count_voters(round_.id)
    ids = (
        set(community_ids)
        if community_ids is not None
        else {c.community_id for c in counts} | set(voters)
    )
    names = options_by_language(core, round_)
    overall = _poll_results(round_, counts, voters, ids, names)
    return overall, {cid: _poll_results(round_, counts, voters, {cid}, names) for cid in ids}


@dataclass(frozen=True)
class _Sample:
    """The answer texts emerging terms are found in, read in a transaction and segmented after
    it: `every` k-th answer was read, `questions` are what was asked."""

    texts: list[str]
    questions: list[str]
    every: int


async def _emerging_sample(
    session: Session, scope: Scope, answers: int, questions: Sequence[str] = ()
) -> _Sample:
    """An even sample of at most EMERGING_SAMPLE answers in scope, for emerging terms.

    Segmenting is the one per-text cost of a report, so it is bounded: above the sample size
    every k-th answer (by a hash of its id) is read and counts are scaled back by k, marked
    `estimated`.
    """
    every = max(1, -(-answers // EMERGING_SAMPLE))
    if every > SAMPLE_STRIDE:
        # A multiple of the stride reads a small index of one answer in SAMPLE_STRIDE, not
        # every answer in scope (storage/repository/reports.py); the sample is then between
        # half and all of EMERGING_SAMPLE.
        every = -(-every // SAMPLE_STRIDE) * SAMPLE_STRIDE
    texts = await session.list_answer_texts(scope, limit=EMERGING_SAMPLE, every=every)
    return _Sample(texts=list(texts), questions=[q for q in questions if q], every=every)


def _emerging(sample: _Sample, tagger: Tagger) -> list[dict[str, object]]:
    """The emerging terms of a sample (pure computation: seconds for a thousand long answers,
    so it runs in a worker thread, `_emerging_off_loop`)."""
    # Words the questions themselves used are residents answering them, not new vocabulary.
    found = emerging_terms(sample.texts, tagger, limit=10, background=sample.questions)
    # The ten most unusual, shown most frequent first (a reader takes "线上(3)、手机(2)" as a
    # ranking by count); equal counts keep the more unusual first.
    found = sorted(found, key=lambda e: -e.count)
    if sample.every == 1:
        return [{"term": e.term, "count": e.count} for e in found]
    return [{"term": e.term, "count": e.count * sample.every, "estimated": True} for e in found]


async def _emerging_off_loop(core: Core, sample: _Sample) -> list[dict[str, object]]:
    """`_emerging` in a worker thread, called once the report's transaction has ended: the
    event loop (every chat's intake and replies) and the database (SQLite's one transaction at
    a time) serve everybody else meanwhile."""
    return await asyncio.to_thread(_emerging, sample, core.tagger)


async def _assemble(
    core: Core,
    session: Session,
    scope: Scope,
    communities: Sequence[Community],
    round_: Round | None,
    questions: Sequence[str] = (),
) -> tuple[dict[str, object], list[CommunityPart], _Sample]:
    """The summary figures and per-community parts of the answers and votes in `scope`, and
    the sample to find emerging terms in (once the transaction has ended); `questions`: what
    was asked (the round's own question by default), whose words are not emerging terms."""
    taxonomy = core.tagger.taxonomy
    answers = await session.count_visible_answers(scope)
    people, participants = await session.count_participants(scope)
    themes = await session.count_themes(scope)
    untagged = await session.count_untagged_answers(scope)
    poll, per_poll = (
        (None, {})
        if round_ is None
        else await _poll_result(core, session, round_, [c.id for c in communities])
    )
    total_answers = sum(answers.values())
    all_themes = _themes(taxonomy, [t for ts in themes.values() for t in ts], total_answers)
    top = [t.id for t in top_themes(all_themes, QUOTES)]
    quotes = pick_quotes(await session.list_quote_candidates(scope, top), all_themes)
    if round_ is not None and not questions:
        questions = [round_.question]
    sample = await _emerging_sample(session, scope, total_answers, questions)
    if poll is not None and round_ is not None and round_.anonymous:
        # Anonymous polls: Telegram tells how many voted, never who; count them at least.
        participants = max(participants, poll.voters)
    parts = []
    for c in communities:
        n_answers = answers.get(c.id, 0)
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
                untagged=untagged.get(c.id, 0),
            )
        )
    if round_ is not None and round_.kind != "text":
        ids = {c.id for c in communities}
        by_community = await session.count_voters_by_channel(round_.id)
        per_channel = [n for cid, n in by_community.items() if cid in ids]
    else:
        per_channel = [await session.count_answers_by_channel(scope)]
    channels = {name: sum(n.get(name, 0) for n in per_channel) for name in CHANNELS}
    summary: dict[str, object] = {
        "channels": channels,
        "participants": participants,
        "answers": total_answers,
        "poll": poll,
        "themes": all_themes,
        "quotes": quotes,
        "untagged": sum(untagged.values()),
        "agreement": await label_agreement(session, taxonomy),
    }
    return summary, parts, sample


async def _change(
    core: Core, session: Session, scope: Scope, label: str, communities: Sequence[Community]
) -> Change:
    """The figures of the previous round or period, overall and per community."""
    taxonomy = core.tagger.taxonomy
    answers = await session.count_visible_answers(scope)
    people, participants = await session.count_participants(scope)
    themes = await session.count_themes(scope)
    total = sum(answers.values())
    shares = {
        t.id: t.share for t in _themes(taxonomy, [t for ts in themes.values() for t in ts], total)
    }
    per_community = {}
    for c in communities:
        n = answers.get(c.id, 0)
        per_community[c.name] = CommunityChange(
            participants=people.get(c.id, 0),
            answers=n,
            themes={t.id: t.share for t in _themes(taxonomy, themes.get(c.id, []), n)},
        )
    return Change(
        label=label,
        participants=participants,
        answers=total,
        themes=shares,
        per_community=per_community,
    )


async def _previous_round(
    core: Core, session: Session, round_: Round, communities: Sequence[Community]
) -> Change | None:
    """The figures of the latest earlier round of the same kind put to every one of these
    communities, read over these communities only: an earlier round put to more communities
    is compared by its part in these, never by the answers of communities not reported on."""
    ids = [c.id for c in communities]
    for earlier in await session.list_rounds(
        community_id=ids[0], states=("open", "closed"), limit=20
    ):
        if (
            earlier.id == round_.id
            or earlier.kind != round_.kind
            or (earlier.opens_at, earlier.id) >= (round_.opens_at, round_.id)
        ):
            continue
        put_to = {c.id for c in await session.list_round_communities(earlier.id)}
        if put_to.issuperset(ids):
            scope = Scope(round_ids=[earlier.id], community_ids=ids)
            return await _change(core, session, scope, f"#{earlier.id}", communities)
    return None


async def build_round_report(
    core: Core, round_id: int, *, community_id: int | None = None
) -> Report | None:
    """The report of one round, with the change against the previous round of the same kind
    put to the same communities; with `community_id`, of that community's part only (what a
    community's own group may be shown)."""
    only = None if community_id is None else [community_id]
    async with core.repo.transaction() as session:
        round_ = await session.get_round(round_id)
        if round_ is None:
            return None
        communities = [
            c
            for c in await session.list_round_communities(round_id)
            if only is None or c.id in only
        ]
        scope = Scope(round_ids=[round_id], community_ids=only)
        summary, parts, sample = await _assemble(core, session, scope, communities, round_)
        previous = None
        if communities:
            previous = await _previous_round(core, session, round_, communities)
        # A poll's first copy found after its round closed (its copy never sent) was the
        # round's announcement there (bot/telegram/orphan_polls.py `look_for_orphan`).
        opening = [
            p
            for p in await session.list_posts(round_id)
            if p.purpose in ("open", "orphan") and (only is None or p.community_id in only)
        ]
    # Only a closed round's posts are all settled (an open one's may still be on their way).
    # A closed round without any opening post was never announced either: its whole window
    # passed while the bot was down (bot/core/rounds.py `_advance_round`).
    posted = (
        any(p.message_id is not None or p.poll_id is not None for p in opening)
        if round_.state == "closed"
        else None
    )
    emerging = await _emerging_off_loop(core, sample)
    summary["quotes"] = await show_quotes_off_loop(summary["quotes"])  # type: ignore[arg-type]
    return Report(
        id=round_.id,
        kind=round_.kind,
        state=round_.state,
        question=round_.question,
        communities=[c.name for c in communities],
        opens_at=round_.opens_at,
        closes_at=round_.closes_at,
        opened_at=round_.opened_at,
        per_community=parts,
        previous=previous,
        posted=posted,
        emerging=emerging,
        **summary,  # type: ignore[arg-type]
    )


async def _period_polls(
    core: Core,
    session: Session,
    since: datetime,
    until: datetime,
    community_ids: Sequence[int] | None,
) -> list[RoundPoll]:
    """Current results of the poll and rating rounds voted on in [since, until)."""
    out = []
    for round_id in await session.list_voted_round_ids(since, until):
        round_ = await session.get_round(round_id)
        if round_ is None or round_.kind == "text":
            continue
        result, _ = await _poll_result(core, session, round_, community_ids)
        if result is not None and result.voters > 0:
            out.append(
                RoundPoll(id=round_.id, kind=round_.kind, question=round_.question, result=result)
            )
    return out


async def build_period_report(
    core: Core, since: datetime, until: datetime, community_ids: Sequence[int] | None = None
) -> Report:
    """A report over every answer and vote in [since, until), against the period before."""
    zone = core.settings.schedule.tz
    async with core.repo.transaction() as session:
        communities = [
            c
            for c in await session.list_communities()
            if community_ids is None or c.id in community_ids
        ]
        ids = None if community_ids is None else list(community_ids)
        scope = Scope(since=since, until=until, community_ids=ids)
        # The text rounds open at some time in the window: their answers are in it.
        asked = [
            r.question
            for r in await session.list_rounds(states=("open", "closed"))
            if r.kind == "text" and r.opens_at < until and r.closes_at >= since
        ]
        summary, parts, sample = await _assemble(core, session, scope, communities, None, asked)
        length = until - since
        before = Scope(since=since - length, until=since, community_ids=ids)
        label = f"{(since - length).astimezone(zone).date()} – {since.astimezone(zone).date()}"
        previous = await _change(core, session, before, label, communities)
        polls = await _period_polls(core, session, since, until, ids)
    emerging = await _emerging_off_loop(core, sample)
    summary["quotes"] = await show_quotes_off_loop(summary["quotes"])  # type: ignore[arg-type]
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
        polls=polls,
        emerging=emerging,
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
