"""The heading over the unranked communities of the index table and report says something
true of each of them (SPEC §10: coverage below index.min_coverage gives an index but no rank;
a community with no value at all has no index to show)."""

from __future__ import annotations

import pytest

from bot.core.index.compute import compute_index
from bot.core.index.framework import parse_framework
from bot.render.index_report import pdf_data, render_html, render_pdf
from bot.render.index_text import index_table
from bot.render.texts import Lang
from nlp.taxonomy import load_taxonomy
from tests.bot.render.test_index_report import FRAMEWORK, PERIOD, _values


@pytest.mark.parametrize(
    ("lang", "claim", "empty"),
    [("zh", "有指数但不参与排名", "还没有数值"), ("en", "an index but no rank", "no values yet")],
)
def test_a_community_without_values_is_not_said_to_have_an_index(
    lang: Lang, claim: str, empty: str
) -> None:
    """With min_coverage 0 a registered community without any value is unranked for want of
    an index, not for coverage below 0%: the heading over it, in the text table and the
    published page, says it has no values yet rather than that it has an index."""
    framework = parse_framework(FRAMEWORK, load_taxonomy())
    result = compute_index(
        framework,
        _values(PERIOD, 35.0),
        {},
        period=PERIOD,
        communities=["东角头社区"],
        min_coverage=0.0,
        draws=50,
    )
    (empty_one,) = [c for c in result.communities if c.rank is None]
    assert empty_one.name == "东角头社区" and empty_one.index is None
    table = index_table(result, lang)
    lines = table.splitlines()
    above = lines[next(n for n, x in enumerate(lines) if empty_one.name in x) - 1]
    assert claim not in table and empty in above, table
    page = render_html(result, {})
    table_part = page[page.index("各社区指数") : page.index("社区评分卡")]
    assert "有指数但不参与排名" not in table_part and "an index but no rank" not in table_part
    assert "还没有数值" in table_part and "no values yet" in table_part
    # Its scorecard says why it has no rank: not "coverage 0% is below 0%".
    assert "0% 低于 0%" not in page and "0% is below 0%" not in page
    assert "这一期还没有指标数值" in page
    # The PDF's table puts its own row above it (and still compiles).
    assert pdf_data(result, {})["first_empty"] == len(result.communities) - 1
    assert render_pdf(result, {}).startswith(b"%PDF-")


def test_below_coverage_with_an_index_keeps_its_heading() -> None:
    """A community below min_coverage that has an index is still headed as such."""
    framework = parse_framework(FRAMEWORK, load_taxonomy())
    result = compute_index(
        framework, _values(PERIOD, 35.0), {}, period=PERIOD, min_coverage=0.6, draws=50
    )
    assert any(c.rank is None and c.index is not None for c in result.communities)
    assert "未排名：覆盖率低于 60%，有指数但不参与排名" in index_table(result, "zh")
    assert "coverage below 60%" in render_html(result, {})
