"""Normalisation folds script, width and case and drops emoji and URLs."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest
import zhconv
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.normalise import has_readable, normalise, normalise_many, to_simplified
from tests.nlp.conftest import DEV_CSV


def test_traditional_is_folded_to_simplified() -> None:
    """Traditional characters come out Simplified."""
    assert normalise("醫院掛號太難了") == "医院挂号太难了"


def test_full_width_is_folded_to_half_width() -> None:
    """Full-width Latin letters and digits become ASCII."""
    assert normalise("ＡＰＰ１２３") == "app123"


def test_case_is_folded() -> None:
    """English is lower-cased (casefold)."""
    assert normalise("Parking FEE") == "parking fee"


def test_emoji_and_urls_are_removed() -> None:
    """Emoji and links are stripped and white space collapsed."""
    assert normalise("太吵了😡😡 看 https://t.cn/abc123 这里👍🏻") == "太吵了 看 这里"


def test_sentence_punctuation_survives() -> None:
    """Sentence ends stay (full-width ？ folded to ?), so the first sentence can be found."""
    assert normalise("停车难。怎么办？") == "停车难。怎么办?"


def test_simplified_folding_skips_only_texts_zhconv_leaves_alone() -> None:
    """The shortcut for texts already in Simplified gives exactly zhconv's result, on Traditional
    text, on phrase-only conversions (么二三) and on every dev-set message."""
    texts = [
        "醫院掛號太難了，網上預約總是約不到",
        "么二三",
        "小区停车位太少",
        "我幹什麼不干你事。",
        "",
    ]
    if DEV_CSV.exists():
        with DEV_CSV.open(encoding="utf-8") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    assert [to_simplified(t) for t in texts] == [zhconv.convert(t, "zh-cn") for t in texts]
    assert to_simplified("醫院") == "医院" and to_simplified("么二三") != "么二三"


def test_normalise_converts_without_importing_pkg_resources() -> None:
    """In a fresh process, nlp.normalise converts Traditional text with zhconv's dictionary
    while pkg_resources (slow to import) stays unimported, and a later import of it works."""
    code = (
        "import sys\n"
        "from nlp.normalise import normalise\n"
        "print(normalise('這個停車場發展很亂'), 'pkg_resources' in sys.modules)\n"
        "import pkg_resources\n"
        "print(pkg_resources.__name__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert done.stdout.splitlines() == ["这个停车场发展很乱 False", "pkg_resources"]


def _tricky_texts() -> list[str]:
    """Texts that need every step of normalising, alone and together."""
    return [
        "",
        " ",
        "\u3000",
        "醫院掛號太難了，網上預約總是約不到",
        "ＡＢＣ停车ｆｅｅ　太贵😀😀 https://x.com/a?b 看 www.abc.cn 和 EXAMPLE.ORG/x",
        "么二三",
        "ＩＰ位址 和 IP位址",
        "a\ud800b",
        "e\u0301 x",
        "滴\n\n滴\t",
        " 前后有空白 ",
        "価格 2019.6.5 ，３．５元",
        "👍🏻👨\u200d👩\u200d👧 ok",
    ]


def test_normalise_many_gives_what_normalise_gives() -> None:
    """The batch path is the same function: every dev message, the tricky texts, in batches
    of every size (texts run into each other in the batch's tables)."""
    texts = _tricky_texts()
    if DEV_CSV.exists():
        with DEV_CSV.open(encoding="utf-8") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    expected = [normalise(t) for t in texts]
    for size in (1, 2, 7, 100, len(texts)):
        got = [n for i in range(0, len(texts), size) for n in normalise_many(texts[i : i + size])]
        assert got == expected
    assert normalise_many([]) == []


_ALPHABET = (
    "abcABC .:/w\u3000\uff01\uff0c\uff21\uff0e😀\u200d\ufe0f國么二三醫院\t\n\u00a0é\u0301ＩＰ位址"
)


@given(st.lists(st.text(alphabet=_ALPHABET, max_size=14), max_size=8))
@settings(max_examples=300, deadline=None)
def test_normalise_many_agrees_on_any_mix(texts: list[str]) -> None:
    """Random mixes of width, script, emoji, URL and white space characters."""
    assert normalise_many(texts) == [normalise(t) for t in texts]


def test_what_the_batch_path_relies_on_holds() -> None:
    """The batch path skips collapsing white space when a text had none: no character above
    U+3000 is white space, casefolding never makes any, and zhconv's table neither changes a
    phrase with white space nor writes any."""
    assert not [c for c in range(0x3001, 0x110000) if chr(c).isspace()]
    assert not [
        c
        for c in range(0x110000)
        if not chr(c).isspace() and any(x.isspace() for x in chr(c).casefold())
    ]
    table = zhconv.zhconv.getdict("zh-cn")
    assert not [k for k, v in table.items() if any(x.isspace() for x in k + v)]


@pytest.mark.parametrize(
    ("text", "readable"),
    [
        ("", False),
        (" \t\n\u3000", False),
        ("\u200b\u200c\u200d\u2060\ufeff\u202e", False),
        ("\u2800\u3164\ufffd\ufe0f", False),
        ("\x00\x07", False),
        ("好", True),
        ("\u200b好\u200b", True),
        ("👍", True),
        ("?", True),
    ],
)
def test_has_readable_tells_text_that_shows_something(text: str, readable: bool) -> None:
    """Only white space, format and control characters and blanks show nothing."""
    assert has_readable(text) is readable
