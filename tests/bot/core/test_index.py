"""The governance index core (SPEC §10), checked against numbers worked out by hand below."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from bot.core.errors import FrameworkError, IndexInputError, ValuesError
from bot.core.index.compute import (
    Priorities,
    competition_ranks,
    compute_index,
    index_json,
    indicator_score,
    pooled_priorities,
    table_order,
    weights_from_votes,
)
from bot.core.index.framework import Framework, parse_framework
from bot.core.index.values import IndicatorValue, parse_values_csv, previous_period, select_periods
from bot.render.errors import describe_error
from nlp.taxonomy import Taxonomy, load_taxonomy

SHIPPED = Path(__file__).parents[3] / "bot" / "core" / "data" / "index_framework.toml"

# Four indicators over three principles; b, c and d are "lower is better".
FRAMEWORK = """
principles = ["equity", "efficiency", "sustainability"]

[[indicator]]
id = "a"
name_zh = "甲"
name_en = "A"
principle = "equity"
unit = "%"
source = "测试"
threshold = 0
target = 100

[[indicator]]
id = "b"
name_zh = "乙"
name_en = "B"
principle = "equity"
unit = "%"
source = "测试"
threshold = 50.0
target = 30.0

[[indicator]]
id = "c"
name_zh = "丙"
name_en = "C"
principle = "efficiency"
unit = "分钟"
source = "测试"
threshold = 60.0
target = 30.0

[[indicator]]
id = "d"
name_zh = "丁"
name_en = "D"
principle = "sustainability"
unit = "µg/m³"
source = "测试"
threshold = 35.0
target = 15.0
baseline = 24.0
"""


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    """The built-in taxonomy (principle ids come from it)."""
    return load_taxonomy()


@pytest.fixture(scope="module")
def framework(taxonomy: Taxonomy) -> Framework:
    """The four-indicator framework above."""
    return parse_framework(FRAMEWORK, taxonomy)


def V(community: str, indicator: str, period: str, value: float) -> IndicatorValue:
    """Shorthand for one value."""
    return IndicatorValue(community, indicator, period, value)


# X: a=40 -> 40; b=35 -> (35-50)/(30-50) = 0.75 -> 75; c=70 -> (70-60)/(30-60) < 0 -> 0;
#    d=10 -> (10-35)/(15-35) = 1.25 -> 100. Principles: equity (40+75)/2 = 57.5, efficiency 0,
#    sustainability 100. Votes equity 3, efficiency 0, sustainability 1 -> weights 4/7, 1/7,
#    2/7 -> index (4·57.5 + 0 + 2·100)/7 = 430/7 = 61.428571…; coverage 4/4.
# Y: a=120 -> clamped 100; c=45 -> (45-60)/(30-60) = 0.5 -> 50; b, d missing. Equity 100,
#    efficiency 50, sustainability none. No round -> equal weights 1/3 -> index over the two
#    scored principles (100 + 50)/2 = 75; coverage 2/4 = 0.5 -> ranked (min 0.5).
# Z: d=25 -> (25-35)/(15-35) = 0.5 -> 50; coverage 1/4 -> index 50, unranked.
# Ranks: Y 1, X 2. Pooled votes equity 3, efficiency 2, sustainability 1 -> 4/9, 3/9, 2/9; the
# city's principle means: equity (57.5+100)/2 = 78.75, efficiency (0+50)/2 = 25,
# sustainability (100+50)/2 = 75 -> city index (4·78.75 + 3·25 + 2·75)/9 = 540/9 = 60.
# Previous quarter: X a=20 -> 20, b=40 -> 50 -> equity 35, the only scored principle -> 35;
# coverage 2/4 -> ranked 1st; change 430/7 - 35.
VALUES = [
    V("X", "a", "2025-Q2", 40),
    V("X", "b", "2025-Q2", 35),
    V("X", "c", "2025-Q2", 70),
    V("X", "d", "2025-Q2", 10),
    V("Y", "a", "2025-Q2", 120),
    V("Y", "c", "2025-Q2", 45),
    V("Z", "d", "2025-Q2", 25),
    V("X", "a", "2025-Q1", 20),
    V("X", "b", "2025-Q1", 40),
]
PRIORITIES = {
    "X": Priorities(votes={"equity": 3, "efficiency": 0, "sustainability": 1}, voters=3),
    "Z": Priorities(votes={"efficiency": 2}, voters=2),
}


def test_goalpost_scores_in_both_directions_and_clamped() -> None:
    """Scores rise toward the target whichever side it is on and stay within 0–100."""
    assert indicator_score(40, 0, 100) == pytest.approx(40.0)
    assert indicator_score(35, 50, 30) == pytest.approx(75.0)
    assert indicator_score(120, 0, 100) == 100.0
    assert indicator_score(-5, 0, 100) == 0.0
    assert indicator_score(70, 60, 30) == 0.0
    assert indicator_score(10, 35, 15) == 100.0
    assert indicator_score(1e300, 35, 15) == 0.0


def test_weights_from_votes_and_equal_without_a_round() -> None:
    """w_p = (v_p + 1) / Σ(v_q + 1); no round gives equal weights; negative votes are refused."""
    principles = ["equity", "efficiency", "sustainability"]
    weights = weights_from_votes(principles, {"equity": 3, "sustainability": 1, "gone": 9})
    assert weights == pytest.approx({"equity": 4 / 7, "efficiency": 1 / 7, "sustainability": 2 / 7})
    assert weights_from_votes(principles, None) == pytest.approx(dict.fromkeys(principles, 1 / 3))
    with pytest.raises(ValueError, match="negative"):
        weights_from_votes(principles, {"equity": -1})


def test_pooled_city_votes() -> None:
    """City weights pool every community's votes and voters."""
    pooled = pooled_priorities(PRIORITIES.values())
    assert dict(pooled.votes) == {"equity": 3, "efficiency": 2, "sustainability": 1}
    assert pooled.voters == 5


