"""English writes "1 answer" and "2 answers" wherever a count stands before its noun (Chinese
has no plural); one helper does it for every template (bot/render/texts.py `plural`)."""

from __future__ import annotations

import re

import pytest

from bot.core.csvfiles import CsvInputError
from bot.render.csv_errors import CSV_TEMPLATES, describe_csv_error
from bot.render.texts import TEMPLATES, say

# A field followed by one of these words is not a count before its noun.
NOT_NOUNS = {"is", "has", "gets", "takes", "fields"}


@pytest.mark.parametrize(
    ("key", "values", "expected"),
    [
        ("label_stopped", {}, ["0 labels so far", "1 label so far", "2 labels so far"]),
        ("chart_answers", {}, ["0 answers", "1 answer", "2 answers"]),
        (
            "report_community_line",
            {"name": "碧海社区", "top": "停车"},
            ["0 participants, 0 answers", "1 participant, 1 answer", "2 participants, 2 answers"],
        ),
        (
            "report_poll_leader",
            {"option": "绿化", "share": "50%"},
            ["0 votes", "1 vote", "2 votes"],
        ),
        ("index_table_city", {"index": "0.5"}, ["0 voters", "1 voter", "2 voters"]),
        ("privacy", {}, ["for 0 days", "for 1 day,", "for 2 days"]),
        (
            "index_values_invalid",
            {"name": "values.csv"},
            ["0 problems,", "1 problem,", "2 problems,"],
        ),
        ("index_table_more", {}, ["0 more communities", "1 more community", "2 more communities"]),
    ],
)
def test_english_counts_agree_with_their_noun(
    key: str, values: dict[str, object], expected: list[str]
) -> None:
    """Each count reads 0 …s, 1 … (singular), 2 …s in English; Chinese shows the number."""
    en = TEMPLATES[key][1]
    counts = [name for name in re.findall(r"\{(\w+)", en) if name not in values]
    for count, wanted in zip((0, 1, 2), expected, strict=True):
        filled = {**values, **dict.fromkeys(counts, count)}
        english = say(key, "en", **filled)
        assert re.search(re.escape(wanted) + r"(?!\w)", english), english
        assert str(count) in say(key, "zh", **filled)


def test_a_csv_row_of_one_cell_says_one_cell() -> None:
    """A CSV row with a single cell is described as "1 cell" in English."""
    error = CsvInputError("csv_row_cells", path="values.csv", line=3, cells=1, header=2)
    assert (
        describe_csv_error(error, "en") == "values.csv, line 3: this row has 1 cell, the header 2."
    )


@pytest.mark.parametrize("key", sorted({**TEMPLATES, **CSV_TEMPLATES}))
def test_no_english_count_is_written_before_a_fixed_plural(key: str) -> None:
    """A count field followed by a plural noun ("{count} labels", "{count} problem(s)") would
    say "1 labels": English templates give the count's noun to the plural helper instead."""
    en = {**TEMPLATES, **CSV_TEMPLATES}[key][1]
    fixed = [
        m.group(0)
        for m in re.finditer(r"\{\w+\}\)?(?: more)? ([a-z]+s|[a-z]+\(s\))(?=\W|$)", en)
        if m.group(1) not in NOT_NOUNS
    ]
    assert fixed == [], f"{key}: {fixed}"
