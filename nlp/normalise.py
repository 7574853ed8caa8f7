"""Text normalisation for tagging: one script, one width, one case, no emoji or URLs."""

from __future__ import annotations

import re
import unicodedata

import zhconv

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[a-z0-9.-]+\.(?:com|cn|net|org)(?:/\S*)?", re.I)
# Emoji and pictographs, dingbats, variation selectors, zero-width joiner, skin tones, flags.
_EMOJI = re.compile(
    "["
    "\U0001f000-\U0001faff"
    "\U00002600-\U000027bf"
    "\U0001f1e6-\U0001f1ff"
    "\u2b00-\u2bff"
    "\ufe0e\ufe0f\u200d"
    "\U000e0020-\U000e007f"
    "]+"
)
_SPACES = re.compile(r"\s+")

# Full-width ASCII (U+FF01..U+FF5E) to half-width, and the ideographic space to a space.
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20
_WIDE = re.compile("[\uff01-\uff5e\u3000]")


# Lone UTF-16 surrogates: JSON may carry them ("\ud800"), no UTF-8 database can store them.
_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD (the replacement character), so it
    can be encoded as UTF-8 and stored."""
    return _SURROGATE.sub("\ufffd", text)


def fold_width(text: str) -> str:
    """Full-width Latin letters, digits and ASCII punctuation to half-width."""
    # translate() with a table is slow on Chinese text; most texts have nothing to fold.
    return text.translate(_WIDTH) if _WIDE.search(text) else text


_CHANGING: tuple[frozenset[str], re.Pattern[str]] | None = None


def _changing() -> tuple[frozenset[str], re.Pattern[str]]:
    """Characters, and phrases without such a character, that zhconv's zh-cn table changes."""
    global _CHANGING
    if _CHANGING is None:
        from zhconv import zhconv as tables

        changing = [k for k, v in tables.getdict("zh-cn").items() if k != v]
        chars = frozenset(k for k in changing if len(k) == 1)
        phrases = sorted(
            (k for k in changing if len(k) > 1 and chars.isdisjoint(k)), key=len, reverse=True
        )
        # A set, not a character class: sre scans a 4,700-character class slowly.
        _CHANGING = (chars, re.compile("|".join(re.escape(p) for p in phrases)))
    return _CHANGING


def to_simplified(text: str) -> str:
    """Traditional Chinese to Simplified (phrase-aware, via zhconv)."""
    # zhconv matches the longest table entry at each position in pure Python (≈ 1 ms for a
    # long message); a text in which no entry that changes anything occurs comes out as it
    # went in, and most residents write Simplified: a set and a regex pass (≈ 2.5 x cheaper)
    # tell.
    chars, phrases = _changing()
    if chars.isdisjoint(text) and phrases.search(text) is None:
        return text
    return str(zhconv.convert(text, "zh-cn"))


def normalise(text: str) -> str:
    """Fold a resident's text for matching: Traditional→Simplified, full→half width,
    casefold, URLs and emoji removed, runs of white space collapsed.

    The stored answer keeps the original; this is only what the tagger reads.
    """
    text = unicodedata.normalize("NFC", text)
    text = fold_width(text)
    if "." in text or "://" in text:  # every URL the pattern knows has one or the other
        text = _URL.sub(" ", text)
    text = _EMOJI.sub(" ", text)
    text = to_simplified(text)
    text = text.casefold()
    return _SPACES.sub(" ", text).strip()
