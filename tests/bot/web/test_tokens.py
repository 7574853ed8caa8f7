"""Keyed tokens of the web channel (bot/web/tokens.py) and the page language."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.render.texts import pick_web_lang
from bot.web import tokens

SECRET = b"tokens-test-secret"
ids = st.integers(min_value=0, max_value=2**32 - 1)


@given(ids, ids)
def test_a_page_token_opens_to_its_round_and_community(round_id: int, community_id: int) -> None:
    """Every (round, community) pair survives the page token and shows in it as neither id."""
    token = tokens.page_token(SECRET, round_id, community_id)
    assert len(token) == 32 and token.isalnum() and token == token.lower()
    assert tokens.open_page_token(SECRET, token) == (round_id, community_id)
    assert tokens.open_page_token(b"another deployment", token) is None


@given(
    ids,
    ids,
    st.integers(min_value=0, max_value=31),
    st.sampled_from("abcdefghijklmnopqrstuvwxyz234567"),
)
def test_an_altered_page_token_opens_to_nothing(
    round_id: int, community_id: int, position: int, letter: str
) -> None:
    """Changing any one character of a page token makes it no page at all."""
    token = tokens.page_token(SECRET, round_id, community_id)
    altered = token[:position] + letter + token[position + 1 :]
    if altered != token:
        assert tokens.open_page_token(SECRET, altered) is None


def test_malformed_tokens_are_refused_without_error() -> None:
    """Wrong lengths, capitals, padding, non-ASCII digits and junk open to nothing."""
    good = tokens.page_token(SECRET, 7, 3)
    for bad in ("", good[:-1], good + "a", good.upper(), "=" * 32, "１" * 32, "0" * 32, "/" * 32):
        assert tokens.open_page_token(SECRET, bad) is None
    assert not tokens.valid_browser_token("x" * 43 + "\n")
    assert tokens.nonce_age("1.abc") is None


def test_the_browser_pseudonym_is_keyed_and_distinct_from_telegram_ones() -> None:
    """A browser's pseudonym depends on the secret, never equals its token, and a browser
    whose token is a Telegram id's digits does not share that user's pseudonym."""
    from bot.core.privacy import pseudonym

    browser = tokens.new_browser_token()
    assert tokens.valid_browser_token(browser)
    mine = tokens.web_pseudonym(SECRET, browser)
    assert len(mine) == 32 and browser not in mine
    assert mine != tokens.web_pseudonym(b"other", browser)
    assert tokens.web_pseudonym(SECRET, "12345") != pseudonym(12345, SECRET)


def test_a_form_token_is_bound_to_browser_page_and_nonce() -> None:
    """The CSRF token checks only with the same browser, page and nonce."""
    browser, other = tokens.new_browser_token(), tokens.new_browser_token()
    nonce = tokens.new_nonce()
    csrf = tokens.form_token(SECRET, browser, "page", nonce)
    assert tokens.check_form_token(SECRET, browser, "page", nonce, csrf)
    assert not tokens.check_form_token(SECRET, other, "page", nonce, csrf)
    assert not tokens.check_form_token(SECRET, browser, "other", nonce, csrf)
    assert not tokens.check_form_token(SECRET, browser, "page", tokens.new_nonce(), csrf)
    assert not tokens.check_form_token(SECRET, browser, "page", nonce, "锟斤拷" * 11)


def test_the_page_language_follows_accept_language_q_values() -> None:
    """The browser's preferred of zh and en wins by q-value; ?lang= wins over both; nonsense
    falls back to the default."""
    assert pick_web_lang("zh-CN,zh;q=0.9,en;q=0.8", None, "en") == "zh"
    assert pick_web_lang("en-US,en;q=0.9,zh-CN;q=0.8", None, "zh") == "en"
    assert pick_web_lang("fr-FR, en;q=0.2, zh-TW;q=0.5", None, "en") == "zh"
    assert pick_web_lang("zh;q=0, en;q=0.1", None, "zh") == "en"
    assert pick_web_lang("en;q=abc, de", None, "zh") == "zh"
    assert pick_web_lang("en", "zh", "en") == "zh"
    assert pick_web_lang(None, "xx", "en") == "en"
