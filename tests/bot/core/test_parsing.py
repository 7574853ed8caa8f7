"""Round command parsing: what organisers may write, and what each malformed form is told."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import UsageError
from bot.core.parsing import (
    RoundRequest,
    parse_ask,
    parse_community_name,
    parse_id,
    parse_index,
    parse_no_arguments,
    parse_poll,
    parse_priorities,
    parse_rate,
    parse_schedule,
    parse_start_payload,
)
from bot.render.texts import error_reason

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def test_ask_takes_an_optional_duration_and_in_private_a_community_first() -> None:
    """`/ask 48h q` in a group and `/ask 碧海社区 48h q` in private both parse fully."""
    group = parse_ask("48h 你希望社区怎样改进？")
    assert group.duration == timedelta(hours=48) and group.community is None
    assert group.question == "你希望社区怎样改进？"
    private = parse_ask("碧海社区 48h 你希望社区怎样改进？", private=True)
    assert private.community == "碧海社区" and private.duration == timedelta(hours=48)
    everywhere = parse_ask("all 物业服务怎么样？", private=True, kind="rating")
    assert everywhere.community == "all" and everywhere.kind == "rating"
    assert everywhere.duration is None


def test_poll_flags_options_and_dash_written_flags() -> None:
    """Leading --multi/--anonymous (also as a typographic dash) and 2–10 options are read."""
    request = parse_poll("--multi —anonymous 2h 先改善哪一项？ | 停车 | 绿化 | 照明")
    assert (request.multi, request.anonymous) == (True, True)
    assert request.options == ["停车", "绿化", "照明"]
    assert request.duration == timedelta(hours=2)
    private = parse_poll("--anonymous all 先改善哪一项？|停车|绿化", private=True)
    assert private.community == "all" and private.anonymous and not private.multi


@pytest.mark.parametrize(
    "question",
    [
        "公交 | 地铁，你平时更常坐哪个？",
        "你更喜欢 A｜B 哪种方案？",
        "｜ 开头、中间｜和结尾的竖线都留着 |",
    ],
)
def test_a_text_round_question_keeps_its_bars(question: str) -> None:
    """`/ask` keeps `|` and the full-width `｜` in its question as typed (once it was refused,
    the full-width bar read as `|`): only /poll and /schedule with options split at them."""
    request = parse_ask("48h " + question)
    assert (request.question, request.options) == (question, [])
    assert request.duration == timedelta(hours=48)
    assert parse_ask("碧海社区 " + question, private=True).question == question


def test_poll_and_schedule_split_options_at_either_bar() -> None:
    """`|` and the full-width `｜` a Chinese input method types both separate options, mixed
    too, in /poll and /schedule."""
    assert parse_poll("先改善哪一项？ ｜ 停车｜绿化 | 照明").options == ["停车", "绿化", "照明"]
    private = parse_poll("碧海社区 先改善哪一项？｜停车｜绿化", private=True)
    assert (private.community, private.question) == ("碧海社区", "先改善哪一项？")
    scheduled = parse_schedule("2026-03-03 09:30 48h 选哪天？ ｜ 周六 ｜ 周日", now=NOW, zone=ZONE)
    assert (scheduled.kind, scheduled.options) == ("poll", ["周六", "周日"])


def test_schedule_reads_date_time_duration_and_options_in_the_configured_zone() -> None:
    """`/schedule 2026-03-03 09:30 48h q | a | b` is a poll opening 09:30 Shanghai time."""
    request = parse_schedule(
        "2026-03-03 09:30 48h 周末活动选哪天？ | 周六 | 周日", now=NOW, zone=ZONE
    )
    assert request.kind == "poll" and request.options == ["周六", "周日"]
    assert request.opens_at == datetime(2026, 3, 3, 9, 30, tzinfo=ZONE)
    text = parse_schedule(
        "碧海社区 2026-03-03 09:30 2h 有什么意见？", now=NOW, zone=ZONE, private=True
    )
    assert text.kind == "text" and text.community == "碧海社区"


def test_schedule_with_cron_may_leave_out_the_first_date() -> None:
    """`--cron "0 9 * * mon"` makes a recurring round; the date is then optional."""
    request = parse_schedule('--cron "0 9 * * mon" 48h 这周有什么意见？', now=NOW, zone=ZONE)
    assert request.cron == "0 9 * * mon" and request.opens_at is None
    smart = parse_schedule("--cron “0 9 * * *” 2026-03-05 09:00 1h 今天怎样？", now=NOW, zone=ZONE)
    assert smart.cron == "0 9 * * *" and smart.opens_at is not None


def test_start_payload_names_round_and_community() -> None:
    """`r12c3` is round 12 for community 3; anything else is not a round link."""
    assert parse_start_payload("r12c3") == (12, 3)
    assert parse_start_payload("r12") == (12, None)
    for bad in ("", "x12", "r", "rc3", "r12c", "r1x", "r" + "9" * 30):
        assert parse_start_payload(bad) is None, bad


MALFORMED: list[tuple[str, str, bool, str]] = [
    # (command, arguments, private chat, a fragment of the English reason)
    ("ask", "", False, "question is missing"),
    ("ask", "48h", False, "question is missing"),
    ("ask", "0h 问题", False, "longer than zero"),
    ("ask", "400d 问题", False, "at most 366 days"),
    ("ask", "｜ 问题", True, "name a community"),
    ("ask", "48h 你希望社区怎样改进？", True, "name a community"),
    ("ask", "碧海社区", True, "question is missing"),
    ("ask", "--multi 问题", False, "takes no flags"),
    ("ask", "问" * 301, False, "at most 300"),
    # Telegram counts UTF-16 units: 151 emoji are 302 of them.
    ("ask", "👍" * 151, False, "at most 300"),
    ("rate", "", False, "question is missing"),
    ("rate", "1h 打几分 | 1 | 2", False, "takes no options"),
    ("rate", "1h 打几分 ｜ 1 ｜ 2", False, "takes no options"),
    ("poll", "问题 没有选项", False, "Separate the question"),
    ("poll", "问题 | 只有一个", False, "2 to 10 options"),
    ("poll", "问题 | " + " | ".join(str(i) for i in range(11)), False, "2 to 10 options"),
    ("poll", "问题 | 停车 | | 绿化", False, "option is empty"),
    ("poll", "问题 | 停车 | 停车", False, "must be different"),
    ("poll", "问题 | " + "长" * 101 + " | 短", False, "at most 100"),
    ("poll", "问题 | " + "👍" * 51 + " | 短", False, "at most 100"),
    ("poll", "--secret 问题 | a | b", False, "has no flag"),
    ("poll", "问题 --multi | a | b", False, "first"),
    ("poll", "| a | b", False, "question is missing"),
    ("poll", "2h 问题 | a | b", True, "name a community"),
    ("schedule", "", False, "date, a time"),
    ("schedule", "2026-03-03 48h 问题", False, "date, a time"),
    ("schedule", "明天 09:00 48h 问题", False, "Date or time"),
    ("schedule", "2026-13-01 09:00 48h 问题", False, "Date or time"),
    ("schedule", "2026-03-03 25:00 48h 问题", False, "Date or time"),
    ("schedule", "2026-03-01 09:00 48h 问题", False, "in the past"),
    ("schedule", "2028-03-03 09:00 48h 问题", False, "a year ahead"),
    ("schedule", "2026-03-03 09:00 问题 没有时长", False, "duration is missing"),
    ("schedule", "2026-03-03 09:00 48h 问题 | 唯一", False, "2 to 10 options"),
    ("schedule", "--multi 2026-03-03 09:00 48h 问题", False, "polls only"),
    ("schedule", "--cron 0 9 * * mon 48h 问题", False, "quoted expression"),
    ("schedule", '--cron "61 9 * * *" 48h 问题', False, "not a cron"),
    ("schedule", "2026-03-03 09:00 48h 问题", True, "name a community"),
    ("close", "", False, "id is missing"),
    ("close", "abc", False, "one number"),
    ("close", "1 2", False, "one number"),
    ("cancel", "0", False, "positive"),
    ("cancel", "-3", False, "one number"),
]


def _parse(command: str, args: str, private: bool) -> object:
    if command in ("ask", "rate"):
        return parse_ask(args, private=private, kind="text" if command == "ask" else "rating")
    if command == "poll":
        return parse_poll(args, private=private)
    if command == "schedule":
        return parse_schedule(args, now=NOW, zone=ZONE, private=private)
    return parse_id(command, args)


@pytest.mark.parametrize(("command", "args", "private", "reason"), MALFORMED)
def test_malformed_arguments_raise_a_usage_error_with_a_reason(
    command: str, args: str, private: bool, reason: str
) -> None:
    """Each malformed form raises UsageError for its command, saying what is wrong in zh and en."""
    with pytest.raises(UsageError) as raised:
        _parse(command, args, private)
    assert raised.value.command == command
    assert reason in error_reason(raised.value, "en"), error_reason(raised.value, "en")
    assert error_reason(raised.value, "zh")


UNKNOWN_FLAGS: list[tuple[str, str, str, str]] = [
    # (command, arguments, the whole English reason, the whole Chinese reason)
    (
        "ask",
        "--multi 问题",
        "/ask takes no flags; remove --multi.",
        "/ask 不带参数，请去掉 --multi。",
    ),
    (
        "priorities",
        "——anonymous 1d",
        "/priorities takes no flags; remove --anonymous.",
        "/priorities 不带参数，请去掉 --anonymous。",
    ),
    (
        "rate",
        "--multi 打几分",
        "/rate has no flag --multi (its flags: --indicator).",
        "/rate 没有参数 --multi（可用的参数：--indicator）。",
    ),
    (
        "poll",
        "--secret 问题 | a | b",
        "/poll has no flag --secret (its flags: --multi, --anonymous).",
        "/poll 没有参数 --secret（可用的参数：--multi、--anonymous）。",
    ),
    (
        "schedule",
        "--every 2026-03-03 09:00 48h 问题",
        "/schedule has no flag --every (its flags: --cron, --multi, --anonymous).",
        "/schedule 没有参数 --every（可用的参数：--cron、--multi、--anonymous）。",
    ),
]


@pytest.mark.parametrize(("command", "args", "en", "zh"), UNKNOWN_FLAGS)
def test_an_unknown_flag_is_named_with_the_flags_the_command_does_take(
    command: str, args: str, en: str, zh: str
) -> None:
    """Every command that reads flags says which it does take, and one that takes none says
    so plainly (/ask --multi once read "unknown flag --multi (allowed: —)"). Chinese says 参数:
    选项 is what a poll's choices are called."""
    parsers: dict[str, Callable[[], object]] = {
        "ask": lambda: parse_ask(args),
        "priorities": lambda: parse_priorities(args),
        "rate": lambda: parse_rate(args),
        "poll": lambda: parse_poll(args),
        "schedule": lambda: parse_schedule(args, now=NOW, zone=ZONE),
    }
    with pytest.raises(UsageError) as raised:
        parsers[command]()
    assert raised.value.command == command
    assert error_reason(raised.value, "en") == en
    assert error_reason(raised.value, "zh") == zh


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("community", "--name"),
        ("community", "——multi"),
        ("close", "--force 3"),
        ("report", "--all"),
        ("export", "--format csv"),
        ("digest", "--now"),
        ("index", "--post"),
    ],
)
def test_commands_without_flags_say_so_for_a_flag(command: str, args: str) -> None:
    """A flag given to a command that has none is named as such, not read as its argument:
    `/community --name` once registered a community called "--name", and `/report --all` was
    told its id should be a number."""
    parsers: dict[str, Callable[[], object]] = {
        "community": lambda: parse_community_name(args),
        "index": lambda: parse_index(args),
        "digest": lambda: parse_no_arguments("digest", args),
    }
    with pytest.raises(UsageError) as raised:
        parsers.get(command, lambda: parse_id(command, args, optional=True))()
    flag = args.split()[0].lstrip("-—")
    assert raised.value.command == command
    assert error_reason(raised.value, "en") == f"/{command} takes no flags; remove --{flag}."
    assert error_reason(raised.value, "zh") == f"/{command} 不带参数，请去掉 --{flag}。"


