"""Property-based tests: arbitrary text at every command-argument parser."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.core.durations import parse_duration
from bot.core.errors import DurationError, UsageError
from bot.core.parsing import (
    MAX_OPTION_CHARS,
    MAX_OPTIONS,
    MAX_QUESTION_CHARS,
    MIN_OPTIONS,
    RoundRequest,
    parse_ask,
    parse_community_name,
    parse_id,
    parse_index,
    parse_poll,
    parse_priorities,
    parse_rate,
    parse_schedule,
    parse_start_payload,
)
from bot.render.texts import TEMPLATES, error_reason
from nlp.normalise import has_readable

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)

# Words organisers actually type, so that many examples get past the first check.
WORDS = st.sampled_from(
    [
        "48h", "90s", "30m", "7d", "0h", "-1h", "99999999d", "1.5h", "h", "2026-12-01",
        "2026-02-30", "1999-01-01", "09:30", "25:61", "|", " | ", "||", "--multi",
        "--anonymous", "--cron", "--bogus", "all", "碧海社区", "你觉得怎么样？", "停车",
        "#12", "12", "0", "-3", "²", "١٢", "r12", "r²", "r12c3", "r1c²", "rc", "\n", "\t",
        "　", "🙂", "A" * 120, "\u200b", "\ufffd", "\u3164",
    ]
)  # fmt: skip
# Look-alikes of ids and durations: superscripts, other scripts' digits, full-width forms.
DIGITISH = st.text(alphabet="0123456789²³¹١٢٣०१０１２#rcshmd:-|", max_size=10)
ARGS = st.one_of(
    st.text(max_size=400),
    DIGITISH,
    st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=14).map(" ".join),
)
PRIVATE = st.booleans()
EXAMPLES = settings(max_examples=150, deadline=None)


def check_request(request: RoundRequest) -> None:
    """What every accepted round request promises the rest of the bot."""
    assert has_readable(request.question)
    assert request.question == " ".join(request.question.split())
    assert len(request.question) <= MAX_QUESTION_CHARS
    assert request.duration is None or request.duration.total_seconds() > 0
    if request.kind == "poll":
        assert MIN_OPTIONS <= len(request.options) <= MAX_OPTIONS
        assert all(0 < len(o) <= MAX_OPTION_CHARS and has_readable(o) for o in request.options)
        assert len({o.casefold() for o in request.options}) == len(request.options)
    else:
        assert request.options == []


def check_usage(error: UsageError) -> None:
    """A usage error names a known command and gives a reason in both languages."""
    assert f"usage_{error.command}" in TEMPLATES
    assert error_reason(error, "zh").strip() and error_reason(error, "en").strip()


@EXAMPLES
@given(ARGS, PRIVATE, st.sampled_from(["text", "rating"]))
def test_parse_ask_accepts_or_explains(args: str, private: bool, kind: str) -> None:
    """/ask and /rate arguments either parse into a valid request or raise a UsageError."""
    try:
        request = parse_ask(args, private=private, kind=kind)
    except UsageError as error:
        check_usage(error)
        return
    check_request(request)
    assert request.kind == kind
    assert (request.community is not None) is private


@EXAMPLES
@given(
    ARGS,
    PRIVATE,
    st.sampled_from(["", "--indicator voice_heard ", "--indicator ", "—indicator x "]),
)
def test_parse_rate_accepts_or_explains(args: str, private: bool, flag: str) -> None:
    """/rate [--indicator id] arguments parse into a rating request (naming a well-formed
    indicator id) or raise a UsageError."""
    try:
        request = parse_rate(flag + args, private=private)
    except UsageError as error:
        check_usage(error)
        return
    check_request(request)
    assert request.kind == "rating"
    assert request.indicator is None or request.indicator.isascii()


@EXAMPLES
@given(ARGS, PRIVATE)
def test_parse_priorities_accepts_or_explains(args: str, private: bool) -> None:
    """/priorities arguments parse into a multi-answer request whose question may be empty
    (the standard one is used), never with options, or raise a UsageError."""
    try:
        request = parse_priorities(args, private=private)
    except UsageError as error:
        check_usage(error)
        return
    assert request.kind == "priorities" and request.multi and request.options == []
    assert len(request.question) <= MAX_QUESTION_CHARS


@EXAMPLES
@given(ARGS)
def test_parse_index_accepts_or_explains(args: str) -> None:
    """/index arguments give (post?, at most one period word) or raise a UsageError."""
    try:
        post, period = parse_index(args)
    except UsageError as error:
        check_usage(error)
        return
    assert period is None or (period.strip() == period and period)
    assert isinstance(post, bool)


@EXAMPLES
@given(ARGS, PRIVATE)
def test_parse_poll_accepts_or_explains(args: str, private: bool) -> None:
    """/poll arguments either parse into a 2–10 option poll or raise a UsageError."""
    try:
        request = parse_poll(args, private=private)
    except UsageError as error:
        check_usage(error)
        return
    check_request(request)
    assert request.kind == "poll"


@EXAMPLES
@given(ARGS, PRIVATE)
def test_parse_schedule_accepts_or_explains(args: str, private: bool) -> None:
    """/schedule arguments either give a future round or raise a UsageError."""
    try:
        request = parse_schedule(args, now=NOW, zone=ZONE, private=private)
    except UsageError as error:
        check_usage(error)
        return
    check_request(request)
    assert request.opens_at is not None and request.opens_at > NOW


@EXAMPLES
@given(ARGS, st.sampled_from(["close", "cancel", "report", "export", "hide"]), st.booleans())
def test_parse_id_accepts_or_explains(args: str, command: str, optional: bool) -> None:
    """An id argument is a positive integer (or absent, where optional) or a UsageError."""
    try:
        value = parse_id(command, args, optional=optional)
    except UsageError as error:
        check_usage(error)
        return
    assert (value is None and optional and not args.split()) or (
        value is not None and 0 < value <= 2**62
    )


@EXAMPLES
@given(ARGS)
def test_parse_community_name_accepts_or_explains(args: str) -> None:
    """A community name is 1–40 characters without white space, never `all`."""
    try:
        name = parse_community_name(args)
    except UsageError as error:
        check_usage(error)
        return
    assert 0 < len(name) <= 40 and name.split() == [name]
    assert name.casefold() != "all"


@EXAMPLES
@given(st.one_of(ARGS, st.from_regex(r"r[0-9]{1,20}(c[0-9]{0,20})?", fullmatch=True)))
@example("r０")  # a full-width digit, typed: no deep link (found by this test on a CI run)
@example("r１c２")
def test_parse_start_payload_never_raises(payload: str) -> None:
    """A /start payload is a round (and community) id pair or None, never an exception."""
    found = parse_start_payload(payload)
    if found is not None:
        round_id, community_id = found
        assert round_id >= 0 and (community_id is None or community_id >= 0)
        assert payload.startswith("r") and str(round_id) in payload


@EXAMPLES
@given(WORDS)
def test_durations_that_parse_are_positive(word: str) -> None:
    """A duration word either parses to a positive span or raises a DurationError."""
    try:
        span = parse_duration(word)
    except DurationError:
        return
    assert span.total_seconds() > 0
