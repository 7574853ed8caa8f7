"""Reports as Telegram text (Chinese or English), split cleanly under Telegram's limit."""

from __future__ import annotations

import re
from datetime import tzinfo

from bot.core.durations import local_minute
from bot.core.reports import (
    CommunityPart,
    OptionResult,
    PollResult,
    Report,
    ThemeShare,
    top_themes,
)
from bot.core.rounds import late_opening
from bot.render.texts import Lang, question_in, say
from bot.render.widths import format_table
from nlp.normalise import utf16_length

TELEGRAM_LIMIT = 4096


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


# Line breaks, other white space and control characters (C0, DEL, C1), in runs.
_BREAKS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")


def one_line(text: str) -> str:
    """A resident's words on one line: each run of white space or control characters becomes
    one space. A quote's line breaks would otherwise forge lines of the report ("投票结果：…"
    under the quotes), and its escape sequences steer the terminal of `minyi report`."""
    return _BREAKS.sub(" ", text).strip()


def _name(theme: ThemeShare, lang: Lang) -> str:
    return theme.name_zh if lang == "zh" else theme.name_en


def _option(option: OptionResult, lang: Lang) -> str:
    """An option as a reader of `lang` reads it (a priorities round's principle in `lang`)."""
    return option.names.get(lang, option.text)


def _poll_lines(poll: PollResult, lang: Lang) -> list[str]:
    key = "report_voters" if poll.average is None else "report_raters"
    lines = [say(key, lang, voters=poll.voters)]
    # Padded by display width: options are mostly Chinese, two columns a character.
    rows = [
        [
            _option(option, lang),
            str(option.votes),
            _pct(option.share),
            "█" * round(option.share * 10),
        ]
        for option in poll.options
    ]
    lines += ["  " + line for line in format_table(rows, ("left", "right", "right", "left"))]
    if poll.average is not None:
        lines.append(say("report_average", lang, average=f"{poll.average:.2f}"))
    return lines


def _theme_lines(
    themes: list[ThemeShare], kind: str, lang: Lang, level: int = 1, most: int = 15
) -> list[str]:
    """One line per theme of this kind and level: answers, share, and the mean confidence."""
    chosen = [t for t in themes if t.kind == kind and t.level == level][:most]
    sure = say("report_confidence", lang)
    return [
        f"  {_name(t, lang)} {t.count}（{_pct(t.share)}，{sure} {t.confidence:.2f}）"
        if lang == "zh"
        else f"  {_name(t, lang)} {t.count} ({_pct(t.share)}, {sure} {t.confidence:.2f})"
        for t in chosen
    ]