@pytest.mark.parametrize("name", ["Bihai Community", "碧海 社区", "碧海\u3000社区", "碧海\t社区"])
def test_community_names_with_white_space_are_refused(name: str) -> None:
    """A name with white space is refused, since in private chat its first word would be read as
    the whole name (`/ask Bihai Community 48h q` names `Bihai`)."""
    with pytest.raises(UsageError) as raised:
        parse_community_name(name)
    assert raised.value.command == "community"
    assert "spaces" in error_reason(raised.value, "en") and "空格" in error_reason(
        raised.value, "zh"
    )


@pytest.mark.parametrize(
    "name",
    [
        "碧海\x1b[2J社区",  # clears the terminal that prints `minyi index`
        "碧海\x07",
        "碧海\u200b",  # looks exactly like 碧海, yet is another community
        "\u202e区社海碧",  # shown right to left
        "\ufeff碧海",
        # A lone surrogate Telegram's JSON carried, as the bot reads it (U+FFFD): "碧海�社区"
        # could not be typed again to name the community in private chat.
        "碧海\ufffd社区",
        "碧海\u3164",  # a Hangul filler: shows nothing
        "\u2800",  # the blank Braille pattern
    ],
)
def test_community_names_with_invisible_characters_are_refused(name: str) -> None:
    """A name holding control or invisible characters is refused: it would steer the
    terminal that prints it, or pass for another community's name in every list."""
    with pytest.raises(UsageError) as raised:
        parse_community_name(name)
    assert raised.value.command == "community"
    assert "invisible" in error_reason(raised.value, "en")
    assert "不可见" in error_reason(raised.value, "zh")