def test_index_matches_the_hand_computation(framework: Framework) -> None:
    """Principle scores, index, coverage, ranks, the unranked and the city figures are exactly
    the ones worked out in the comment above."""
    result = compute_index(framework, VALUES, PRIORITIES, period="2025-Q2", draws=200, seed=1)
    by = {c.name: c for c in result.communities}
    assert [c.name for c in result.communities] == ["Y", "X", "Z"]
    x, y, z = by["X"], by["Y"], by["Z"]
    assert x.principles == pytest.approx(
        {"equity": 57.5, "efficiency": 0.0, "sustainability": 100.0}
    )
    assert x.weights == pytest.approx(
        {"equity": 4 / 7, "efficiency": 1 / 7, "sustainability": 2 / 7}
    )
    assert x.index == pytest.approx(430 / 7)
    assert (x.coverage, x.rank, x.voters) == (1.0, 2, 3)
    assert y.principles["sustainability"] is None
    assert y.principles["equity"] == pytest.approx(100.0)
    assert y.index == pytest.approx(75.0)
    assert (y.coverage, y.rank, y.voters) == (0.5, 1, 0)
    assert y.indicators["b"].value is None and y.indicators["b"].score is None
    assert y.indicators["a"].value == 120 and y.indicators["a"].score == 100.0
    assert z.index == pytest.approx(50.0)
    assert (z.coverage, z.rank, z.rank_low, z.rank_high) == (0.25, None, None, None)
    assert result.ranked_count == 2
    assert result.city.weights == pytest.approx(
        {"equity": 4 / 9, "efficiency": 3 / 9, "sustainability": 2 / 9}
    )
    assert result.city.principles == pytest.approx(
        {"equity": 78.75, "efficiency": 25.0, "sustainability": 75.0}
    )
    assert result.city.index == pytest.approx(60.0)
    assert result.city.voters == 5


def test_change_since_the_previous_period(framework: Framework) -> None:
    """The previous quarter's index, rank and values come with the change."""
    result = compute_index(framework, VALUES, PRIORITIES, period="2025-Q2", draws=50)
    x = next(c for c in result.communities if c.name == "X")
    assert result.previous_period == "2025-Q1"
    assert x.previous_index == pytest.approx(35.0)
    assert x.previous_rank == 1
    assert x.change == pytest.approx(430 / 7 - 35.0)
    assert x.indicators["a"].previous == 20 and x.indicators["c"].previous is None
    y = next(c for c in result.communities if c.name == "Y")
    assert (y.previous_index, y.previous_rank, y.change) == (None, None, None)


def test_latest_period_is_the_default(framework: Framework) -> None:
    """Without a period the latest one with values is scored."""
    result = compute_index(framework, VALUES, PRIORITIES, draws=10)
    assert result.period == "2025-Q2"


