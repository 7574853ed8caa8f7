"""Strict, friendly parsing of organiser command arguments (pure functions, no I/O).

Every parser raises `UsageError` with a short reason; handlers answer it with the command's
usage line and change nothing.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from pydantic import BaseModel, ConfigDict

from bot.crontab import validate_cron
from bot.durations import DurationError, is_duration, parse_duration

MAX_QUESTION_CHARS = 300  # Telegram polls allow 300 characters in a question.
MAX_OPTION_CHARS = 100  # ... and 100 per option.
MIN_OPTIONS, MAX_OPTIONS = 2, 10


class UsageError(ValueError):
    """The arguments do not fit the command; `reason` says how, in English and Chinese."""

    def __init__(self, command: str, reason_zh: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.command = command
        self.reason_zh = reason_zh
        self.reason_en = reason_en


USAGE: dict[str, tuple[str, str]] = {
    "community": ("/community <名称>", "/community <name>"),
    "ask": (
        "/ask [时长] <问题>，例如 /ask 48h 你希望社区怎样改进？",
        "/ask [duration] <question>, e.g. /ask 48h What should our community improve?",
    ),
    "poll": (
        "/poll [--multi] [--anonymous] [时长] <问题> | <选项> | <选项> [| …]",
        "/poll [--multi] [--anonymous] [duration] <question> | <option> | <option> [| …]",
    ),
    "rate": ("/rate [时长] <问题>", "/rate [duration] <question>"),
    "schedule": (
        '/schedule [--cron "0 9 * * mon"] <YYYY-MM-DD> <HH:MM> <时长> <问题> [| 选项 | 选项 …]',
        '/schedule [--cron "0 9 * * mon"] <YYYY-MM-DD> <HH:MM> <duration> <question> '
        "[| option | option …]",
    ),
    "close": ("/close <征询编号>", "/close <round_id>"),
    "cancel": ("/cancel <征询编号>", "/cancel <round_id>"),
    "report": ("/report [征询编号]", "/report [round_id]"),
    "export": ("/export [征询编号]", "/export [round_id]"),
    "hide": ("/hide <回答编号>", "/hide <answer_id>"),
    "rounds": ("/rounds", "/rounds"),
    "digest": ("/digest", "/digest"),
    "themes": ("/themes", "/themes"),
}
PRIVATE_PREFIX = ("<社区名称|all> ", "<community|all> ")


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
    cron: str | None = None  # a recurring round re-opens on this expression


def _fail(command: str, zh: str, en: str) -> UsageError:
    return UsageError(command, zh, en)


# Phones and desktop apps often turn "--" into a dash; a flag written so is still a flag.
_FLAG = re.compile(r"^(?:--|—|–)(?P<name>[A-Za-z][A-Za-z-]*)(?=\s|=|$)=?\s*")
_QUOTED = re.compile(r"^[\"“”'‘’](?P<value>[^\"“”'‘’]*)[\"“”'‘’]\s*")
_DATE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$")
MAX_AHEAD = timedelta(days=366)


def _take_flags(command: str, text: str, allowed: tuple[str, ...]) -> tuple[dict[str, str], str]:
    """Leading `--flag`s (`--cron "…"` takes a quoted value); the rest of the text."""
    flags: dict[str, str] = {}
    rest = text.strip()
    while match := _FLAG.match(rest):
        name = match["name"].lower()
        if name not in allowed:
            listed = " ".join(f"--{a}" for a in allowed) or "—"
            raise _fail(
                command,
                f"未知选项 --{name}（可用：{listed}）。",
                f"unknown flag --{name} (allowed: {listed}).",
            )
        rest = rest[match.end() :]
        value = ""
        if name == "cron":
            quoted = _QUOTED.match(rest)
            if quoted is None or not quoted["value"].strip():
                raise _fail(
                    command,
                    '--cron 后面要写带引号的表达式，例如 --cron "0 9 * * mon"。',
                    '--cron takes a quoted expression, e.g. --cron "0 9 * * mon".',
                )
            value = " ".join(quoted["value"].split())
            try:
                validate_cron(value)
            except ValueError as exc:
                raise _fail(
                    command,
                    f"周期表达式无效：{value}",
                    f"not a cron expression: {value} ({exc})",
                ) from exc
            rest = rest[quoted.end() :]
        flags[name] = value
    for word in rest.split():
        flag = _FLAG.match(word)
        if flag is not None and flag["name"].lower() in allowed:
            raise _fail(
                command,
                f"选项 --{flag['name'].lower()} 要写在最前面。",
                f"put the flag --{flag['name'].lower()} first.",
            )
    return flags, rest


def _take_community(command: str, words: list[str], private: bool) -> str | None:
    if not private:
        return None
    if not words or is_duration(words[0]) or _DATE.match(words[0]) or words[0] == "|":
        raise _fail(
            command,
            "私聊中请先写社区名称或 all。",
            "In private chat, name a community or `all` first.",
        )
    return words.pop(0)


def _take_duration(command: str, words: list[str]) -> timedelta | None:
    if words and is_duration(words[0]):
        try:
            return parse_duration(words.pop(0))
        except DurationError as exc:
            raise _fail(command, f"时长无效：{exc}", f"invalid duration: {exc}") from exc
    return None


def _question(command: str, text: str) -> str:
    question = " ".join(text.split())
    if not question:
        raise _fail(command, "缺少问题。", "the question is missing.")
    if len(question) > MAX_QUESTION_CHARS:
        raise _fail(
            command,
            f"问题最多 {MAX_QUESTION_CHARS} 字。",
            f"a question may have at most {MAX_QUESTION_CHARS} characters.",
        )
    return question


def _options(command: str, parts: list[str]) -> list[str]:
    options = [" ".join(p.split()) for p in parts]
    if any(not o for o in options):
        raise _fail(command, "有空的选项。", "an option is empty.")
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise _fail(
            command,
            f"投票需要 {MIN_OPTIONS}–{MAX_OPTIONS} 个选项（现在 {len(options)} 个）。",
            f"a poll needs {MIN_OPTIONS} to {MAX_OPTIONS} options (got {len(options)}).",
        )
    if any(len(o) > MAX_OPTION_CHARS for o in options):
        raise _fail(
            command,
            f"每个选项最多 {MAX_OPTION_CHARS} 字。",
            f"an option may have at most {MAX_OPTION_CHARS} characters.",
        )
    if len({o.casefold() for o in options}) != len(options):
        raise _fail(command, "选项不能重复。", "options must be different.")
    return options


def parse_ask(args: str, *, private: bool = False, kind: str = "text") -> RoundRequest:
    """`/ask [community] [duration] question` (also `/rate`, with kind="rating")."""
    command = "ask" if kind == "text" else "rate"
    _flags, rest = _take_flags(command, args, ())
    words = rest.split()
    community = _take_community(command, words, private)
    duration = _take_duration(command, words)
    if "|" in " ".join(words):
        raise _fail(
            command,
            "这种征询不能带选项；投票请用 /poll。",
            "this round takes no options; use /poll for a poll.",
        )
    return RoundRequest(
        kind=kind,
        question=_question(command, " ".join(words)),
        duration=duration,
        community=community,
    )


def parse_poll(args: str, *, private: bool = False) -> RoundRequest:
    """`/poll [--multi] [--anonymous] [community] [duration] question | opt | opt …`."""
    flags, rest = _take_flags("poll", args, ("multi", "anonymous"))
    head, sep, tail = rest.partition("|")
    if not sep:
        raise _fail("poll", "请用 | 分隔问题和选项。", "separate the question and options with |.")
    words = head.split()
    community = _take_community("poll", words, private)
    duration = _take_duration("poll", words)
    return RoundRequest(
        kind="poll",
        question=_question("poll", " ".join(words)),
        duration=duration,
        options=_options("poll", tail.split("|")),
        multi="multi" in flags,
        anonymous="anonymous" in flags,
        community=community,
    )


def parse_schedule(
    args: str, *, now: datetime, zone: tzinfo, private: bool = False
) -> RoundRequest:
    """`/schedule [--cron "…"] [--multi] [--anonymous] [community] [YYYY-MM-DD HH:MM] duration
    question [| opt | opt …]` (the date and time may be left out only with --cron)."""
    flags, rest = _take_flags("schedule", args, ("cron", "multi", "anonymous"))
    head, sep, tail = rest.partition("|")
    words = head.split()
    community = _take_community("schedule", words, private)
    cron = flags.get("cron")
    opens_at = None
    if cron is None or (words and _DATE.match(words[0])):
        if len(words) < 4:
            raise _fail(
                "schedule",
                "需要日期、时间、时长和问题。",
                "a date, a time, a duration and a question are needed.",
            )
        try:
            day = words[0].replace("/", "-").replace(".", "-")
            opens_at = datetime.strptime(f"{day} {words[1]}", "%Y-%m-%d %H:%M").replace(tzinfo=zone)
        except ValueError as exc:
            raise _fail(
                "schedule",
                "日期或时间格式不对，请写成 2026-12-01 09:30。",
                "date or time not understood; write it like 2026-12-01 09:30.",
            ) from exc
        if opens_at <= now:
            raise _fail("schedule", "这个时间已经过去了。", "that time is in the past.")
        if opens_at > now + MAX_AHEAD:
            raise _fail(
                "schedule",
                "最多只能提前一年安排。",
                "a round can be scheduled at most a year ahead.",
            )
        words = words[2:]
    duration = _take_duration("schedule", words)
    if duration is None:
        raise _fail("schedule", "缺少时长（例如 48h）。", "the duration is missing (e.g. 48h).")
    question = _question("schedule", " ".join(words))
    if not sep and ("multi" in flags or "anonymous" in flags):
        raise _fail(
            "schedule",
            "--multi 和 --anonymous 只用于投票（用 | 写出选项）。",
            "--multi and --anonymous are for polls only (give options after |).",
        )
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
    words = args.split()
    if not words:
        if optional:
            return None
        raise _fail(command, "缺少编号。", "the id is missing.")
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if len(words) > 1 or not words[0].lstrip("#").isdecimal():
        raise _fail(command, "编号应是一个数字。", "the id should be one number.")
    value = int(words[0].lstrip("#"))
    if value <= 0 or value > 2**62:
        raise _fail(command, "编号应是正整数。", "the id should be a positive number.")
    return value


def parse_community_name(args: str) -> str:
    """`/community <名称>`: 1–40 characters, inner spaces folded."""
    name = " ".join(args.split())
    if not name:
        raise _fail("community", "缺少社区名称。", "the community name is missing.")
    if len(name) > 40 or name.casefold() == "all":
        raise _fail(
            "community",
            "社区名称需要 1–40 个字符，且不能是 all。",
            "a community name needs 1–40 characters and cannot be `all`.",
        )
    return name


def parse_start_payload(payload: str) -> tuple[int, int | None] | None:
    """`r<round>` or `r<round>c<community>` from a /start deep link; None if not one."""
    if not payload.startswith("r"):
        return None
    body = payload[1:]
    round_part, sep, community_part = body.partition("c")
    if not round_part.isdecimal() or (sep and not community_part.isdecimal()):
        return None
    if len(round_part) > 18 or len(community_part) > 18:
        return None
    return int(round_part), int(community_part) if community_part else None
