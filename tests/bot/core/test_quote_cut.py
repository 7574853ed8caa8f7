"""A long quote in a report is cut at a word, not in the middle of one."""

from __future__ import annotations

from bot.core.models import Quote
from bot.core.reports import QUOTE_CHARS, ThemeShare, pick_quotes, show_quotes

ENGLISH = (
    "Transparency and accountability. If the community collects data through smart cameras "
    "and apps, residents should know what is collected, who can see it and for how long."
)
CHINESE = "希望社区的各种补贴名单、评优名单都公示出来，接受大家监督，这样才公平。" * 5
THEME = ThemeShare(id="transparency", name_zh="透明", name_en="Transparency", kind="principle",
                   count=2, share=1.0)  # fmt: skip


def _shown(text: str) -> str:
    quote = Quote(answer_id=1, theme_id="transparency", resident="r1", text=text, score=1.0)
    (out,) = show_quotes(pick_quotes([quote], [THEME]))
    return out.text


def test_an_english_quote_is_cut_between_words() -> None:
    """The demo's index report showed "…residents should know what is collected, wh…": the
    quote now ends on a whole word, still a prefix of the answer and within the limit."""
    assert len(ENGLISH) > QUOTE_CHARS
    shown = _shown(ENGLISH)
    assert shown.endswith("…") and len(shown) <= QUOTE_CHARS
    kept = shown[:-1]
    assert ENGLISH.startswith(kept) and ENGLISH[len(kept)] == " ", shown
    assert not kept.endswith(" ")


def test_a_chinese_quote_is_cut_at_the_limit_and_a_short_one_whole() -> None:
    """Chinese has no spaces between words: the cut stays at the limit; short text is whole."""
    shown = _shown(CHINESE)
    assert shown == CHINESE[: QUOTE_CHARS - 1] + "…"
    assert _shown("快递柜超时还要收费。") == "快递柜超时还要收费。"


def test_an_address_at_the_cut_is_masked_whole() -> None:
    """An address the cut would split ("…8栋2单…") is masked before cutting: no part of it
    shows, and the quote still ends with "…"."""
    text = "楼道灯坏了很久，" * 16 + "我家住8栋2单元1102，楼上天天漏水。" * 3
    assert QUOTE_CHARS - 10 < text.index("8栋") < QUOTE_CHARS
    shown = _shown(text)
    assert shown.endswith("…") and len(shown) <= QUOTE_CHARS
    assert "8栋" not in shown and "单元" not in shown and "1102" not in shown, shown


def test_a_long_answer_shortened_by_masks_still_ends_with_an_ellipsis() -> None:
    """Masks can make the part read shorter than a quote: the answer goes on, so "…" says so."""
    text = "8栋2单元1102室，" * 30 + "漏水"
    shown = _shown(text)
    assert shown.endswith("…") and "1102" not in shown and "[门牌]" in shown


def test_a_mark_at_the_cut_is_shown_whole_or_not_at_all() -> None:
    """A mask the cut fell inside showed as "住在[门牌]的[姓…" or "…[…": wherever the cut falls,
    the quote ends before the mark it would split, and every mark it shows is whole."""
    for before in range(QUOTE_CHARS - 20, QUOTE_CHARS + 2):
        text = "好" * before + "住在8栋2单元1102室的王经理说要修" + "好" * 50
        shown = _shown(text)
        assert shown.endswith("…") and len(shown) <= QUOTE_CHARS, shown
        kept = shown[:-1]
        assert kept.count("[") == kept.count("]"), (before, shown)
        assert kept.replace("[门牌]", "").replace("[姓名]", "").count("[") == 0, (before, shown)