def test_previous_period_is_the_latest_earlier_one_of_the_same_kind() -> None:
    """Quarters compare with quarters, months with months, years with years."""
    available = ["2024-Q4", "2025-Q1", "2025-05", "2025", "2024", "2025-Q3"]
    assert previous_period("2025-Q2", available) == "2025-Q1"
    assert previous_period("2025-06", available) == "2025-05"
    assert previous_period("2025", available) == "2024"
    assert previous_period("2024-Q4", available) is None


def test_ties_share_the_better_rank(framework: Framework) -> None:
    """Equal indexes share a rank and the next rank is skipped; equals are listed by name."""
    values = [*VALUES, V("W", "a", "2025-Q2", 120), V("W", "c", "2025-Q2", 45)]
    result = compute_index(framework, values, PRIORITIES, period="2025-Q2", draws=20)
    ranks = [(c.name, c.rank) for c in result.communities]
    assert ranks == [("W", 1), ("Y", 1), ("X", 3), ("Z", None)]
    assert competition_ranks(np.array([5.0, 9.0, 5.0, 1.0])).tolist() == [2, 1, 2, 4]


def test_min_coverage_decides_who_is_ranked(framework: Framework) -> None:
    """Raising min_coverage above Y's 0.5 leaves only X ranked."""
    result = compute_index(
        framework, VALUES, PRIORITIES, period="2025-Q2", min_coverage=0.75, draws=20
    )
    assert {c.name: c.rank for c in result.communities} == {"Y": None, "X": 1, "Z": None}


def test_a_community_without_values_has_no_index(framework: Framework) -> None:
    """A registered community with no values is listed last, with coverage 0 and no index."""
    result = compute_index(
        framework, VALUES, PRIORITIES, period="2025-Q2", communities=["空社区"], draws=20
    )
    last = result.communities[-1]
    assert (last.name, last.index, last.low, last.high, last.rank, last.coverage) == (
        "空社区",
        None,
        None,
        None,
        None,
        0.0,
    )


def test_monte_carlo_is_seeded_and_brackets_the_index(framework: Framework) -> None:
    """The same seed gives the same intervals, another seed others, and low ≤ index ≤ high."""
    first = compute_index(framework, VALUES, PRIORITIES, period="2025-Q2", seed=7)
    again = compute_index(framework, VALUES, PRIORITIES, period="2025-Q2", seed=7)
    other = compute_index(framework, VALUES, PRIORITIES, period="2025-Q2", seed=8)
    assert index_json(first) == index_json(again)
    assert index_json(first) != index_json(other)
    for c in first.communities:
        assert c.low is not None and c.high is not None and c.index is not None
        assert c.low <= c.index <= c.high
    z = next(c for c in first.communities if c.name == "Z")
    # One scored principle: the weights cannot move Z's index.
    assert z.low == z.high == z.index


def test_monte_carlo_matches_an_independent_dirichlet(framework: Framework) -> None:
    """X's interval agrees with percentiles from numpy's own Dirichlet sampler (40,000 draws)."""
    result = compute_index(framework, VALUES, PRIORITIES, period="2025-Q2", seed=3)
    x = next(c for c in result.communities if c.name == "X")
    w = np.random.default_rng(99).dirichlet([4.0, 1.0, 2.0], size=40_000)
    independent = w @ np.array([57.5, 0.0, 100.0])
    low, high = np.percentile(independent, [5, 95])
    assert x.low == pytest.approx(low, abs=2.0)
    assert x.high == pytest.approx(high, abs=2.0)
    assert x.high is not None and x.low is not None and x.high - x.low > 20  # weights vary


def test_rank_interval_of_a_community_that_always_wins(framework: Framework) -> None:
    """A community scoring 100 everywhere is first in every draw; the others' ranks stay in 1–n."""
    values = [
        *VALUES,
        *(V("满分", k, "2025-Q2", v) for k, v in (("a", 100), ("b", 30), ("c", 30), ("d", 15))),
    ]
    result = compute_index(framework, values, PRIORITIES, period="2025-Q2")
    top = result.communities[0]
    assert (top.name, top.index, top.rank, top.rank_low, top.rank_high) == ("满分", 100.0, 1, 1, 1)
    for c in result.communities[1:]:
        if c.rank is not None:
            assert c.rank_low is not None and c.rank_high is not None
            assert 2 <= c.rank_low <= c.rank_high <= result.ranked_count


