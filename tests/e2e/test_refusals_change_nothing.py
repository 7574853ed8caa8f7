"""Property-based tests: hostile command arguments at the running bot change nothing (SPEC §3).

Arguments the command's own parser refuses (ids in other scripts, huge, negative or with
leading signs; names with control characters, bidi overrides, zero-width joiners, lone
surrogates as Telegram's JSON may carry them; dates far off; texts past any limit), and any
organiser command from a resident: each gets its short reason in the sender's language, and the
database is row for row what it was. One bot serves every example (hypothesis re-runs the body,
not the fixture), so examples meet what earlier ones left: open, closed and scheduled rounds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.errors import LoneWord, UsageError
from bot.core.parsing import (
    parse_ask,
    parse_cancel,
    parse_community_name,
    parse_id,
    parse_index,
    parse_no_arguments,
    parse_poll,
    parse_priorities,
    parse_rate,
    parse_rounds,
    parse_schedule,
)
from handlers.errors import error_text, usage_line
from nlp.normalise import storable
from sandbox.models import SimChat
from tests.bot.core.test_properties_parsing import ARGS
from tests.e2e.dbfiles import snapshot
from tests.handlers.test_properties_handlers import (
    assert_well_formed,
    community_group,
    no_errors_logged,
    sent_texts_since,
)
from tests.harness import RunningBot

RUNS = settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Rows a refusal may write: the per-chat refusal count (the cap on refusals) and the
# organiser's language (remembered from every command they send).
BOOKKEEPING = {"refusal_counts", "organiser_languages"}


def _digits(number: int, script: str) -> str:
    """`number` written in one of the scripts a phone's keyboard may type digits in."""
    zero = {"ascii": "0", "fullwidth": "０", "arabic": "٠", "persian": "۰", "devanagari": "०"}
    return "".join(chr(ord(zero[script]) + int(d)) for d in str(number))


IDS = st.builds(
    lambda sign, zeros, number, script, tail: sign + "0" * zeros + _digits(number, script) + tail,
    st.sampled_from(["", "-", "+", "#", "−", "－", "#-"]),
    st.integers(0, 3),
    st.one_of(st.integers(0, 3), st.integers(10**6, 10**30)),
    st.sampled_from(["ascii", "fullwidth", "arabic", "persian", "devanagari"]),
    st.sampled_from(["", " 2", "x", ".0", "\u200d", "\u202e", "\ud800", "²", " --series"]),
)
NAMES = st.builds(
    lambda head, mark, tail: head + mark + tail,
    st.sampled_from(["碧海", "汇展城", "all", "ＡＬＬ", "", "👨\u200d👩\u200d👧"]),
    st.sampled_from(
        ["\x00", "\x1b[31m", "\u202e", "\u200b", "\u2066", "\ud83d", "\ufeff", " ", ""]
    ),
    st.sampled_from(["社区", "", "x" * 41, "\n第二行"]),
)
WHEN = st.sampled_from(
    [
        "2026-03-29 02:30",  # the hour clocks skip in Europe
        "1970-01-01 00:00",
        "2999-12-31 23:59",
        "9999-12-31 23:59",
        "0001-01-01 00:00",
        "2026-02-30 10:00",
        "２０２６－１２－０１ ２５：００",
        "2026-12-01 10:00",
    ]
)
HOSTILE = st.one_of(
    ARGS,
    IDS,
    NAMES,
    st.builds(lambda when, rest: f"{when} {rest}", WHEN, ARGS),
    st.builds(lambda n: "问" * n, st.sampled_from([301, 2001, 4080])),
)
Parser = Callable[[str, bool, RunningBot], Any]
PARSERS: dict[str, Parser] = {
    "ask": lambda a, p, b: parse_ask(a, private=p),
    "poll": lambda a, p, b: parse_poll(a, private=p),
    "rate": lambda a, p, b: parse_rate(a, private=p),
    "priorities": lambda a, p, b: parse_priorities(a, private=p),
    "schedule": lambda a, p, b: parse_schedule(
        a, now=b.core.now(), zone=b.settings.schedule.tz, private=p
    ),
    "close": lambda a, p, b: parse_id("close", a),
    "cancel": lambda a, p, b: parse_cancel(a),
    "hide": lambda a, p, b: parse_id("hide", a),
    "report": lambda a, p, b: parse_id("report", a, optional=True),
    "export": lambda a, p, b: parse_id("export", a, optional=True),
    "qr": lambda a, p, b: parse_id("qr", a, optional=True),
    "index": lambda a, p, b: parse_index(a),
    # In private chat /community is refused before its name is read (a group's command).
    "community": lambda a, p, b: None if p else parse_community_name(a),
    "rounds": lambda a, p, b: parse_rounds(a, private=p),
    "digest": lambda a, p, b: parse_no_arguments("digest", a),
    "themes": lambda a, p, b: parse_no_arguments("themes", a),
}


