"""Strict, friendly parsing of organiser command arguments (pure functions, no I/O).

Every parser raises `UsageError` with a short reason; handlers answer it with the command's
usage line and change nothing.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, tzinfo

from pydantic import BaseModel, ConfigDict

from bot.core.crontab import MIN_INTERVAL, next_fire, shortest_interval, validate_cron
from bot.core.durations import is_duration, local_minute, parse_duration
from bot.core.errors import DurationError, LoneWord, UsageError
from bot.core.numbers import (
    as_ascii_digits,
    fold_digits,
    fold_typed,
    foreign_digits,
    read_number,
)
from nlp.normalise import has_readable, utf16_length

MAX_QUESTION_CHARS = 300  # Telegram polls allow 300 (UTF-16 units) in a question.
MAX_OPTION_CHARS = 100  # ... and 100 per option.
MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_COMMUNITY_CHARS = 40
MAX_CRON_CHARS = 100  # a real expression is a few dozen; longer is a paste or an attack


class _Parsed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoundRequest(_Parsed):
    """What an organiser asked for with /ask, /poll, /rate or /schedule."""

    kind: str
    question: str
    duration: timedelta | None
    options: list[str] = []
    multi: bool = False
    anonymous: bool = False
    opens_at: datetime | None = None
    community: str | None = None  # a name or "all"; only in private chat
    # In a group: a first word followed by a duration, the way private chat names a community
    # (`/ask all 48h …`); the core refuses the round if it is `all` or a community's name.
    named: str | None = None
    cron: str | None = None  # a recurring round re-opens on this expression
    indicator: str | None = None  # `/rate --indicator <id>`: the index indicator it feeds


# Phones and desktop apps often turn "--" into a dash; a flag written so is still a flag, and
# so is one typed with a Chinese input method: Shift+- gives "——", full-width mode "－－" and
# full-width letters (read NFKC-folded). Unrecognised, `——anonymous` became the start of the
# question of a public poll.
_FLAG = re.compile(
    r"^(?:--|——|—|–|－－)(?P<name>[A-Za-zＡ-Ｚａ-ｚ][A-Za-zＡ-Ｚａ-ｚ-－]*)(?=\s|=|$)=?\s*"
)
_QUOTED = re.compile(r"^[\"“”'‘’](?P<value>[^\"“”'‘’]*)[\"“”'‘’]\s*")
_DATE = re.compile(r"^[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}$")
_CLOCK = re.compile(r"^[0-9]{1,2}:[0-9]{2}$")
_INDICATOR = re.compile(r"^(?P<value>[A-Za-z][A-Za-z0-9_.-]{0,63})(?:\s+|$)")
MAX_AHEAD = timedelta(days=366)


def _fold(word: str) -> str:
    """A word of command syntax (duration, date, time, id) as an input method in full-width
    mode types it read as ASCII: `４８ｈ` is 48h, `１０：００` is 10:00. Only such words are
    folded: the question and options keep the organiser's own characters. Digits of other
    kinds stay as they are, so that no syntax reads them (NFKC would make `²` a 2; see
    bot/core/numbers.py)."""
    return fold_typed(word)


def _refuse_foreign_digits(command: str, words: list[str]) -> None:
    """Refuse a word of command syntax (a duration, date or time) written with another
    script's digits (`٤٨h`, `²h`, `١٠:٠٠`), saying which digits to use: not read, it would
    silently become the start of the question, or the name of a community."""
    for word in words:
        digits = foreign_digits(word)
        if not digits:
            continue
        meant = unicodedata.normalize("NFKC", as_ascii_digits(word))
        if is_duration(meant) or _DATE.match(meant) or _CLOCK.match(meant):
            raise UsageError(command, "parse_digits_foreign", digits=digits)


# The full-width bar a Chinese input method types for "|" separates options as well (in /poll
# and /schedule); a text round's question keeps either as typed.
_BARS = str.maketrans({"｜": "|"})


def _has_bar(text: str) -> bool:
    return "|" in text.translate(_BARS)


def _refuse_flags(command: str, text: str) -> None:
    """A command without flags refuses one plainly, rather than reading it as its argument
    (`/community --name` registered a community called "--name")."""
    match = _FLAG.match(text.strip())
    if match is not None:
        raise UsageError(
            command, "parse_no_flags", command=command, flag=_fold(match["name"]).lower()
        )


def _leading_flags(command: str, text: str, allowed: tuple[str, ...]) -> tuple[dict[str, str], str]:
    """Leading `--flag`s (`--cron "…"` takes a quoted value); the rest of the text."""
    flags: dict[str, str] = {}
    rest = text.strip()
    while match := _FLAG.match(rest):
        name = _fold(match["name"]).lower()
        if not allowed:
            _refuse_flags(command, rest)
        if name not in allowed:
            listed = tuple(f"--{a}" for a in allowed)
            raise UsageError(
                command, "parse_unknown_flag", command=command, flag=name, allowed=listed
            )
        rest = rest[match.end() :]
        value = ""
        if name == "cron":
            quoted = _QUOTED.match(rest)
            if quoted is None or not quoted["value"].strip():
                raise UsageError(command, "parse_cron_unquoted")
            if len(quoted["value"]) > MAX_CRON_CHARS:
                raise UsageError(command, "parse_cron_too_long", limit=MAX_CRON_CHARS)
            value = " ".join(quoted["value"].split())
            if digits := foreign_digits(value):
                # APScheduler reads `٠ ٩ * * *` as 09:00 every day.
                raise UsageError(command, "parse_digits_foreign", digits=digits)
            try:
                validate_cron(value)
            except ValueError as exc:
                raise UsageError(command, "parse_cron_invalid", value=value, error=exc) from exc
            rest = rest[quoted.end() :]
        elif name == "indicator":
            named = _INDICATOR.match(rest)
            if named is None:
                raise UsageError(command, "parse_indicator_missing")
            value = named["value"]
            rest = rest[named.end() :]
        flags[name] = value
    return flags, rest


# The first word of a private command and the space after it: the community (or `all`).
_FIRST_WORD = re.compile(r"^(?P<word>\S+)\s+")


def _take_flags(
    command: str, text: str, allowed: tuple[str, ...], *, private: bool = False
) -> tuple[dict[str, str], str]:
    """Leading `--flag`s (`--cron "…"` takes a quoted value); the rest of the text. In private
    chat the community is named first (SPEC §3: `/ask 碧海社区 48h …`), so flags may also
    follow that first word: `/poll 碧海社区 --multi 1h …` reads as `/poll --multi 碧海社区 1h …`.
    A flag anywhere else is refused (parse_flag_first), not taken as part of the question."""
    flags, rest = _leading_flags(command, text, allowed)
    first = _FIRST_WORD.match(rest) if private and allowed else None
    if first is not None and _FLAG.match(first["word"]) is None:
        after = rest[first.end() :]
        if _FLAG.match(after):
            more, after = _leading_flags(command, after, allowed)
            flags.update(more)
            rest = f"{first['word']} {after}"
    for word in rest.split():
        flag = _FLAG.match(word)
        if flag is not None and _fold(flag["name"]).lower() in allowed:
            raise UsageError(command, "parse_flag_first", flag=_fold(flag["name"]).lower())
    return flags, rest


def _take_community(
    command: str, words: list[str], private: bool, *, alone: str | None = "parse_question_missing"
) -> tuple[str | None, str | None]:
    """In private chat, the community (or `all`) the first word names; in a group, the first
    word if a duration follows it, as it would name a community in private chat (see
    `RoundRequest.named`): (community, named). A private word with nothing after it is
    LoneWord `alone` (None: a command that may end there)."""
    _refuse_foreign_digits(command, words[:2])
    if not private:
        if len(words) > 1 and not is_duration(_fold(words[0])) and is_duration(_fold(words[1])):
            return None, words[0]
        return None, None
    first = _fold(words[0]) if words else ""
    if not first or is_duration(first) or _DATE.match(first) or _has_bar(first):
        raise UsageError(command, "parse_community_first")
    if len(words) == 1 and alone is not None:
        raise LoneWord(command, alone, words[0])
    return words.pop(0), None


# A first word that is a number run into ASCII letters, e.g. 3x, 48hh, 2days, 1.5h, 1d12x
# (trailing ASCII or full-width punctuation ignored: "2days?").
_NUMBER_LETTERS = re.compile(
    r"^[0-9]+(?:[.,][0-9]+)?(?P<letters>[A-Za-z][A-Za-z0-9]*)[?？!！.。,，:：]*$"
)
# Unit words people write after a number when they mean a duration.
_UNIT_WORDS = frozenset(
    [
        "s",
        "sec",
        "secs",
        "second",
        "seconds",
        "m",
        "min",
        "mins",
        "minute",
        "minutes",
        "h",
        "hr",
        "hrs",
        "hour",
        "hours",
        "d",
        "day",
        "days",
        "w",
        "wk",
        "wks",
        "week",
        "weeks",
    ]
)
# A number and a Chinese unit of time alone as the first word (48小时, 3天, 2周): meant as a
# duration, which must be written 48h, 3d, 2w. Not 月/日/分, which are dates and scores
# (3月, 5日, 5分); a longer word (3天后开会…) is the question.
_CJK_DURATION = re.compile(
    r"^[0-9]+(?:[.,][0-9]+)?\s*个?(?:小时|钟头|分钟|秒钟?|天|周|星期|礼拜)[?？!！.。,，:：]*$"
)
# Lower-case words after a number that are not meant as durations (times of day, ordinals).
_NOT_UNITS = frozenset(["am", "pm", "st", "nd", "rd", "th"])
# Signs before a duration (`-5m`, `+48h`): a duration has none.
_SIGNS = frozenset("-+−－＋")


def looks_like_bad_duration(words: list[str]) -> bool:
    """Whether the first of `words` reads as a duration written wrong rather than the start of
    a question: `3x`, `48hh`, `2days`, `1.5h`, or a bare number and a unit word (`2 days`).

    The rule, precisely: a first word of ASCII digits (optionally a decimal part) run into
    ASCII letters, with nothing else but trailing punctuation, is a bad duration when its
    letters have a lower-case letter (`3x`, `48hh`; not `10am` or `3rd`) or, in capitals, are
    a unit word (`2DAYS`). Capitals otherwise are names of things (`5G 信号…`, `4K 电视…`).
    A bare number followed by an ASCII unit word (`2 days`, `48 h`) is one too, and so is a
    first word that is only a number and a Chinese unit of time (`48小时`, `3天`, `2周`; not
    月, 日 or 分: `3月`, `5日`, `5分` are dates and scores). Any other Chinese in the first word
    makes it part of the question (`3号楼电梯…`, `5G信号…`, `3天后…`), and a bare number
    followed by Chinese (`3 号楼…`) is a question as well. A duration with a sign before it
    (`-5m`, `+48h`) is a bad duration too.
    """
    if not words:
        return False
    if words[0][:1] in _SIGNS and is_duration(words[0][1:]):
        return True
    if _CJK_DURATION.match(words[0]):
        return True
    match = _NUMBER_LETTERS.match(words[0])
    if match is not None:
        letters = match["letters"]
        if letters.casefold() in _NOT_UNITS:
            return False
        alpha = "".join(c for c in letters if c.isalpha())
        return any(c.islower() for c in alpha) or alpha.casefold() in _UNIT_WORDS
    if words[0].isascii() and words[0].isdecimal() and len(words) > 1:
        unit = words[1].rstrip("?？!！.。,，:：")
        return unit.isascii() and unit.casefold() in _UNIT_WORDS
    return False


def _take_duration(command: str, words: list[str]) -> timedelta | None:
    _refuse_foreign_digits(command, words[:1])
    if words and is_duration(_fold(words[0])):
        try:
            return parse_duration(_fold(words.pop(0)))
        except DurationError as exc:
            raise UsageError(command, exc.key, **exc.values) from exc
    if looks_like_bad_duration([_fold(w) for w in words[:2]]):
        # `/ask 3x 时间写错了？` would otherwise open a round with the default duration whose
        # question starts with the typo.
        raise UsageError(command, "parse_duration_malformed", word=words[0])
    return None


def _question(command: str, text: str) -> str:
    question = " ".join(text.split())
    # One that shows nothing (zero-width spaces, fillers, the U+FFFD of a lone surrogate) is
    # missing too: residents would see a round without a question.
    if not has_readable(question):
        raise UsageError(command, "parse_question_missing")
    if utf16_length(question) > MAX_QUESTION_CHARS:
        raise UsageError(command, "parse_question_long", limit=MAX_QUESTION_CHARS)
    return question


def _options(command: str, parts: list[str]) -> list[str]:
    options = [" ".join(p.split()) for p in parts]
    if not all(has_readable(o) for o in options):
        raise UsageError(command, "parse_option_empty")
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise UsageError(
            command, "parse_option_count", min=MIN_OPTIONS, max=MAX_OPTIONS, count=len(options)
        )
    if any(utf16_length(o) > MAX_OPTION_CHARS for o in options):
        raise UsageError(command, "parse_option_long", limit=MAX_OPTION_CHARS)
    if len({o.casefold() for o in options}) != len(options):
        raise UsageError(command, "parse_option_repeated")
    return options


def parse_ask(args: str, *, private: bool = False, kind: str = "text") -> RoundRequest:
    """`/ask [community] [duration] question` (also `/rate`, with kind="rating"). A text
    round's question may hold `|` or `｜` (a question, not options); a rating round refuses
    them as options meant for /poll."""
    command = "ask" if kind == "text" else "rate"
    _flags, rest = _take_flags(command, args, ())
    words = rest.split()
    community, named = _take_community(command, words, private)
    duration = _take_duration(command, words)
    if kind != "text" and _has_bar(" ".join(words)):
        raise UsageError(command, "parse_no_options")
    return RoundRequest(
        kind=kind,
        question=_question(command, " ".join(words)),
        duration=duration,
        community=community,
        named=named,
    )


def parse_rate(args: str, *, private: bool = False) -> RoundRequest:
    """`/rate [--indicator <id>] [community] [duration] question`: a rating round, feeding the
    index indicator `id` if given (whether the framework has it is the core's to check)."""
    flags, rest = _take_flags("rate", args, ("indicator",), private=private)
    words = rest.split()
    command = "rate"
    community, named = _take_community(command, words, private)
    duration = _take_duration(command, words)
    if _has_bar(" ".join(words)):
        raise UsageError(command, "parse_no_options")
    return RoundRequest(
        kind="rating",
        question=_question(command, " ".join(words)),
        duration=duration,
        community=community,
        named=named,
        indicator=flags.get("indicator"),
    )


def parse_priorities(args: str, *, private: bool = False) -> RoundRequest:
    """`/priorities [community] [duration] [question]`: a multiple-answer poll over the index
    framework's principles (the core fills the options); an empty question means the
    standard one (the handler puts it in the caller's language)."""
    _flags, rest = _take_flags("priorities", args, ())
    words = rest.split()
    community, named = _take_community("priorities", words, private, alone=None)
    duration = _take_duration("priorities", words)
    # A question that shows nothing is none: the standard one is asked (see `_question`).
    text = " ".join(words) if has_readable(" ".join(words)) else ""
    if _has_bar(text):
        raise UsageError("priorities", "parse_no_options")
    if utf16_length(text) > MAX_QUESTION_CHARS:
        raise UsageError("priorities", "parse_question_long", limit=MAX_QUESTION_CHARS)
    return RoundRequest(
        kind="priorities",
        question=text,
        duration=duration,
        multi=True,
        community=community,
        named=named,
    )


def parse_index(args: str) -> tuple[bool, str | None]:
    """`/index [post] [period]`: whether to post to the groups, and the period (checked by the
    index core) or None for the latest."""
    _refuse_flags("index", args)
    words = args.split()
    post = bool(words) and words[0].lower() == "post"
    if post:
        words = words[1:]
    if len(words) > 1:
        raise UsageError("index", "parse_index_words")
    if words and (digits := foreign_digits(words[0])):
        raise UsageError("index", "parse_digits_foreign", digits=digits)
    return post, (words[0] if words else None)


def parse_poll(args: str, *, private: bool = False) -> RoundRequest:
    """`/poll [--multi] [--anonymous] [community] [duration] question | opt | opt …`."""
    flags, rest = _take_flags("poll", args, ("multi", "anonymous"), private=private)
    head, sep, tail = rest.translate(_BARS).partition("|")
    if not sep:
        raise UsageError("poll", "parse_poll_separator")
    words = head.split()
    community, named = _take_community("poll", words, private)
    duration = _take_duration("poll", words)
    return RoundRequest(
        kind="poll",
        question=_question("poll", " ".join(words)),
        duration=duration,
        options=_options("poll", tail.split("|")),
        multi="multi" in flags,
        anonymous="anonymous" in flags,
        community=community,
        named=named,
    )


def parse_schedule(
    args: str, *, now: datetime, zone: tzinfo, private: bool = False
) -> RoundRequest:
    """`/schedule [--cron "…"] [--multi] [--anonymous] [community] [YYYY-MM-DD HH:MM] duration
    question [| opt | opt …]` (the date and time may be left out only with --cron)."""
    flags, rest = _take_flags("schedule", args, ("cron", "multi", "anonymous"), private=private)
    head, sep, tail = rest.translate(_BARS).partition("|")
    words = head.split()
    community, named = _take_community("schedule", words, private, alone="parse_schedule_parts")
    _refuse_foreign_digits("schedule", words[:3])
    first_is_date = bool(words) and _DATE.match(_fold(words[0])) is not None
    if not first_is_date and (
        named is not None or (len(words) > 1 and _DATE.match(_fold(words[1])))
    ):
        # In a group, `/schedule 碧海社区 2026-12-05 10:00 …` (the private form): the word
        # before the date or duration could only name a community, which a group's command
        # does not (and the date would not be read).
        raise UsageError("schedule", "group_named", word=words[0])
    cron = flags.get("cron")
    if cron is not None:
        try:
            next_fire(cron, now, zone)
        except ValueError as exc:
            # A valid expression such as "0 0 31 2 *" (31 February) can still never fire.
            raise UsageError("schedule", "parse_cron_never", cron=cron) from exc
        gap = shortest_interval(cron, now, zone)
        if gap is not None and gap < MIN_INTERVAL:
            raise UsageError("schedule", "parse_cron_too_often", cron=cron)
    opens_at = None
    if cron is None or (words and _DATE.match(_fold(words[0]))):
        if len(words) < 4:
            raise UsageError("schedule", "parse_schedule_parts")
        try:
            day = _fold(words[0]).replace("/", "-").replace(".", "-")
            clock = _fold(words[1])
            wall = datetime.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M")
        except ValueError as exc:
            raise UsageError("schedule", "parse_schedule_when") from exc
        # A wall time that happens twice (clocks go back) is its first occurrence (fold 0).
        opens_at = wall.replace(tzinfo=zone)
        if opens_at.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
            # Skipped when the clocks go forward: it would silently become an hour later.
            raise UsageError(
                "schedule", "parse_schedule_skipped", when=f"{wall:%Y-%m-%d %H:%M}", zone=zone
            )
        if opens_at <= now:
            raise UsageError(
                "schedule",
                "parse_schedule_past",
                now=local_minute(now, zone),
                zone=zone,
            )
        if opens_at > now + MAX_AHEAD:
            raise UsageError("schedule", "parse_schedule_far")
        words = words[2:]
    duration = _take_duration("schedule", words)
    if duration is None:
        raise UsageError("schedule", "parse_duration_missing")
    question = _question("schedule", " ".join(words))
    if not sep and ("multi" in flags or "anonymous" in flags):
        raise UsageError("schedule", "parse_poll_flags_only")
    return RoundRequest(
        kind="poll" if sep else "text",
        question=question,
        duration=duration,
        options=_options("schedule", tail.split("|")) if sep else [],
        multi="multi" in flags,
        anonymous="anonymous" in flags,
        opens_at=opens_at,
        community=community,
        cron=cron,
    )


def parse_id(command: str, args: str, *, optional: bool = False) -> int | None:
    """A single positive id (`/close 12`); None if optional and absent."""
    _refuse_flags(command, args)
    words = args.split()
    if not words:
        if optional:
            return None
        raise UsageError(command, "parse_id_missing")
    word = _fold(words[0]).lstrip("#")
    if len(words) == 1 and (digits := foreign_digits(word)):
        # `/close ١` closed round 1: int() reads any script's digits (bot/core/numbers.py).
        raise UsageError(command, "parse_digits_foreign", digits=digits)
    ascii_word = fold_digits(word)
    if len(words) > 1 or not (ascii_word.isascii() and ascii_word.isdigit()):
        raise UsageError(command, "parse_id_not_number")
    value = read_number(ascii_word)
    if value is None or value <= 0 or value > 2**62:
        raise UsageError(command, "parse_id_not_positive")
    return value


def parse_cancel(args: str) -> tuple[int, bool]:
    """`/cancel [--series] <round_id>`: the round, and whether its whole recurring series is
    to stop (not only this occurrence)."""
    flags, rest = _take_flags("cancel", args, ("series",))
    round_id = parse_id("cancel", rest)
    assert round_id is not None
    return round_id, "series" in flags


def parse_no_arguments(command: str, args: str) -> None:
    """A command that takes none (/rounds, /digest, /themes): anything after it is refused, not
    ignored (`/rounds 碧海社区` listed every community's rounds as if nothing was written)."""
    _refuse_flags(command, args)
    if args.split():
        raise UsageError(command, "parse_no_arguments")


def parse_rounds(args: str, *, private: bool) -> str | None:
    """`/rounds`; in private chat `/rounds <community|all>` lists one community's rounds (or
    every community's, as without a name). In a group nothing may follow: it lists the group's
    community's rounds."""
    if not private:
        parse_no_arguments("rounds", args)
        return None
    _refuse_flags("rounds", args)
    words = args.split()
    if len(words) > 1:
        raise UsageError("rounds", "parse_rounds_words")
    return words[0] if words else None


def parse_community_name(args: str) -> str:
    """`/community <名称>`: 1–40 characters without white space, not `all`, no control or
    invisible characters.

    White space is refused because in private chat the name is the first word of /ask, /poll,
    /rate and /schedule: `/ask Bihai Community 48h q` would name the community `Bihai`.
    """
    _refuse_flags("community", args)
    name = args.strip()
    if not name:
        raise UsageError("community", "parse_community_missing")
    if len(name.split()) > 1:
        raise UsageError("community", "parse_community_spaces")
    if len(name) > MAX_COMMUNITY_CHARS or _fold(name).casefold() == "all":
        raise UsageError("community", "parse_community_bad", limit=MAX_COMMUNITY_CHARS)
    if any(_invisible(char) for char in name):
        raise UsageError("community", "parse_community_invisible")
    return name


def _invisible(char: str) -> bool:
    """A control character (an escape sequence steers the terminal of `minyi index`), an
    invisible format character (`碧海` + zero-width space passes for `碧海`; a bidi override
    turns the name round) or a blank one (a filler; U+FFFD, what a lone surrogate from
    Telegram's JSON is read as: `碧海�社区` cannot be typed to name it again), but not the
    zero-width joiner or the variation selector inside an emoji."""
    if char == "\u200d" or unicodedata.category(char) == "Mn":
        return False
    return not has_readable(char)


def parse_start_payload(payload: str) -> tuple[int, int | None] | None:
    """`r<round>` or `r<round>c<community>` from a /start deep link; None if not one.

    A deep link's payload is ASCII (Telegram allows A-Z a-z 0-9 _ -): other digits ("r０")
    were typed, not followed, and are no link."""
    if not payload.startswith("r"):
        return None
    round_part, sep, community_part = payload[1:].partition("c")
    round_id = read_number(round_part, typed=False)
    community_id = read_number(community_part, typed=False) if sep else None
    if round_id is None or (sep and community_id is None):
        return None
    return round_id, community_id