def test_json_has_the_spec_shape(framework: Framework) -> None:
    """`minyi index --json` carries every key SPEC §10 names, highest index first."""
    data = index_json(compute_index(framework, VALUES, PRIORITIES, period="2025-Q2", draws=30))
    assert data["period"] == "2025-Q2"
    assert [p["id"] for p in data["framework"]["principles"]] == [
        "equity",
        "efficiency",
        "sustainability",
    ]
    assert set(data["framework"]["principles"][0]) >= {"id", "name_zh"}
    assert set(data["framework"]["indicators"][0]) >= {
        "id",
        "name_zh",
        "principle",
        "unit",
        "threshold",
        "target",
    }
    first = data["communities"][0]
    assert set(first) >= {
        "name", "index", "low", "high", "rank", "rank_low", "rank_high", "coverage", "voters",
        "weights", "principles", "indicators",
    }  # fmt: skip
    assert set(first["indicators"]["a"]) >= {"value", "score"}
    indexes = [c["index"] for c in data["communities"]]
    assert indexes == sorted(indexes, reverse=True)


# --- framework validation -------------------------------------------------------------------


def _one(**fields: object) -> str:
    base: dict[str, object] = {
        "id": "x1", "name_zh": "甲", "name_en": "A", "principle": "equity", "unit": "%",
        "source": "s", "threshold": 0.0, "target": 1.0,
    }  # fmt: skip
    base.update(fields)
    lines = ['principles = ["equity"]', "[[indicator]]"]
    for key, value in base.items():
        if value is None:
            continue
        literal = f'"{value}"' if isinstance(value, str) else str(value).lower()
        lines.append(f"{key} = {literal}")
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            _one(principle="efficiency"),
            "Indicator #1 ('x1') field 'principle': 'efficiency' is not one",
        ),
        (
            _one(principle="no_such"),
            "'no_such' is not one of the framework's principles (equity) and not in the taxonomy",
        ),
        (_one(target=0.0), "Indicator #1 ('x1') fields 'threshold' and 'target': equal"),
        (_one(unit=None), "Indicator #1 ('x1') field 'unit': missing required field"),
        # A 1–5 rating's threshold at 0: no value on the scale could ever score 0.
        (
            _one(unit="1–5", threshold=0.0, target=4.5),
            "Indicator #1 ('x1') field 'threshold': 0 is off the scale 1–5 named by its unit",
        ),
        (
            _one(unit="1-5", threshold=2.0, target=10.0),
            "Indicator #1 ('x1') field 'target': 10 is off the scale 1–5 named by its unit",
        ),
        (
            _one(unit="1–5", threshold=2.0, target=4.5, baseline=0.5),
            "Indicator #1 ('x1') field 'baseline': 0.5 is off the scale 1–5 named by its unit",
        ),
        (_one(colour="red"), "Indicator #1 ('x1') field 'colour': unknown field"),
        (_one(threshold="nan"), "field 'threshold'"),
        (_one(threshold=True), "field 'threshold'"),
        (_one(threshold="'5'"), "field 'threshold'"),
        (
            'principles = ["equity", "城乡建设"]\n' + _one().split("\n", 1)[1],
            "'城乡建设' is not a principle id",
        ),
        (
            'principles = ["equity", "efficiency"]\n' + _one().split("\n", 1)[1],
            "Principle 'efficiency' has no indicator",
        ),
        ("principles = [", "Not valid TOML"),
        ('principles = ["equity"]', "No [[indicator]] tables"),
    ],
)
def test_framework_errors_name_the_indicator_and_field(
    taxonomy: Taxonomy, text: str, expected: str
) -> None:
    """Each broken framework is refused with a message naming what is wrong and where."""
    text = text.replace('threshold = "nan"', "threshold = nan").replace(
        "threshold = \"'5'\"", 'threshold = "5"'
    )
    with pytest.raises(FrameworkError) as caught:
        parse_framework(text, taxonomy, name="f.toml")
    message = describe_error(caught.value, "en")
    assert expected in message
    assert message.startswith("Index framework f.toml: ")
    assert "f.toml" in describe_error(caught.value, "zh")


def test_duplicate_indicator_id_is_refused(taxonomy: Taxonomy) -> None:
    """A second indicator with the same id is named with the number of the first."""
    text = _one() + "\n" + "\n".join(_one(name_zh="乙").split("\n")[1:])
    with pytest.raises(FrameworkError) as caught:
        parse_framework(text, taxonomy)
    assert "Indicator #2 ('x1') field 'id': duplicate of indicator #1" in describe_error(
        caught.value, "en"
    )