def _arguments(text: str) -> str:
    """What the bot reads after the command word (handlers/common.py `command_args`)."""
    parts = storable(text).split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


def _refusal(command: str, args: str, private: bool, bot: RunningBot) -> UsageError | None:
    """The usage error the command's parser gives these arguments, or None if it takes them."""
    try:
        PARSERS[command](_arguments(f"/{command} {args}"), private, bot)
    except UsageError as error:
        return error
    return None


async def _setting(bot: RunningBot) -> SimChat:
    """The group of the first example: a community with an open, a closed and a scheduled
    round, so ids that exist meet a parser that refuses them anyway."""
    group = await community_group(bot)
    if len(bot.groups) == 1:
        await bot.register("汇展城社区居民群", "汇展城社区")
        await bot.command(group, "/poll 1h 先修哪里？ | 电梯 | 路灯")
        await bot.command(group, "/close 2")
        day = (bot.core.now() + timedelta(days=3)).astimezone(bot.settings.schedule.tz)
        await bot.command(group, f"/schedule {day:%Y-%m-%d %H:%M} 2h 下周的问题")
    return group


def _state(bot: RunningBot) -> dict[str, Any]:
    rows = snapshot(bot.settings)
    return {table: rows[table] for table in rows if table not in BOOKKEEPING}


@RUNS
@given(
    command=st.sampled_from(sorted(PARSERS)),
    args=HOSTILE,
    private=st.booleans(),
)
async def test_arguments_the_parser_refuses_change_nothing_and_say_why(
    minyi_bot: RunningBot, command: str, args: str, private: bool
) -> None:
    """An organiser's command whose arguments its parser refuses is answered with that reason,
    in Chinese, within Telegram's limit, and leaves every table as it was."""
    bot = minyi_bot
    group = await _setting(bot)
    refusal = _refusal(command, args, private, bot)
    if refusal is None:
        return  # taken: what it then does is other tests' business
    chat = bot.emulator.private_chat(bot.organiser) if private else group
    before, first_call = _state(bot), len(bot.emulator.calls)
    with no_errors_logged():
        await bot.command(chat, f"/{command} {args}")
    replies = sent_texts_since(bot, first_call)
    assert_well_formed(replies)
    # A question alone in private chat (LoneWord) may be told instead which communities
    # there are (bot/core/communities.py `check_community_first`): the usage line says it too.
    told = error_text(refusal, "zh", private=private)
    if isinstance(refusal, LoneWord):
        told = usage_line(refusal.command, "zh", private=private)
    assert any(told in r for r in replies), (told, replies)
    assert _state(bot) == before, f"/{command} {args!r} was refused and changed the database"


