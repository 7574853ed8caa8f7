"""Display width of text in a monospaced font, to align tables mixing Chinese and ASCII.

A Chinese character takes two columns of a terminal or of Telegram's monospaced blocks, so
padding by `len()` misaligns every row holding one (issue 19 item 8).

Widths come from the standard library's `unicodedata` (East Asian Width and general category)
rather than the `wcwidth` package: the two agree on everything these tables hold (Chinese,
full-width punctuation, ASCII, digits), `unicodedata` follows the Unicode version of the running
Python, and one dependency fewer is one fewer to keep. Where they differ (emoji sequences joined
by ZWJ, some ambiguous-width symbols) no terminal agrees either.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Literal

Align = Literal["left", "right", "center"]

# Hangul medial vowels and final consonants join the preceding initial into one syllable cell.
_HANGUL_JAMO_JOINING = range(0x1160, 0x1200)


def char_width(char: str) -> int:
    """Columns one code point takes: 2 wide/full-width, 0 combining/invisible, else 1."""
    code = ord(char)
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf") or code in _HANGUL_JAMO_JOINING:
        return 0
    # C0/C1 controls print nothing (a terminal acts on them instead); zero keeps sums sane.
    if category == "Cc":
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns `text` takes in a monospaced font (Chinese 2, ASCII 1, combining marks 0)."""
    return sum(char_width(char) for char in text)


def pad(text: str, width: int, align: Align = "left") -> str:
    """`text` padded with spaces to `width` display columns; text already wider is unchanged."""
    gap = width - display_width(text)
    if gap <= 0:
        return text
    if align == "right":
        return " " * gap + text
    if align == "center":
        left = gap // 2
        return " " * left + text + " " * (gap - left)
    return text + " " * gap


def truncate(text: str, width: int, ellipsis: str = "…") -> str:
    """`text` cut to at most `width` display columns, ending with `ellipsis` when cut."""
    if display_width(text) <= width:
        return text
    room = width - display_width(ellipsis)
    if room < 0:
        return ""
    kept: list[str] = []
    used = 0
    for char in text:
        w = char_width(char)
        if used + w > room:
            break
        kept.append(char)
        used += w
    return "".join(kept) + ellipsis


def format_table(
    rows: Sequence[Sequence[str]], align: Sequence[Align] = (), separator: str = "  "
) -> list[str]:
    """Rows of cells as lines whose columns line up in a monospaced font.

    `align` gives each column's alignment (default left); trailing spaces are dropped so
    that a left-aligned last column leaves no invisible tail in a chat message.
    """
    columns = max((len(row) for row in rows), default=0)
    widths = [0] * columns
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], display_width(cell))
    lines = []
    for row in rows:
        cells = [
            pad(cell, widths[index], align[index] if index < len(align) else "left")
            for index, cell in enumerate(row)
        ]
        lines.append(separator.join(cells).rstrip(" "))
    return lines
