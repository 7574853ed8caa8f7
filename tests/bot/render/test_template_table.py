"""The table of user-facing sentences (bot/render/texts.py, bot/render/csv_errors.py) is
consistent: both languages exist for every key, take the same {fields}, render without a stray
brace, the English side has no Chinese in it, and every key the code names exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.render.csv_errors import CSV_TEMPLATES
from bot.render.texts import TEMPLATES, fill

ROOT = Path(__file__).resolve().parents[3]
HAN = re.compile(r"[\u3400-\u9fff]")
CJK_PUNCTUATION = re.compile(r"[、，。：；（）！？「」《》【】]")

# Fields one side leaves out on purpose, with why.
FIELDS_ONE_SIDE = {
    # APScheduler's reason is English; the Chinese message names the bad value only.
    "parse_cron_invalid": {"error"},
    # English counts the reports for its plural; Chinese, which has none, lists the rounds.
    "missed_reports_group": {"count"},
}
# English sides that may hold Chinese, with why.
CHINESE_IN_ENGLISH = {
    "web_switch_lang",  # the link to the Chinese page is written in Chinese
}
TABLES = {**TEMPLATES, **CSV_TEMPLATES}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("key", sorted(TABLES))
def test_both_sides_exist_and_take_the_same_fields(key: str) -> None:
    zh, en = TABLES[key]
    assert zh.strip() and en.strip(), f"{key}: a side is empty"
    difference = _fields(zh) ^ _fields(en)
    assert difference == FIELDS_ONE_SIDE.get(key, set()), (
        f"{key}: fields differ between the sides: {sorted(difference)}"
    )


@pytest.mark.parametrize("key", sorted(TABLES))
def test_both_sides_render_with_their_fields(key: str) -> None:
    """No stray brace or positional field: each side formats with its named fields (as say
    fills them, plural specs included)."""
    for side in TABLES[key]:
        rendered = fill(side, **{name: "X" for name in _fields(side)})
        assert "{" not in rendered and "}" not in rendered, f"{key}: {rendered!r}"


@pytest.mark.parametrize("key", sorted(set(TABLES) - CHINESE_IN_ENGLISH))
def test_the_english_side_has_no_chinese(key: str) -> None:
    """Chinese in an English sentence is an untranslated piece (names and quotes arrive in
    fields, not in the template)."""
    en = TABLES[key][1]
    assert not HAN.search(en), f"{key}: Chinese in the English text {en!r}"
    assert not CJK_PUNCTUATION.search(en), f"{key}: Chinese punctuation in {en!r}"


def _named_keys() -> list[tuple[str, str]]:
    """Every template key the product's code names literally: say("key"), the web pages'
    _t/say("key") (prefixed web_), and errors raised as SomeError(["command",] "key")."""
    found = []
    for folder in ("bot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            web = path.parent.name == "web"
            for match in re.finditer(r"\b(?:say|_t)\(\s*\"([a-z0-9_]+)\"", source):
                key = match.group(1)
                found.append((str(path.relative_to(ROOT)), f"web_{key}" if web else key))
            for match in re.finditer(r"\w+Error\(\s*(?:\"[a-z_]+\",\s*)?\"([a-z0-9_]+)\"", source):
                found.append((str(path.relative_to(ROOT)), match.group(1)))
    return found


def test_every_key_the_code_names_exists() -> None:
    named = _named_keys()
    assert len(named) > 200, "the scan finds the keys the code uses"
    missing = sorted({f"{where}: {key}" for where, key in named if key not in TABLES})
    assert missing == [], missing


# English sides that begin a sentence: the reasons shown after "⚠️ " (and by the command line),
# the lines the command line prints, and the bullet points of an index framework's problems.
# Fragments (names of states and kinds, chart labels) and a CSV row's problems, which follow
# "file, line N: ", stay in lower case.
SENTENCE_PREFIXES = ("parse_", "duration_", "fw_")
SENTENCE_KEYS = {
    "index_no_values",
    "index_period_bad",
    "index_period_empty",
    "index_framework_invalid",
    "index_framework_unreadable",
    "index_framework_stored",
    "index_imported",
    "index_report_written",
}


@pytest.mark.parametrize(
    "key", sorted(k for k in TEMPLATES if k.startswith(SENTENCE_PREFIXES) or k in SENTENCE_KEYS)
)
def test_english_sentences_start_with_a_capital(key: str) -> None:
    """An English message that begins a sentence starts with a capital letter, so that
    `⚠️ No indicator values yet…` reads as a sentence."""
    first = TEMPLATES[key][1].lstrip()[:1]
    assert not first.islower(), TEMPLATES[key][1]
