"""QR cards of a round's web pages: one PNG per community, to forward to other chat apps or
print on a notice board (`/qr`, `minyi qr --round ID --out DIR`).

Each PNG holds the QR code, the community's name, the question (Chinese drawn with the
project's Noto Sans CJK font, bot/render/chart.py) and the link as text, for people who type it.
The address is the web channel's (bot/web/server.py `page_url`), handed in as `link`, so both
channels draw the same cards without knowing each other.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.links import LinkedRound
from bot.render.files import write_file

if TYPE_CHECKING:
    from PIL import ImageFont

# segno and Pillow are imported when a card is drawn: a bot that draws none does not pay for
# them at start-up.

WIDTH = 720
MARGIN = 40
QR_SCALE = 12


@dataclass(frozen=True)
class QrCard:
    """One community's card: where it leads and the PNG."""

    round_id: int
    community_id: int
    community: str
    url: str
    png: bytes

    @property
    def filename(self) -> str:
        """A file name that is safe on any file system (the community id, not its name)."""
        return f"round-{self.round_id}-community-{self.community_id}.png"


def _font(size: int) -> ImageFont.FreeTypeFont:
    # Imported here: bot/render/chart.py imports matplotlib (≈ 0.6 s), which a bot that only
    # serves QR cards, or none, must not pay for at start-up.
    from PIL import ImageFont

    from bot.render.chart import cjk_font_path

    return ImageFont.truetype(str(cjk_font_path()), size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, most: int) -> list[str]:
    """Lines of `text` no wider than `width` pixels (character by character: Chinese has no
    spaces to break at), at most `most` lines, the last one cut with an ellipsis."""
    lines: list[str] = []
    current = ""
    for char in re.sub(r"\s+", " ", text).strip():
        if font.getlength(current + char) > width and current:
            lines.append(current)
            current = char
        else:
            current += char
    if current:
        lines.append(current)
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


def render_card(url: str, community: str, question: str) -> bytes:
    """The PNG: the community's name, the question, the QR code and the link as text."""
    import segno
    from PIL import Image, ImageDraw

    code = segno.make(url, error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=QR_SCALE, border=4)
    qr_image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    name_font, question_font, link_font = _font(40), _font(30), _font(20)
    inner = WIDTH - 2 * MARGIN
    name_lines = _wrap(community, name_font, inner, 2)
    question_lines = _wrap(question, question_font, inner, 6)
    link_lines = textwrap.wrap(url, width=60) or [url]
    side = min(qr_image.width, inner)
    qr_image = qr_image.resize((side, side), Image.Resampling.NEAREST)
    height = (
        MARGIN
        + 52 * len(name_lines)
        + 12
        + 40 * len(question_lines)
        + 20
        + side
        + 16
        + 28 * len(link_lines)
        + MARGIN
    )
    card = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(card)
    y = MARGIN
    for line in name_lines:
        draw.text((MARGIN, y), line, font=name_font, fill="#1b1f23")
        y += 52
    y += 12
    for line in question_lines:
        draw.text((MARGIN, y), line, font=question_font, fill="#323f4b")
        y += 40
    y += 20
    card.paste(qr_image, ((WIDTH - side) // 2, y))
    y += side + 16
    for line in link_lines:
        draw.text((MARGIN, y), line, font=link_font, fill="#1f5fa8")
        y += 28
    out = io.BytesIO()
    card.save(out, format="PNG", optimize=True)
    return out.getvalue()


def cards_for(linked: LinkedRound, link: Callable[[int, int], str]) -> list[QrCard]:
    """One card per community of a round; `link(round_id, community_id)` is the page address."""
    round_ = linked.round
    cards = []
    for community in linked.communities:
        url = link(round_.id, community.id)
        png = render_card(url, community.name, round_.question)
        cards.append(QrCard(round_.id, community.id, community.name, url, png))
    return cards


def save_cards(cards: list[QrCard], out: Path) -> list[Path]:
    """`minyi qr --round ID --out DIR`: write cards into `out` (made if missing); their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for card in cards:
        path = out / card.filename
        write_file(path, card.png)
        written.append(path)
    return written