@pytest.mark.parametrize("indicator_id", ["I-1", "H1.2", "AirQuality", "pm2_5"])
def test_indicator_ids_may_use_capitals_digits_dashes_and_dots(
    taxonomy: Taxonomy, indicator_id: str
) -> None:
    """SPEC §10 sets no form for an id: a letter, then letters, digits, `_`, `-`, `.`, is
    kept as written, and found again in another letter case (as `/rate --indicator` and a
    values CSV may type it)."""
    framework = parse_framework(_one(id=indicator_id), taxonomy)
    (indicator,) = framework.indicators
    assert indicator.id == indicator_id
    assert framework.indicator(indicator_id.swapcase()) is indicator
    values = parse_values_csv(
        f"community,indicator,period,value\n碧海社区,{indicator_id.swapcase()},2026,0.5\n".encode(),
        name="v.csv",
        framework=framework,
        communities=["碧海社区"],
    )
    assert [(v.indicator, v.value) for v in values] == [(indicator_id, 0.5)]


@pytest.mark.parametrize("indicator_id", ["a b", "-x", "2a", "空气", "x;y", ""])
def test_an_id_that_is_not_one_word_is_refused(taxonomy: Taxonomy, indicator_id: str) -> None:
    with pytest.raises(FrameworkError) as caught:
        parse_framework(_one(id=indicator_id), taxonomy)
    assert "field 'id'" in describe_error(caught.value, "en")


def test_ids_differing_only_in_case_are_duplicates(taxonomy: Taxonomy) -> None:
    text = _one(id="Air") + "\n" + "\n".join(_one(id="AIR", name_zh="乙").split("\n")[1:])
    with pytest.raises(FrameworkError) as caught:
        parse_framework(text, taxonomy)
    assert "duplicate of indicator #1" in describe_error(caught.value, "en")


def test_shipped_framework_is_valid(taxonomy: Taxonomy) -> None:
    """The example framework validates, covers the pilot themes and every principle it lists."""
    framework = parse_framework(SHIPPED.read_bytes(), taxonomy)
    ids = {i.id for i in framework.indicators}
    assert {"housing_cost_burden", "vacant_housing_rate", "transit_stop_coverage", "gp_per_10k",
            "primary_school_500m", "criminal_cases_per_1000", "pm25_annual",
            "services_online"} <= ids  # fmt: skip
    rated = [i for i in framework.indicators if i.unit == "1–5"]
    assert len(rated) >= 5
    assert all((i.threshold, i.target) == (2.0, 4.5) for i in rated)
    assert all(i.baseline is not None for i in framework.indicators)


# --- values CSV -----------------------------------------------------------------------------

COMMUNITIES = ["碧海社区", "汇展城社区"]


def test_values_csv_with_bom_and_full_width_digits(framework: Framework) -> None:
    """A UTF-8 file with BOM and CRLF (as Excel saves it) imports; full-width digits fold."""
    data = (
        "community,indicator,period,value\r\n"
        "碧海社区,a,2025-Q1,１２.５\r\n"
        "汇展城社区,d,2025,-3e1\r\n"
    )
    values = parse_values_csv(
        b"\xef\xbb\xbf" + data.encode("utf-8"),
        name="v.csv",
        framework=framework,
        communities=COMMUNITIES,
    )
    assert values == [V("碧海社区", "a", "2025-Q1", 12.5), V("汇展城社区", "d", "2025", -30.0)]


def test_values_csv_in_gbk(framework: Framework) -> None:
    """A GBK file (Excel on Chinese Windows) imports with its Chinese names intact."""
    data = "community,indicator,period,value\n汇展城社区,b,2025-07,33\n".encode("gbk")
    values = parse_values_csv(data, name="v.csv", framework=framework, communities=COMMUNITIES)
    assert values == [V("汇展城社区", "b", "2025-07", 33.0)]


