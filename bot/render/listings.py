"""Listings as reply text: the rounds (/rounds, and the confirmation of a new round) and the
taxonomy (/themes). Templates live in bot/render/texts.py."""

from __future__ import annotations

from datetime import tzinfo

from bot.core.durations import local_minute
from bot.core.models import Round
from bot.core.rounds import RoundCreated, RoundListing
from bot.render.texts import Lang, say
from nlp.taxonomy import Taxonomy

QUESTION_CHARS = 40  # a question in a listing is cut to this many characters
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
        question = r.question
        if len(question) > QUESTION_CHARS:
            question = question[: QUESTION_CHARS - 1] + "…"
        line = say(
            "round_line",
            lang,
            id=r.id,
            state=say(f"state_{r.state}", lang),
            kind=say(f"kind_{r.kind}", lang),
            question=question,
            opens=_minute(r, zone, False),
            closes=_minute(r, zone, True),
        )
        if communities:
            line += " · " + say("rounds_to", lang, communities=listed.communities)
        lines.append(line)
    if listing.more:
        lines.append(say("rounds_more", lang, count=listing.more))
    return "\n".join(lines)


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