def test_an_emoji_joined_with_a_zero_width_joiner_is_kept() -> None:
    """The zero-width joiner inside an emoji (family, flags of professions) is part of it, and
    so is the variation selector of an emoji shown in colour."""
    assert parse_community_name("👩\u200d🌾社区") == "👩\u200d🌾社区"
    assert parse_community_name("❤\ufe0f社区") == "❤\ufe0f社区"


def test_community_name_without_spaces_is_kept_as_written() -> None:
    """A one-word name, Chinese or hyphenated, is accepted with outer spaces trimmed."""
    assert parse_community_name("  碧海社区 ") == "碧海社区"
    assert parse_community_name("Bihai-Community") == "Bihai-Community"


@pytest.mark.parametrize(
    "args",
    [
        "3x 时间写错了？",
        "48hh 你希望社区怎样改进？",
        "2days 你希望社区怎样改进？",
        "2days? 你希望社区怎样改进？",
        "1.5h 你希望社区怎样改进？",
        "2 days 你希望社区怎样改进？",
        "48 H 你希望社区怎样改进？",
        "2DAYS 你希望社区怎样改进？",
        "48小时 你希望社区怎样改进？",
        "3天 你希望社区怎样改进？",
        "2个星期 你希望社区怎样改进？",
        "-5m 你希望社区怎样改进？",
        "+48h 你希望社区怎样改进？",
        "−2d 你希望社区怎样改进？",
    ],
)
def test_a_duration_written_wrong_gets_a_usage_reply(args: str) -> None:
    """A first word that reads as a mistyped duration is refused, naming the word, instead of
    opening a round whose question starts with the typo."""
    with pytest.raises(UsageError) as raised:
        parse_ask(args)
    assert raised.value.key == "parse_duration_malformed"
    word = args.split()[0]
    assert f"“{word}”" in error_reason(raised.value, "zh")
    assert "48h" in error_reason(raised.value, "en")
    with pytest.raises(UsageError):
        parse_poll(args + " | 是 | 否")
    with pytest.raises(UsageError):
        parse_ask("碧海社区 " + args, private=True, kind="rating")