def test_every_bad_row_is_reported_by_line_and_nothing_imported(framework: Framework) -> None:
    """Each kind of bad row is named with its line (header = 1, blank lines counted)."""
    rows = [
        "community,indicator,period,value",  # 1
        "碧海社区,a,2025-Q1,10",  # 2 good
        "",  # 3 blank
        "不存在,a,2025-Q1,10",  # 4
        "碧海社区,zz,2025-Q1,10",  # 5
        "碧海社区,b,2025-13,10",  # 6
        "碧海社区,b,2025Q1,10",  # 7
        "碧海社区,b,2025-Q1,abc",  # 8
        "碧海社区,c,2025-Q1,nan",  # 9
        "碧海社区,c,2025-Q1,1e999",  # 10
        "碧海社区,d,2025-Q1,=1+2",  # 11
        "碧海社区,a,2025-Q1,11",  # 12 duplicate of 2
        '"碧海社区","b","2025-Q1"',  # 13
    ]
    data = "\n".join(rows).encode("utf-8")
    with pytest.raises(ValuesError) as caught:
        parse_values_csv(data, name="v.csv", framework=framework, communities=COMMUNITIES)
    lines = [getattr(problem, "line", None) for problem in caught.value.problems]
    assert lines == [4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    message = describe_error(caught.value, "en")
    assert message.startswith("v.csv: 10 problems, nothing was imported:")
    assert "v.csv, line 4: unknown community “不存在”" in message
    assert "v.csv, line 10: value “1e999” is too large" in message
    assert "v.csv, line 12: same community, indicator and period as line 2" in message
    assert "v.csv 第 13 行：这一行有 3 列，表头有 4 列。" in describe_error(caught.value, "zh")


def test_a_quoted_cell_spanning_lines_is_reported_at_its_first_line(framework: Framework) -> None:
    """A row whose quoted cell runs over two lines is reported at the line it starts on."""
    data = 'community,indicator,period,value\n"碧海\n社区",a,2025,1\n汇展城社区,x,2025,1\n'.encode()
    with pytest.raises(ValuesError) as caught:
        parse_values_csv(data, name="v.csv", framework=framework, communities=COMMUNITIES)
    assert [getattr(p, "line", None) for p in caught.value.problems] == [2, 4]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "this is not a CSV file but a PNG image"),
        (b"PK\x03\x04\x14\x00", "an Excel workbook (.xlsx)"),
        (
            "community\tindicator\n".encode("utf-16"),
            "line 1: the header must be community,indicator,period,value",
        ),
        (b"community,indicator,period,value\n\x81\x20,a,2025,1\n", "neither UTF-8 nor GBK"),
        (b"", "the file is empty"),
        (b"name,kpi,when,value\n", "the header must be community,indicator,period,value"),
        (b"community,indicator,period,value\n", "no values after the header"),
    ],
)
def test_files_that_are_not_values_csv_are_named(
    framework: Framework, data: bytes, expected: str
) -> None:
    """Binary, UTF-16, undecodable, empty and wrong-header files get an error naming the file."""
    with pytest.raises(ValuesError) as caught:
        parse_values_csv(data, name="scores.png", framework=framework, communities=COMMUNITIES)
    message = describe_error(caught.value, "en")
    assert expected in message
    assert message.startswith("scores.png: 1 problem, nothing was imported: scores.png")


def test_values_of_a_nan_free_result_are_finite(framework: Framework) -> None:
    """Huge but finite values are scored (clamped), never turned into NaN or infinity."""
    values = [V("X", "a", "2025", 1e308), V("X", "b", "2025", -1e308)]
    result = compute_index(framework, values, {}, period="2025", draws=20)
    x = result.communities[0]
    assert x.indicators["a"].score == 100.0 and x.indicators["b"].score == 100.0
    assert x.index is not None and math.isfinite(x.index)


def test_a_name_typed_with_full_width_letters_maps_to_the_registered_name(
    framework: Framework,
) -> None:
    """A community typed with full-width letters and spaces imports under its registered name."""
    data = "community,indicator,period,value\n ＡＢ社区 ,a,2025,5\n".encode()
    values = parse_values_csv(data, name="v.csv", framework=framework, communities=["ＡＢ社区"])
    assert values == [V("ＡＢ社区", "a", "2025", 5.0)]


def test_select_periods_names_the_two_periods_to_load() -> None:
    """The latest period and the one before it are what a caller loads; none is an error."""
    assert select_periods(["2025-Q1", "2025-Q2", "2024-Q4"]) == ("2025-Q2", "2025-Q1")
    assert select_periods(["2025-Q1", "2025-Q2"], "2025-Q1") == ("2025-Q1", None)
    with pytest.raises(IndexInputError) as caught:
        select_periods([])
    assert describe_error(caught.value, "en").startswith("No indicator values yet")
    with pytest.raises(IndexInputError) as caught:
        select_periods(["2025"], "2025-13")
    assert "“2025-13” is not YYYY, YYYY-Qn or YYYY-MM" in describe_error(caught.value, "en")


# --- what the published report needs to be read honestly ------------------------------------