@RUNS
@given(
    command=st.sampled_from(sorted(PARSERS)),
    args=HOSTILE,
    private=st.booleans(),
)
async def test_an_organiser_command_from_a_resident_changes_nothing(
    minyi_bot: RunningBot, command: str, args: str, private: bool
) -> None:
    """Any organiser command from a resident, with any arguments, in the group or privately,
    gets a short refusal in the resident's language and leaves every table as it was."""
    bot = minyi_bot
    group = await _setting(bot)
    resident = bot.emulator.add_user("居民", language_code="en")
    bot.join(resident, group)
    chat = bot.emulator.private_chat(resident) if private else group
    before, first_call = _state(bot), len(bot.emulator.calls)
    with no_errors_logged():
        await bot.command(chat, f"/{command} {args}", user=resident)
    replies = sent_texts_since(bot, first_call)
    assert_well_formed(replies)
    assert replies and all(len(r) < 300 for r in replies), replies
    assert not any("\u4e00" <= c <= "\u9fff" for r in replies for c in r if c not in args), replies
    assert _state(bot) == before, f"/{command} {args!r} from a resident changed the database"


def _written(number: int, style: str) -> str:
    """An id as an organiser might type it: plainly, with a `#`, leading zeros, full-width."""
    return {
        "plain": str(number),
        "hash": f"#{number}",
        "zeros": f"000{number}",
        "fullwidth": _digits(number, "fullwidth"),
    }[style]


# Ids the core must refuse where they are sent: (command, the group the command is sent in,
# ids). Round 1 (text) is open in 碧海社区, 2 (poll) closed there, 3 scheduled there; no round
# is 汇展城社区's, so from its group every round is another community's.
REFUSED_IDS = st.one_of(
    st.tuples(st.just("close"), st.just("碧海社区"), st.sampled_from([2, 3, 4, 10**6, 2**62])),
    st.tuples(st.just("close"), st.just("汇展城社区"), st.sampled_from([1, 2, 3, 10**6])),
    st.tuples(st.just("cancel"), st.just("碧海社区"), st.sampled_from([1, 2, 10**6, 2**62])),
    st.tuples(st.just("cancel"), st.just("汇展城社区"), st.sampled_from([1, 2, 3])),
    st.tuples(st.just("hide"), st.sampled_from(["碧海社区", "汇展城社区"]), st.just(10**9)),
    # Read-only commands: whatever they send, they change nothing.
    st.tuples(
        st.sampled_from(["report", "export", "qr"]),
        st.sampled_from(["碧海社区", "汇展城社区"]),
        st.sampled_from([1, 2, 3, 10**6]),
    ),
)


@RUNS
@given(target=REFUSED_IDS, style=st.sampled_from(["plain", "hash", "zeros", "fullwidth"]))
async def test_an_id_the_core_refuses_changes_nothing(
    minyi_bot: RunningBot, target: tuple[str, str, int], style: str
) -> None:
    """An id of a round in the wrong state (closing a closed or scheduled round, cancelling an
    open or closed one), of another community's round, or of nothing at all, however written,
    is refused with a reply and changes no table; /report, /export and /qr change none ever."""
    bot = minyi_bot
    await _setting(bot)
    command, community, number = target
    chat = bot.groups[community]
    before, first_call = _state(bot), len(bot.emulator.calls)
    with no_errors_logged():
        await bot.command(chat, f"/{command} {_written(number, style)}")
    replies = sent_texts_since(bot, first_call)
    assert_well_formed(replies)
    assert replies or bot.emulator.calls[first_call:], f"no answer to /{command}"
    assert _state(bot) == before, f"/{command} {number} in {community} changed the database"


@RUNS
@given(
    indicator=st.sampled_from(["no_such", "VOICE_HEARD_x", "a" * 64, "x.y-z"]),
    private=st.booleans(),
)
async def test_a_rating_for_an_indicator_the_framework_lacks_changes_nothing(
    minyi_bot: RunningBot, indicator: str, private: bool
) -> None:
    """`/rate --indicator <id>` naming no indicator of the framework opens no round: a reply
    says so and no table changes."""
    bot = minyi_bot
    group = await _setting(bot)
    chat = bot.emulator.private_chat(bot.organiser) if private else group
    where = "碧海社区 " if private else ""
    before, first_call = _state(bot), len(bot.emulator.calls)
    with no_errors_logged():
        await bot.command(chat, f"/rate --indicator {indicator} {where}2h 打几分？")
    replies = sent_texts_since(bot, first_call)
    assert_well_formed(replies)
    assert any(indicator in r for r in replies), replies
    assert _state(bot) == before