@pytest.mark.parametrize(
    "args",
    [
        "3号楼的电梯什么时候修？",
        "5G信号在地下车库很差，怎么办？",
        "5G 信号在地下车库很差，怎么办？",
        "4K 电视信号能改善吗？",
        "3 号楼的电梯什么时候修？",
        "10am 开会大家方便吗？",
        "3rd 期工程什么时候开始？",
        "2024年的整改落实了吗？",
        "12345 热线好打吗？",
        "3天后的议事会你来吗？",
        "3月 的活动大家满意吗？",
        "5分 满分的话你给物业打几分？",
    ],
)
def test_questions_starting_with_a_number_are_kept_whole(args: str) -> None:
    """Real questions that begin with a number (a building, 5G, a year, a hotline) open a
    round with the default duration and the whole text as the question."""
    request = parse_ask(args)
    assert request.duration is None and request.question == args


def test_rate_takes_an_indicator_flag_before_the_community() -> None:
    """`/rate --indicator voice_heard all 7d q` names the indicator (as typed: the core finds
    it in the framework in any letter case), the community and the duration; a plain /rate
    has no indicator."""
    request = parse_rate("--indicator Voice_Heard all 7d 社区听取意见了吗？", private=True)
    assert (request.indicator, request.community) == ("Voice_Heard", "all")
    assert request.duration == timedelta(days=7) and request.kind == "rating"
    assert parse_rate("1h 打几分？").indicator is None
    with pytest.raises(UsageError) as caught:
        parse_rate("--indicator 1h 打几分")
    assert caught.value.key == "parse_indicator_missing"
    with pytest.raises(UsageError) as caught:
        parse_rate("1h 打几分 --indicator voice_heard")
    assert caught.value.key == "parse_flag_first"


