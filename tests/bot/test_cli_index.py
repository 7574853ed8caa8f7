"""`minyi index` as an operator runs it (SPEC §6, §10), each verb in its own process."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import settings_from_dict
from bot.core.base import open_core
from bot.core.indexing import published_index
from bot.render.index_report import render_html
from tests.bot.test_cli import minyi

FRAMEWORK = """
principles = ["participation", "equity"]

[[indicator]]
id = "voice"
name_zh = "意见被听取"
name_en = "Voice heard"
principle = "participation"
unit = "1–5"
source = "居民评分"
threshold = 2.0
target = 4.5

[[indicator]]
id = "rent"
name_zh = "租金负担"
name_en = "Rent burden"
principle = "equity"
unit = "%"
source = "统计局"
threshold = 50
target = 30
"""


def registered_config(
    tmp_path: Path, communities: Sequence[str] = ("碧海社区", "汇展城社区")
) -> Path:
    """A config on a fresh SQLite file with `communities` registered (chats -1, -2, …) and
    FRAMEWORK written to framework.toml beside it."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "{url}"\n[locale]\ndefault = "en"\n', encoding="utf-8")

    async def register() -> None:
        core = await open_core(
            settings_from_dict({"storage": {"url": url}}, environ={}), secret=b"k"
        )
        try:
            async with core.repo.transaction() as session:
                for n, name in enumerate(communities, start=1):
                    await session.set_community(-n, name, datetime.now(UTC))
        finally:
            await core.repo.close()

    asyncio.run(register())
    (tmp_path / "framework.toml").write_text(FRAMEWORK, encoding="utf-8")
    return config


