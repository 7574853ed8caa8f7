"""The governance index as text (SPEC §10): the city table a terminal or a chat shows, the
caption beside a community's scorecard, and the digest's line about a new period.

Columns are padded by display width (bot/render/widths.py), so Chinese names line up in a
monospaced font; no matplotlib or Typst here, so the text verbs stay quick to start.
"""

from __future__ import annotations

from bot.core.index.compute import CommunityResult, IndexResult, table_order
from bot.core.indexing import IndexChange, IndexNews
from bot.render.texts import Lang, say
from bot.render.widths import format_table, truncate

#: Community names are cut to this many display columns in the table.
NAME_COLUMNS = 24


def _num(x: float | None) -> str:
    return "–" if x is None else f"{x:.1f}"


def _signed(x: float | None) -> str:
    return "–" if x is None else f"{x:+.1f}"


def change_text(community: CommunityResult, lang: Lang) -> str:
    """`+26.7`, and when the two periods' indexes rest on different indicators, why it is not
    like for like: `+26.7（覆盖率不同）`, `+26.7 (different coverage)`."""
    text = _signed(community.change)
    if community.change_comparable is not False:
        return text
    before, now = community.previous_coverage, community.coverage
    same = before is not None and abs(before - now) < 1e-9
    note = say("index_change_other_indicators" if same else "index_change_other_coverage", lang)
    return f"{text}（{note}）" if lang == "zh" else f"{text} ({note})"


def rank_text(community: CommunityResult, lang: Lang) -> str:
    """`rank 3 (2–5)`, or `unranked`."""
    if community.rank is None:
        return say("index_unranked", lang)
    text = say("index_rank", lang, rank=community.rank)
    if community.rank_low is not None and community.rank_high != community.rank_low:
        text += f" ({community.rank_low}–{community.rank_high})"
    return text


def index_table(result: IndexResult, lang: Lang, limit: int | None = None) -> str:
    """Title, one line per community (the ranked by rank, then under a line saying why, the
    unranked, highest index first; the first `limit` of them, then a line saying how many
    more) and the city-wide line."""
    title = say(
        "index_table_title", lang, period=result.period, previous=result.previous_period or "–"
    )
    if not result.communities:
        return title + "\n" + say("index_none", lang)
    rows = [say("index_table_header", lang).split("|")]
    ordered = table_order(result)
    shown = ordered if limit is None else ordered[:limit]
    # Where the unranked begin: a line (outside the aligned columns) says why they have no rank;
    # those without any value (no index at all) come last, under a line of their own.
    first_unranked = next(
        (n for n, c in enumerate(shown) if c.rank is None and c.index is not None), None
    )
    first_empty = next((n for n, c in enumerate(shown) if c.index is None), None)
    for c in shown:
        rows.append(
            [
                "–" if c.rank is None else str(c.rank),
                truncate(c.name, NAME_COLUMNS),
                _num(c.index),
                "–" if c.low is None else f"{c.low:.1f}–{_num(c.high)}",
                f"{c.coverage:.0%}",
                str(c.voters),
                change_text(c, lang),
            ]
        )
    lines = format_table(rows, align=("right", "left", "right", "right", "right", "right", "left"))
    # Inserted from the bottom up, so that the first insertion does not move the second's place;
    # +1: the header line comes first.
    if first_empty is not None:
        lines.insert(first_empty + 1, say("index_table_no_values", lang))
    if first_unranked is not None:
        cov = f"{result.min_coverage:.0%}"
        lines.insert(first_unranked + 1, say("index_table_unranked", lang, cov=cov))
    more = len(result.communities) - len(shown)
    if more:
        lines.append(say("index_table_more", lang, count=more))
    city = say("index_table_city", lang, index=_num(result.city.index), voters=result.city.voters)
    return "\n".join([title, *lines, city])


def index_caption(result: IndexResult, community: CommunityResult, lang: Lang) -> str:
    """The caption under a community's scorecard image."""
    return say(
        "index_caption",
        lang,
        name=community.name,
        period=result.period,
        index=_num(community.index),
        rank=rank_text(community, lang),
        coverage=f"{community.coverage:.0%}",
    )


def index_post_caption(result: IndexResult, community: CommunityResult, lang: Lang) -> str:
    """The caption of the scorecard a community's own group is shown."""
    return say(
        "index_post_caption",
        lang,
        name=community.name,
        period=result.period,
        index=_num(community.index),
        rank=rank_text(community, lang),
    )


def _digest_change(change: IndexChange, lang: Lang) -> str:
    text = _signed(change.change)
    if change.not_comparable is None:
        return text
    note = say(f"index_change_other_{change.not_comparable}", lang)
    return f"{text}，{note}" if lang == "zh" else f"{text}, {note}"


def index_digest_line(news: IndexNews, lang: Lang) -> str:
    """The digest's line when a period got new values: how many communities are scored and
    the largest changes since the previous period."""
    sep = "，" if lang == "zh" else ", "
    changes = sep.join(
        say(
            "index_digest_change",
            lang,
            name=c.name,
            index=_num(c.index),
            change=_digest_change(c, lang),
        )
        for c in news.changes
    )
    return say("index_digest", lang, period=news.period, communities=news.scored, changes=changes)