def test_priorities_question_is_optional_and_options_are_refused() -> None:
    """`/priorities 7d` leaves the question to the standard one; options are refused."""
    bare = parse_priorities("碧海社区 7d", private=True)
    assert (bare.question, bare.community, bare.multi) == ("", "碧海社区", True)
    assert parse_priorities("你最看重哪几项？").question == "你最看重哪几项？"
    with pytest.raises(UsageError) as caught:
        parse_priorities("哪几项 | 参与 | 透明")
    assert caught.value.key == "parse_no_options"


def test_index_takes_post_and_one_period() -> None:
    """`/index`, `/index 2026-Q3`, `/index post`, `/index post 2026`; two periods are refused."""
    assert parse_index("") == (False, None)
    assert parse_index("2026-Q3") == (False, "2026-Q3")
    assert parse_index("post") == (True, None)
    assert parse_index("POST 2026") == (True, "2026")
    with pytest.raises(UsageError) as caught:
        parse_index("2026 2027")
    assert caught.value.key == "parse_index_words"


@pytest.mark.parametrize(
    ("parse", "args", "key"),
    [
        (parse_ask, "\u200b", "parse_question_missing"),
        (parse_ask, "48h \u2800\u2800", "parse_question_missing"),
        (parse_rate, "\ufffd", "parse_question_missing"),
        (parse_poll, "\u3164 | 电梯 | 路灯", "parse_question_missing"),
        (parse_poll, "先修哪里？ | \u200b | 路灯", "parse_option_empty"),
        (parse_poll, "先修哪里？ | 电梯 | \ufeff\u200c", "parse_option_empty"),
    ],
)
def test_a_question_or_option_that_shows_nothing_is_missing(
    parse: Callable[[str], RoundRequest], args: str, key: str
) -> None:
    """A question or poll option of zero-width spaces, fillers or the � a lone surrogate
    arrives as is missing, as an empty one is: residents would see a round or a poll button
    with nothing on it."""
    with pytest.raises(UsageError) as raised:
        parse(args)
    assert raised.value.key == key


def test_a_priorities_question_that_shows_nothing_is_the_standard_one() -> None:
    """`/priorities 48h \\u200b` asks the standard question (as with none), not a blank one."""
    request = parse_priorities("48h \u200b\u3164")
    assert request.question == "" and request.duration == timedelta(hours=48)


def test_private_flags_may_follow_the_community_name() -> None:
    """In private chat the community comes first (SPEC §3), so flags after it are taken as
    flags, a quoted --cron too; in a group, or after the duration, a flag is still refused
    rather than read into the question."""
    cron = parse_schedule(
        '碧海社区 --cron "0 9 * * mon" 48h 这周怎样？', now=NOW, zone=ZONE, private=True
    )
    assert (cron.community, cron.cron, cron.question) == ("碧海社区", "0 9 * * mon", "这周怎样？")
    poll = parse_poll("all --anonymous 2h 选哪个？ | 甲 | 乙", private=True)
    assert (poll.community, poll.anonymous, poll.multi) == ("all", True, False)
    for args, private in (
        ("2h --multi 选哪个？ | 甲 | 乙", False),
        ("all 2h --multi 选？ | 甲 | 乙", True),
    ):
        with pytest.raises(UsageError) as caught:
            parse_poll(args, private=private)
        assert caught.value.key == "parse_flag_first"
