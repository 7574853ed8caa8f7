"""Display widths: tables of Chinese and ASCII line up in a monospaced font."""

from __future__ import annotations

import pytest

from bot.render.widths import char_width, display_width, format_table, pad, truncate


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("", 0),
        ("abc", 3),
        ("碧海社区", 8),
        ("停车 parking", 12),
        ("（全角）", 8),
        ("ＡＢＣ１２３", 12),
        ("e\u0301", 1),  # e + combining acute accent
        ("零\u200b宽", 4),  # zero-width space between two characters
        ("\u3000", 2),  # ideographic space
        ("ｶﾀｶﾅ", 4),  # half-width katakana
        ("한", 2),
        ("\u1100\u1161", 2),  # a Hangul syllable from conjoining jamo
        ("👍", 2),
        ("a\tb", 2),  # a control character prints nothing itself
    ],
)
def test_display_width(text: str, width: int) -> None:
    """Wide and full-width characters count 2, combining and invisible ones 0, others 1."""
    assert display_width(text) == width


def test_char_width_of_one_code_point() -> None:
    """`char_width` is the per-code-point rule `display_width` sums."""
    assert [char_width(c) for c in "民a\u0301"] == [2, 1, 0]


def test_pad_by_display_width() -> None:
    """Padding fills to display columns, not characters, in each alignment."""
    assert pad("碧海", 8) == "碧海    "
    assert pad("碧海", 8, "right") == "    碧海"
    assert pad("碧海", 7, "center") == " 碧海  "
    assert pad("汇展城社区", 4) == "汇展城社区"  # already wider: unchanged, never cut


def test_truncate_respects_double_width() -> None:
    """A cut never splits a wide character across the limit."""
    assert truncate("数字服务与数字鸿沟", 9) == "数字服务…"
    assert truncate("short", 9) == "short"
    assert display_width(truncate("停车parking问题", 10)) <= 10


def test_a_mixed_table_lines_up() -> None:
    """Every row of a Chinese and ASCII table has its columns at the same display offsets."""
    rows = [
        ["社区", "answers", "主要主题"],
        ["碧海社区", "12", "停车"],
        ["汇展城社区", "7", "物业管理 property"],
        ["Bihai", "123", "—"],
    ]
    lines = format_table(rows, align=["left", "right", "left"])
    offsets = set()
    for line, row in zip(lines, rows, strict=True):
        last = line.rindex(row[2])
        offsets.add(display_width(line[:last]))
        number_end = line.index(row[1]) + len(row[1])
        offsets.add(-display_width(line[:number_end]))
    assert offsets == {21, -19}
    assert lines[1] == "碧海社区         12  停车"
    assert all(line == line.rstrip() for line in lines)


def test_an_empty_table_has_no_lines() -> None:
    """No rows give no lines, not an error."""
    assert format_table([]) == []
