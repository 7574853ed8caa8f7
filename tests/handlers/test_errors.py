"""The usage lines malformed commands are answered with."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.parsing import parse_schedule
from bot.render.texts import Lang, say
from handlers.errors import usage_line


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("command", ["ask", "poll", "rate", "schedule"])
def test_private_usage_lines_name_the_community_after_the_flags(command: str, lang: Lang) -> None:
    """In private chat the community argument is shown, and after every flag, where the parser
    expects it (a flag after it is refused with "put the flag first")."""
    line = usage_line(command, lang, private=True)
    community = say("usage_private_community", lang).strip()
    assert community in line, line
    flags = [i for i in range(len(line)) if line.startswith("[--", i)]
    assert all(i < line.index(community) for i in flags), line
    assert community not in usage_line(command, lang, private=False)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_schedule_usage_line_names_its_poll_flags(lang: Lang) -> None:
    """The /schedule line shows --multi and --anonymous, and the order it shows parses."""
    line = usage_line("schedule", lang, private=True)
    assert "[--multi] [--anonymous]" in line and "--cron" in line
    request = parse_schedule(
        '--cron "0 9 * * mon" --multi --anonymous all 2026-03-03 09:00 48h 问题 | 甲 | 乙',
        now=datetime(2026, 3, 2, tzinfo=UTC),
        zone=ZoneInfo("Asia/Shanghai"),
        private=True,
    )
    assert request.community == "all" and request.multi and request.anonymous