def test_a_change_across_different_coverage_is_flagged(framework: Framework) -> None:
    """X had values for a and b last quarter (coverage 2/4) and for all four now: its change
    compares two different indexes and says so; a community measured on the same indicators in
    both periods has a comparable change; one without a previous index has neither."""
    values = [*VALUES, V("Y", "a", "2025-Q1", 110), V("Y", "c", "2025-Q1", 50)]
    result = compute_index(framework, values, PRIORITIES, period="2025-Q2", draws=20)
    by = {c.name: c for c in result.communities}
    assert (by["X"].previous_coverage, by["X"].change_comparable) == (0.5, False)
    assert (by["Y"].previous_coverage, by["Y"].change_comparable) == (0.5, True)
    assert (by["Z"].previous_coverage, by["Z"].change_comparable) == (0.0, None)
    rows = {c["name"]: c for c in index_json(result)["communities"]}
    assert (rows["X"]["change_comparable"], rows["X"]["previous_coverage"]) == (False, 0.5)
    assert rows["Y"]["change_comparable"] is True and rows["Z"]["change_comparable"] is None
    assert rows["X"]["change"] == pytest.approx(430 / 7 - 35.0)  # the existing key stays


def test_a_same_coverage_over_other_indicators_is_not_comparable(framework: Framework) -> None:
    """Two of four indicators in both quarters, but not the same two: not comparable."""
    values = [*VALUES, V("Y", "b", "2025-Q1", 40), V("Y", "d", "2025-Q1", 20)]
    result = compute_index(framework, values, PRIORITIES, period="2025-Q2", draws=20)
    y = next(c for c in result.communities if c.name == "Y")
    assert y.coverage == y.previous_coverage == 0.5
    assert y.change is not None and y.change_comparable is False


def test_weights_used_spread_over_the_scored_principles_only(framework: Framework) -> None:
    """Y has no sustainability score: its weight (1/3) is not counted and equity and
    efficiency count 1/2 each, so Σ weight used · score is Y's index; likewise for every
    community and the city; the residents' weights themselves are unchanged."""
    result = compute_index(framework, VALUES, PRIORITIES, period="2025-Q2", draws=20)
    by = {c.name: c for c in result.communities}
    y = by["Y"]
    assert y.weights_used == pytest.approx(
        {"equity": 0.5, "efficiency": 0.5, "sustainability": None}
    )
    assert y.weights == pytest.approx({p: 1 / 3 for p in y.weights})
    for c in result.communities:
        used = c.weights_used
        assert c.index == pytest.approx(
            sum(w * (c.principles[p] or 0.0) for p, w in used.items() if w is not None)
        )
        assert sum(w for w in used.values() if w is not None) == pytest.approx(1.0)
    assert by["Z"].weights_used == {"equity": None, "efficiency": None, "sustainability": 1.0}
    assert index_json(result)["communities"][0]["weights_used"]["sustainability"] is None


def test_tables_list_the_ranked_by_rank_then_the_unranked(framework: Framework) -> None:
    """With min_coverage 0.75 only X is ranked; Y (75, unranked) has a higher index. The JSON
    stays sorted by index (SPEC); the order the human tables use puts X first."""
    result = compute_index(
        framework, VALUES, PRIORITIES, period="2025-Q2", min_coverage=0.75, draws=20,
        communities=["空社区"],
    )  # fmt: skip
    assert [c.name for c in result.communities] == ["Y", "X", "Z", "空社区"]
    assert [c["name"] for c in index_json(result)["communities"]] == ["Y", "X", "Z", "空社区"]
    assert [c.name for c in table_order(result)] == ["X", "Y", "Z", "空社区"]


def test_values_csv_columns_are_found_by_their_names(framework: Framework) -> None:
    """The four columns in any order and any letter case; a quarter typed 2025-q3 is 2025-Q3;
    a row ending in the separators of unused columns, like the header, is read."""
    data = "PERIOD,value,Indicator,community,,\n2025-q3,12,a,碧海社区,,\n2025-07,3,b,汇展城社区\n"
    values = parse_values_csv(
        data.encode(), name="v.csv", framework=framework, communities=COMMUNITIES
    )
    assert values == [V("碧海社区", "a", "2025-Q3", 12.0), V("汇展城社区", "b", "2025-07", 3.0)]