def test_framework_import_and_json_follow_the_spec(tmp_path: Path) -> None:
    """A framework is stored, a GBK values file imported, and `--json` prints SPEC §10's shape
    with the figures worked out by hand."""
    config = registered_config(tmp_path)
    stored = minyi(config, "index", "framework", str(tmp_path / "framework.toml"))
    assert stored.returncode == 0, stored.stderr
    assert "2 principles, 2 indicators" in stored.stdout
    values = tmp_path / "values.csv"
    values.write_bytes(
        (
            "community,indicator,period,value\r\n"
            "碧海社区,voice,2026-Q1,3\r\n碧海社区,rent,2026-Q1,40\r\n"
            "汇展城社区,rent,2026-Q1,45\r\n"
        ).encode("gbk")
    )
    imported = minyi(config, "index", "import", str(values))
    assert imported.returncode == 0, imported.stderr
    assert "Imported 3 values (2026-Q1)" in imported.stdout
    done = minyi(config, "index", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["period"] == "2026-Q1"
    assert data["framework"]["principles"][0].keys() >= {"id", "name_zh"}
    assert set(data["framework"]["indicators"][0]) >= {
        "id", "name_zh", "principle", "unit", "threshold", "target"
    }  # fmt: skip
    first, second = data["communities"]
    assert set(first) >= {
        "name", "index", "low", "high", "rank", "rank_low", "rank_high", "coverage", "voters",
        "weights", "principles", "indicators",
    }  # fmt: skip
    # 碧海: voice (3 - 2) / 2.5 = 40, rent (40 - 50) / (30 - 50) = 50; equal weights: 45.
    assert (first["name"], first["index"], first["rank"]) == ("碧海社区", 45.0, 1)
    assert first["indicators"]["rent"] == {"value": 40.0, "score": 50.0, "previous": None}
    # 汇展城: rent 25 only; coverage 1/2 is enough for the default min_coverage 0.5.
    assert (second["name"], second["index"], second["coverage"], second["rank"]) == (
        "汇展城社区",
        25.0,
        0.5,
        2,
    )
    assert second["principles"] == {"participation": None, "equity": 25.0}
    table = minyi(config, "index")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == "Governance index 2026-Q1 (previous –)"
    # Columns line up by display width: the index column ends at the same place on each row.
    header, row1, row2 = lines[1:4]
    assert row1.split()[:3] == ["1", "碧海社区", "45.0"] and row2.split()[:3] == [
        "2",
        "汇展城社区",
        "25.0",
    ]
    from bot.render.widths import display_width

    assert display_width(row1[: row1.index("45.0") + 4]) == display_width(
        row2[: row2.index("25.0") + 4]
    )
    assert header.startswith("rank")


def test_a_bad_values_file_names_its_lines_and_imports_nothing(tmp_path: Path) -> None:
    """Every bad row is reported with its line; the index then still has no values."""
    config = registered_config(tmp_path)
    minyi(config, "index", "framework", str(tmp_path / "framework.toml"))
    values = tmp_path / "bad.csv"
    values.write_text(
        "community,indicator,period,value\n碧海社区,rent,2026-Q1,40\n"
        "碧海社区,rent,2026-Q5,40\n碧海社区,rent,2026-Q2,=1+1\n",
        encoding="utf-8",
    )
    done = minyi(config, "index", "import", str(values))
    assert done.returncode == 2
    assert "bad.csv: 2 problems, nothing was imported:" in done.stderr
    assert "bad.csv, line 3: period “2026-Q5” is not YYYY" in done.stderr
    assert "bad.csv, line 4: value “=1+1” is not a number" in done.stderr
    after = minyi(config, "index", "--json")
    assert after.returncode == 2 and "no indicator values yet" in after.stderr


def test_values_for_a_period_not_begun_are_refused_and_the_latest_stays_the_latest(
    tmp_path: Path,
) -> None:
    """A row for a quarter that has not begun (2099-Q1 typed for 2019-Q1, say) is refused by
    its line, and nothing is imported: before, it was stored, and `minyi index`, `/index` and
    the published report silently took that future quarter as the latest period. The
    quarter now under way is taken."""
    config = registered_config(tmp_path)
    minyi(config, "index", "framework", str(tmp_path / "framework.toml"))
    now = datetime.now(UTC)
    current = f"{now.year}-Q{(now.month - 1) // 3 + 1}"
    values = tmp_path / "future.csv"
    values.write_text(
        f"community,indicator,period,value\n碧海社区,rent,{current},40\n"
        "碧海社区,rent,2999-Q1,40\n碧海社区,voice,2999,4\n",
        encoding="utf-8",
    )
    done = minyi(config, "index", "import", str(values))
    assert done.returncode == 2, done.stdout
    assert "future.csv: 2 problems, nothing was imported:" in done.stderr
    assert "future.csv, line 3: period “2999-Q1” has not begun yet" in done.stderr
    assert "future.csv, line 4: period “2999” has not begun yet" in done.stderr
    values.write_text(
        f"community,indicator,period,value\n碧海社区,rent,{current},40\n", encoding="utf-8"
    )
    assert minyi(config, "index", "import", str(values)).returncode == 0
    shown = minyi(config, "index", "--json")
    assert json.loads(shown.stdout)["period"] == current


def test_a_value_off_its_indicators_scale_is_refused_by_its_line(tmp_path: Path) -> None:
    """An indicator whose unit is a scale ("1–5": residents' mean rating) takes values on it
    only: 45 typed for 4.5 and 0 are refused by their lines (before, they were clamped to
    a score of 100 or 0 without a word); the scale's ends import, and a unit that is no scale
    (`%`) takes any number."""
    config = registered_config(tmp_path)
    minyi(config, "index", "framework", str(tmp_path / "framework.toml"))
    values = tmp_path / "scale.csv"
    values.write_text(
        "community,indicator,period,value\n碧海社区,voice,2026-Q1,45\n"
        "汇展城社区,voice,2026-Q1,0\n碧海社区,voice,2025-Q4,5\n汇展城社区,voice,2025-Q4,1\n"
        "碧海社区,rent,2026-Q1,120\n",
        encoding="utf-8",
    )
    done = minyi(config, "index", "import", str(values))
    assert done.returncode == 2, done.stdout
    assert "scale.csv: 2 problems, nothing was imported:" in done.stderr
    assert "scale.csv, line 2: value “45” is off voice's scale 1–5" in done.stderr
    assert "scale.csv, line 3: value “0” is off voice's scale 1–5" in done.stderr
    values.write_text(
        "community,indicator,period,value\n碧海社区,voice,2025-Q4,5\n汇展城社区,voice,2025-Q4,1\n"
        "碧海社区,rent,2026-Q1,120\n",
        encoding="utf-8",
    )
    assert minyi(config, "index", "import", str(values)).returncode == 0


def test_report_writes_every_file_and_the_web_pages_get_the_same(tmp_path: Path) -> None:
    """`minyi index report --out` writes the HTML, PDF, CSV and charts; `published_index`
    gives the web pages the same figures, one community's page without the others."""
    config = registered_config(tmp_path)
    minyi(config, "index", "framework", str(tmp_path / "framework.toml"))
    values = tmp_path / "values.csv"
    values.write_text(
        "community,indicator,period,value\n碧海社区,rent,2026-Q1,40\n汇展城社区,rent,2026-Q1,45\n",
        encoding="utf-8",
    )
    minyi(config, "index", "import", str(values))
    out = tmp_path / "out"
    done = minyi(config, "index", "report", "--out", str(out))
    assert done.returncode == 0, done.stderr
    names = {p.name for p in out.iterdir()}
    assert {"index.html", "index.pdf", "index.csv", "index_city.png", "scorecard_1.png"} <= names
    assert (out / "index.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "index.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "碧海社区" in html and "汇展城社区" in html

    async def web() -> str:
        url = f"sqlite:///{tmp_path / 'm.db'}"
        core = await open_core(
            settings_from_dict({"storage": {"url": url}}, environ={}), secret=b"k"
        )
        try:
            found = await published_index(core)
        finally:
            await core.repo.close()
        assert found is not None
        result, voices = found
        assert [c.name for c in result.communities] == ["碧海社区", "汇展城社区"]
        return render_html(result, voices, community="汇展城社区")

    page = asyncio.run(web())
    assert "汇展城社区" in page and "碧海社区" not in page


THIRDS = (
    FRAMEWORK.replace(
        'principles = ["participation", "equity"]',
        'principles = ["participation", "equity", "transparency"]',
    )
    + """
[[indicator]]
id = "notices"
name_zh = "公示及时"
name_en = "Notices on time"
principle = "transparency"
unit = "%"
source = "街道办"
threshold = 0
target = 100
"""
)


def test_json_figures_are_not_cut_to_a_few_decimals(tmp_path: Path) -> None:
    """Weights and coverage in `--json` equal the SPEC §10 formulas to float precision (1/3,
    not 0.3333), so a reader recomputing them gets the same numbers."""
    config = registered_config(tmp_path)
    (tmp_path / "framework.toml").write_text(THIRDS, encoding="utf-8")
    assert minyi(config, "index", "framework", str(tmp_path / "framework.toml")).returncode == 0
    values = tmp_path / "values.csv"
    values.write_text(
        "community,indicator,period,value\n碧海社区,rent,2026-Q1,40\n碧海社区,voice,2026-Q1,3\n",
        encoding="utf-8",
    )
    assert minyi(config, "index", "import", str(values)).returncode == 0
    done = minyi(config, "index", "--json")
    assert done.returncode == 0, done.stderr
    bihai = json.loads(done.stdout)["communities"][0]
    assert bihai["name"] == "碧海社区"
    assert bihai["weights"] == pytest.approx(dict.fromkeys(bihai["weights"], 1 / 3), rel=1e-9)
    assert bihai["coverage"] == pytest.approx(2 / 3, rel=1e-9)
    # Equal weights over the two scored principles: (40 + 50) / 2.
    assert bihai["index"] == pytest.approx(45.0, rel=1e-9)


def test_values_in_any_column_order_and_a_lowercase_quarter_import(tmp_path: Path) -> None:
    """A sheet whose columns are in another order (named by the header) and whose quarter is
    typed in lower case (2026-q1) imports as `community,indicator,period,value` and 2026-Q1;
    a header with a column too many or one missing is refused at line 1, nothing imported."""
    config = registered_config(tmp_path)
    minyi(config, "index", "framework", str(tmp_path / "framework.toml"))
    extra = tmp_path / "extra.csv"
    extra.write_text(
        "value,period,community,indicator,note\n40,2026-Q1,碧海社区,rent,x\n", encoding="utf-8"
    )
    refused = minyi(config, "index", "import", str(extra))
    assert refused.returncode == 2
    assert "extra.csv, line 1: the header must be community,indicator,period,value" in (
        refused.stderr
    )
    missing = tmp_path / "missing.csv"
    missing.write_text("period,community,value\n2026-Q1,碧海社区,40\n", encoding="utf-8")
    refused = minyi(config, "index", "import", str(missing))
    assert refused.returncode == 2 and "missing.csv, line 1: the header must be" in refused.stderr
    assert "no indicator values yet" in minyi(config, "index", "--json").stderr
    values = tmp_path / "values.csv"
    values.write_text(
        "Value,period,community,INDICATOR\n40,2026-q1,碧海社区,rent\n4,2026-q1,汇展城社区,voice\n",
        encoding="utf-8",
    )
    done = minyi(config, "index", "import", str(values))
    assert done.returncode == 0, done.stderr
    shown = minyi(config, "index", "--json")
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert report["period"] == "2026-Q1"
    got = {c["name"]: c["indicators"] for c in report["communities"]}
    assert got["碧海社区"]["rent"]["value"] == 40
    assert got["汇展城社区"]["voice"]["value"] == 4
