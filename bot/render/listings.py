"""Listings as reply text: the rounds (/rounds, and the confirmation of a new round) and the
taxonomy (/themes). Templates live in bot/render/texts.py."""

from __future__ import annotations

from datetime import tzinfo

from bot.core.durations import local_minute
from bot.core.models import Round
from bot.core.rounds import RoundChanged, RoundCreated, RoundListing, opened_late
from bot.render.texts import Lang, question_in, say
from nlp.taxonomy import Taxonomy

QUESTION_CHARS = 40  # a question in a listing is cut to this many characters
# A round put to more communities than this is listed with their count and the first few
# names: forty names per round (up to 1,600 characters each) buried the ids of a district's
# rounds in a wall of names, five messages for ten rounds; `/rounds <community>` filters.
NAMED_COMMUNITIES = 3
SAMPLE_KEYWORDS = 6  # keywords shown per theme


def _minute(round_: Round, zone: tzinfo, closes: bool) -> str:
    return local_minute(round_.closes_at if closes else round_.opens_at, zone)


def rounds_text(listing: RoundListing, lang: Lang, zone: tzinfo, *, communities: bool) -> str:
    """Scheduled, open and recently closed rounds (bot/core/organiser.py `recent_rounds`),
    each with the communities it went to when `communities` (in private chat, where rounds of
    several communities are listed together)."""
    if not listing.rounds:
        return say("no_rounds", lang)
    lines = [say("rounds_header", lang)]
    for listed in listing.rounds:
        r = listed.round
        question = question_in(r.kind, r.question, lang)
        if len(question) > QUESTION_CHARS:
            question = question[: QUESTION_CHARS - 1] + "…"
        line = say(
            "round_line",
            lang,
            id=r.id,
            state=say(f"state_{r.state}", lang),
            kind=say(f"kind_{r.kind}", lang),
            question=question,
            opens=opening_text(r, lang, zone),
            closes=_minute(r, zone, True),
        )
        if communities:
            line += " · " + _communities_text(listed.communities, lang)
        lines.append(line)
    if listing.more:
        lines.append(say("rounds_more", lang, count=listing.more))
    return "\n".join(lines)


def _communities_text(names: list[str], lang: Lang) -> str:
    if len(names) <= NAMED_COMMUNITIES:
        return say("rounds_to", lang, communities=names)
    return say("rounds_to_many", lang, count=len(names), communities=names[:NAMED_COMMUNITIES])


def opening_text(round_: Round, lang: Lang, zone: tzinfo) -> str:
    """When a round opens: its scheduled time, or, when it opened well after that (the bot
    was down), the time it really opened and the time it was due."""
    if not opened_late(round_):
        return _minute(round_, zone, False)
    assert round_.opened_at is not None
    return say(
        "round_opened_late",
        lang,
        opened=local_minute(round_.opened_at, zone),
        due=_minute(round_, zone, False),
    )


def round_changed_text(changed: RoundChanged, lang: Lang, zone: tzinfo) -> str:
    """The confirmation of /close or /cancel: what happened to the round, and in a recurring
    series whether it goes on (its next occurrence) or stopped."""
    round_ = changed.round
    if changed.series_stopped:
        if round_.state == "open":
            return say(
                "round_series_stopped_open", lang, id=round_.id, closes=_minute(round_, zone, True)
            )
        return say("round_series_stopped", lang, id=round_.id)
    key = "round_closed_ok" if round_.state == "closed" else "round_cancelled_ok"
    text = say(key, lang, id=round_.id)
    following = changed.next
    if following is not None:
        if round_.state == "cancelled":
            text += say("round_occurrence_skipped", lang)
        text += "\n" + say(
            "round_next_occurrence",
            lang,
            id=following.id,
            opens=_minute(following, zone, False),
        )
    return text


def round_created_text(created: RoundCreated, lang: Lang, zone: tzinfo) -> str:
    """The confirmation of a round opened or scheduled by /ask /poll /rate /schedule."""
    round_ = created.round
    key = "round_scheduled" if round_.state == "scheduled" else "round_opened"
    text = say(
        key,
        lang,
        id=round_.id,
        kind=say(f"kind_{round_.kind}", lang),
        opens=_minute(round_, zone, False),
        closes=_minute(round_, zone, True),
        communities=[c.name for c in created.communities],
    )
    if round_.cron:
        text += say("round_recurring", lang, cron=round_.cron)
    if created.skipped:
        key = "round_skipped_one" if len(created.skipped) == 1 else "round_skipped_many"
        text += "\n" + say(key, lang, communities=[c.name for c in created.skipped])
    unposted = [c.name for c in created.communities if not c.active]
    if unposted:
        text += "\n" + say("round_unposted", lang, communities=unposted)
    return text


def themes_text(taxonomy: Taxonomy, lang: Lang) -> str:
    """The taxonomy: principles, then domains (children indented), with sample keywords."""
    lines = []
    for kind, heading in (("principle", "report_principles"), ("domain", "report_domains")):
        lines.append(say(heading, lang))
        for t in taxonomy.themes:
            if t.kind != kind:
                continue
            lines.append(
                say(
                    "themes_line",
                    lang,
                    indent="    " if t.parent else "  ",
                    name=t.name_zh if lang == "zh" else t.name_en,
                    id=t.id,
                    keywords=list(t.keywords[:SAMPLE_KEYWORDS]),
                )
            )
    return "\n".join(lines)