@pytest.mark.parametrize(
    "header",
    [
        "community,indicator,period,value,note",
        "community,indicator,value",
        "community,indicator,period,period",
        "community,community,indicator,period,value",
    ],
)
def test_a_header_with_a_column_too_many_or_missing_is_refused(
    framework: Framework, header: str
) -> None:
    """Exactly the four names are needed: an extra, a missing or a repeated one is refused at
    line 1 and nothing is imported."""
    data = f"{header}\n碧海社区,a,2025,1\n".encode()
    with pytest.raises(ValuesError) as caught:
        parse_values_csv(data, name="v.csv", framework=framework, communities=COMMUNITIES)
    assert [getattr(p, "line", None) for p in caught.value.problems] == [1]
    assert "the header must be community,indicator,period,value" in describe_error(
        caught.value, "en"
    )


@pytest.mark.parametrize(
    ("period", "value", "digits"),
    [
        ("2025", "①", "①"),  # circled one: NFKC made it 1
        ("2025", "1²", "²"),  # superscript two: NFKC made it 12
        ("2025", "𝟑𝟒", "𝟑𝟒"),  # mathematical digits: NFKC made them 34
        ("2025", "١٢", "١٢"),  # Arabic-Indic: refused as no number already, now named
        ("2025-Q①", "3", "①"),  # NFKC made it the quarter 2025-Q1
        ("２０２５-Q1", "3 ", None),  # full-width, as a Chinese input method types: read
    ],
)
def test_values_csv_reads_ascii_or_full_width_digits_only(
    framework: Framework, period: str, value: str, digits: str | None
) -> None:
    """A value or period is read with the digits every typed number is (bot/core/numbers.py):
    ASCII or full-width. Before, the cells were NFKC-folded, so a circled ① imported as the
    value 1, 1² as 12 and 2025-Q① as the first quarter, silently; now the row is refused
    naming the digits, and nothing is imported."""
    data = f"community,indicator,period,value\n碧海社区,a,{period},{value}\n".encode()
    if digits is None:
        [read] = parse_values_csv(data, name="v.csv", framework=framework, communities=COMMUNITIES)
        assert (read.period, read.value) == ("2025-Q1", 3.0)
        return
    with pytest.raises(ValuesError) as caught:
        parse_values_csv(data, name="v.csv", framework=framework, communities=COMMUNITIES)
    [problem] = caught.value.problems
    assert getattr(problem, "line", None) == 2
    message = describe_error(caught.value, "en")
    assert f"“{digits}” are not digits the bot reads" in message, message


def test_a_period_is_refused_until_it_begins_in_the_deployments_zone(framework: Framework) -> None:
    """At 01:00 on 1 April in Shanghai (still 31 March in UTC) the second quarter and April
    have begun and import; May, the third quarter and next year have not: each is named by
    its line, and nothing is imported."""
    shanghai = ZoneInfo("Asia/Shanghai")
    now = datetime(2026, 4, 1, 1, 0, tzinfo=shanghai)
    begun = "community,indicator,period,value\n碧海社区,a,2026-Q2,1\n碧海社区,a,2026-04,1\n"
    values = parse_values_csv(
        begun.encode(), name="v.csv", framework=framework, communities=COMMUNITIES, now=now
    )
    assert [v.period for v in values] == ["2026-Q2", "2026-04"]
    future = begun + "碧海社区,a,2026-05,1\n碧海社区,a,2026-Q3,1\n碧海社区,b,2027,1\n"
    with pytest.raises(ValuesError) as caught:
        parse_values_csv(
            future.encode(), name="v.csv", framework=framework, communities=COMMUNITIES, now=now
        )
    text = describe_error(caught.value, "en")
    for line, period in ((4, "2026-05"), (5, "2026-Q3"), (6, "2027")):
        assert f"v.csv, line {line}: period “{period}” has not begun yet" in text, text


def test_invisible_characters_pasted_into_cells_do_not_hide_a_match(framework: Framework) -> None:
    """A zero-width space after a name, a right-to-left mark before it, a zero-width joiner
    inside a period (text copied from a web page or a chat carries them) are not part of
    what the official typed: the rows import as the names, indicators and periods they
    show, instead of "unknown community “碧海社区”" naming what looks like a registered name."""
    data = (
        "community,indicator,period,value\n"
        "碧海社区\u200b,a,2025-Q1,1\n"
        "\u202e汇展城社区,a,2025-Q1,2\n"
        "碧海社区,\u2060a,2025\u200d-Q2,3\n"
    )
    values = parse_values_csv(
        data.encode(), name="v.csv", framework=framework, communities=COMMUNITIES
    )
    assert values == [
        V("碧海社区", "a", "2025-Q1", 1.0),
        V("汇展城社区", "a", "2025-Q1", 2.0),
        V("碧海社区", "a", "2025-Q2", 3.0),
    ]