def render_report(report: Report, lang: Lang, zone: tzinfo) -> str:
    """The full report as one text (split with `split_message` before sending)."""
    kind = say(f"kind_{report.kind}", lang) if report.kind != "period" else say("kind_period", lang)
    lines: list[str] = []
    if report.id is not None:
        lines.append(
            say(
                "report_title",
                lang,
                id=report.id,
                kind=kind,
                state=say(f"state_{report.state}", lang),
            )
        )
        lines.append(
            say("report_question", lang, question=question_in(report.kind, report.question, lang))
        )
        if report.posted is False:
            lines.append(say("report_never_posted", lang))
    else:
        lines.append(say("digest_title", lang))
    lines.append(
        say(
            "report_communities",
            lang,
            communities="、".join(report.communities)
            if lang == "zh"
            else ", ".join(report.communities),
        )
    )
    opens = local_minute(report.opens_at, zone)
    if report.posted is not False and late_opening(
        report.opens_at, report.opened_at, report.closes_at
    ):
        assert report.opened_at is not None
        opens = say(
            "round_opened_late", lang, opened=local_minute(report.opened_at, zone), due=opens
        )
    lines.append(
        say("report_window", lang, opens=opens, closes=local_minute(report.closes_at, zone))
    )
    lines.append(_counts(report, lang))
    if report.channels.get("web"):
        # Only once the web pages were used: a Telegram-only deployment reads as before.
        lines.append(
            say(
                "report_channels",
                lang,
                telegram=report.channels.get("telegram", 0),
                web=report.channels["web"],
            )
        )
    if report.poll is not None:
        lines.append("")
        lines.extend(_poll_lines(report.poll, lang))
    for round_poll in report.polls:
        kind = say(f"kind_{round_poll.kind}", lang)
        lines += [
            "",
            say(
                "report_round_poll",
                lang,
                id=round_poll.id,
                kind=kind,
                question=question_in(round_poll.kind, round_poll.question, lang),
            ),
        ]
        lines.extend(_poll_lines(round_poll.result, lang))
    principles = _theme_lines(report.themes, "principle", lang)
    domains = _theme_lines(report.themes, "domain", lang)
    subdomains = _theme_lines(report.themes, "domain", lang, level=2)
    if principles:
        lines += ["", say("report_principles", lang), *principles]
    if domains:
        lines += ["", say("report_domains", lang), *domains]
    if subdomains:
        lines += ["", say("report_subdomains", lang), *subdomains]
    if report.answers:
        lines += [
            "",
            say(
                "report_untagged",
                lang,
                count=report.untagged,
                share=_pct(report.untagged_share),
            ),
        ]
    if principles or domains or subdomains:
        lines.append(say("report_theme_note", lang))
    if report.agreement is not None:
        lines.append(
            say(
                "report_agreement",
                lang,
                share=_pct(report.agreement.share),
                answers=report.agreement.answers,
            )
        )
    if report.emerging:
        approx = "≈" if any(e.get("estimated") for e in report.emerging) else ""
        sep = "、" if lang == "zh" else ", "
        terms = sep.join(f"{e['term']}({approx}{e['count']})" for e in report.emerging)
        lines += ["", say("report_emerging", lang, terms=terms)]
    if report.quotes:
        names = {t.id: _name(t, lang) for t in report.themes}
        lines += ["", say("report_quotes", lang)]
        lines += [
            say(
                "report_quote",
                lang,
                text=one_line(q.text),
                theme=names.get(q.theme_id, q.theme_id),
            )
            for q in report.quotes
        ]
    previous = report.previous
    if previous is not None and previous.participants == 0 and previous.answers == 0:
        lines += ["", say("report_change_none", lang, label=previous.label)]
        previous = None  # nor a change per community: each would only repeat its own count
    if previous is not None:
        p = previous
        voted = report.poll is not None and report.answers == 0
        lines += [
            "",
            say(
                "report_change_votes" if voted else "report_change",
                lang,
                label=p.label,
                participants=f"{report.participants - p.participants:+d}",
                answers=f"{report.answers - p.answers:+d}",
            ),
        ]
        moves = []
        for t in top_themes(report.themes, 6):
            delta = t.share - p.themes.get(t.id, 0.0)
            if abs(delta) >= 0.05:
                moves.append(
                    say(
                        "report_change_points",
                        lang,
                        name=_name(t, lang),
                        delta=f"{delta * 100:+.0f}",
                    )
                )
        if moves:
            lines.append("  " + ("，".join(moves) if lang == "zh" else ", ".join(moves)))
    if len(report.per_community) > 1:
        lines += ["", say("report_per_community", lang)]
        before = previous.per_community if previous else {}
        silent = [
            p.name
            for p in report.per_community
            if p.poll is None and p.participants == 0 and p.answers == 0
        ]
        for part in report.per_community:
            if part.name in silent:
                continue  # named once below: a line of zeros per community says nothing
            if part.poll is not None:
                lines.append(_community_poll_line(part, part.poll, lang))
                continue
            top = ("、" if lang == "zh" else ", ").join(
                _name(t, lang) for t in top_themes(part.themes, 3)
            )
            line = say(
                "report_community_line",
                lang,
                name=part.name,
                participants=part.participants,
                answers=part.answers,
                top=top or "—",
            )
            earlier = before.get(part.name)
            if earlier is not None:
                line += say(
                    "report_community_change",
                    lang,
                    answers=f"{part.answers - earlier.answers:+d}",
                )
            lines.append(line)
        if silent:
            lines.append(say("report_communities_silent", lang, names=silent))
    return "\n".join(lines)


def _counts(report: Report, lang: Lang) -> str:
    """Participants and answers; a poll or rating round has voters instead of answers (its
    voters line follows), unless residents also wrote answers to it."""
    if report.poll is not None and report.answers == 0:
        return say("report_counts_votes", lang, participants=report.participants)
    return say("report_counts", lang, participants=report.participants, answers=report.answers)


def _community_poll_line(part: CommunityPart, poll: PollResult, lang: Lang) -> str:
    """One community's voters and result: the leading option of a poll, a rating's average."""
    if poll.voters == 0:
        return say("report_community_no_votes", lang, name=part.name)
    if poll.average is not None:
        result = say("report_rating_average", lang, average=f"{poll.average:.2f}")
        return say(
            "report_community_rating", lang, name=part.name, voters=poll.voters, result=result
        )
    else:
        best = max(poll.options, key=lambda o: o.votes)
        # A tie names every leading option: the first of them alone would read as the winner.
        leaders = [_option(o, lang) for o in poll.options if o.votes == best.votes]
        share = _pct(best.share)
        if len(leaders) > 1:
            result = say(
                "report_poll_leaders", lang, options=leaders, votes=best.votes, share=share
            )
        else:
            result = say(
                "report_poll_leader",
                lang,
                option=_option(best, lang),
                votes=best.votes,
                share=share,
            )
    return say("report_community_poll", lang, name=part.name, voters=poll.voters, result=result)


def render_summary(report: Report, lang: Lang) -> str:
    """The short result posted back to a community when its round closes."""
    lines = [
        say(
            "summary_title",
            lang,
            id=report.id,
            question=question_in(report.kind, report.question, lang),
        ),
        _counts(report, lang),
    ]
    if report.poll is not None:
        lines.extend(_poll_lines(report.poll, lang))
    # The most mentioned of any kind and level: the report's order (principles first) would
    # name five rare principles before a domain every answer was about.
    top = [t for t in top_themes(report.themes, 5) if t.count > 0]
    if top:
        names = ("、" if lang == "zh" else ", ").join(
            f"{_name(t, lang)} {_pct(t.share)}" for t in top
        )
        lines.append(say("summary_themes", lang, themes=names))
    lines.append(say("summary_thanks" if report.participants else "summary_nobody", lang))
    return "\n".join(lines)


def render_community_summary(report: Report, community_name: str, lang: Lang) -> str:
    """The closing summary a community sees: its own figures, not every community's."""
    mine = next((c for c in report.per_community if c.name == community_name), None)
    if mine is None or len(report.per_community) <= 1:
        return render_summary(report, lang)
    return render_summary(
        report.model_copy(
            update={
                "participants": mine.participants,
                "answers": mine.answers,
                "poll": mine.poll,
                "themes": mine.themes,
            }
        ),
        lang,
    )


def _head(line: str, limit: int) -> int:
    """How many characters of `line` make at most `limit` UTF-16 units (at least one)."""
    units = 0
    for index, ch in enumerate(line):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return max(index, 1)
    return len(line)


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at line breaks (or, for one over-long line, at the limit) into Telegram messages,
    each at most `limit` long as Telegram counts (in UTF-16 units)."""
    chunks: list[str] = []
    current = ""
    units = 0  # utf16_length(current), kept as lines are added
    for line in text.split("\n"):
        size = utf16_length(line)
        while size > limit:
            if current:
                chunks.append(current)
                current, units = "", 0
            cut = _head(line, limit)
            chunks.append(line[:cut])
            line = line[cut:]
            size = utf16_length(line)
        if current and units + 1 + size > limit:
            chunks.append(current)
            current, units = line, size
        elif current:
            current, units = f"{current}\n{line}", units + 1 + size
        else:
            current, units = line, size
    if current or not chunks:
        chunks.append(current)
    return [c for c in chunks if c.strip()] or [text[: _head(text, limit)]]
