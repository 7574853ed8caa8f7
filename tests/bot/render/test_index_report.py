"""The published index report: offline bilingual HTML, CSV safe for spreadsheets, PDF, PNGs."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.core.index.compute import (
    CommunityVoices,
    IndexResult,
    PrincipleVoice,
    Priorities,
    compute_index,
)
from bot.core.index.framework import parse_framework
from bot.core.index.values import IndicatorValue
from bot.render.index_report import (
    city_chart_figure,
    city_chart_png,
    pdf_data,
    principles_chart_png,
    render_csv,
    render_html,
    render_pdf,
    scorecard_png,
    write_report,
)
from bot.render.texts import Lang, say
from nlp.taxonomy import load_taxonomy

FRAMEWORK = """
principles = ["equity", "efficiency"]

[[indicator]]
id = "rent"
name_zh = "住房支出占收入比例"
name_en = "Housing cost share"
principle = "equity"
unit = "%"
source = "住户调查"
threshold = 50.0
target = 30.0

[[indicator]]
id = "online"
name_zh = "全程网办比例"
name_en = "Services fully online"
principle = "efficiency"
unit = "%"
source = "事项清单"
threshold = 50.0
target = 100.0
"""
HOSTILE = '=HYPERLINK("http://evil.example","点我")'
PERIOD = "2025-Q3"


def _values(period: str, rent_bihai: float) -> list[IndicatorValue]:
    return [
        IndicatorValue("碧海社区", "rent", period, rent_bihai),
        IndicatorValue("碧海社区", "online", period, 75.0),
        IndicatorValue("汇展城社区", "rent", period, 45.0),
        IndicatorValue("汇展城社区", "online", period, 100.0),
        IndicatorValue(HOSTILE, "online", period, 60.0),
    ]


@pytest.fixture(scope="module")
def result() -> IndexResult:
    """碧海: rent 35 -> (35-50)/(30-50) = 75, online 75 -> 50; votes equity 2, efficiency 0 ->
    weights 3/4, 1/4 -> index 0.75·75 + 0.25·50 = 68.75. 汇展城: rent 45 -> 25, online 100 ->
    100, equal weights -> 62.5. The hostile name: online 60 -> 20, coverage 1/2."""
    framework = parse_framework(FRAMEWORK, load_taxonomy())
    values = _values("2025-Q2", 40.0) + _values(PERIOD, 35.0)
    priorities = {"碧海社区": Priorities({"equity": 2}, voters=2)}
    return compute_index(framework, values, priorities, period=PERIOD, draws=200, seed=5)


VOICES = {
    "碧海社区": CommunityVoices(
        answers=12,
        principles={
            "equity": PrincipleVoice(
                0.5, 6, ["房租太贵了", "<script>alert(1)</script>", '#panic("injected")']
            )
        },
    )
}


def test_the_hand_computed_index_is_what_the_report_shows(result: IndexResult) -> None:
    """The fixture's indexes are the hand-computed ones, so the report tests check real figures."""
    by = {c.name: c for c in result.communities}
    assert by["碧海社区"].index == pytest.approx(68.75)
    assert by["汇展城社区"].index == pytest.approx(62.5)
    assert by["碧海社区"].change == pytest.approx(68.75 - (0.75 * 50 + 0.25 * 50))


def test_html_is_bilingual_self_contained_and_escaped(result: IndexResult) -> None:
    """Every community and both languages are on the page, nothing is loaded from elsewhere,
    and residents' quotes and community names are shown as text, never as markup."""
    page = render_html(result, VOICES)
    for community in result.communities:
        assert f">{_escaped(community.name)}<" in page
    assert "计算方法" in page and "How the index is computed" in page
    assert "68.8" in page and "62.5" in page
    assert "房租太贵了" in page and "50%" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(|src=", page, re.I)
    assert not re.search(r"https?://(?!evil\.example)", page)  # only inside the escaped name
    # The published file opens showing both languages, whoever opens it.
    assert '<html lang="zh-CN">' in page and 'id="l-both" checked' in page


def _escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def test_csv_has_bom_figures_and_no_live_formula(result: IndexResult) -> None:
    """The CSV starts with a BOM, carries the figures, and a name that is a formula is text."""
    data = render_csv(result)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    by = {r["community"]: r for r in rows}
    assert float(by["碧海社区"]["index"]) == pytest.approx(68.75)
    assert float(by["碧海社区"]["score:rent"]) == pytest.approx(75.0)
    assert by["碧海社区"]["rank"] == "1"
    assert by["'" + HOSTILE]["rank"] == "3"  # coverage 1/2 meets min_coverage 0.5
    assert all(not r["community"].startswith(("=", "+", "-", "@")) for r in rows)


def test_pdf_is_a4_with_pages_and_quotes_are_not_run(result: IndexResult) -> None:
    """The PDF is a valid PDF with pages and the communities' names (in its outline); a quote
    written as Typst code (`#panic(...)`) is printed, not run."""
    pdf = render_pdf(result, VOICES)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\s*/Count\s+(\d+)", pdf)]
    assert counts and max(counts) >= 1
    assert b"/MediaBox[0 0 595.2" in pdf.replace(b" [", b"[")
    for name in ("碧海社区", "汇展城社区"):
        assert name.encode("utf-16-be").hex().upper().encode() in pdf


def test_values_and_scores_read_the_same_in_html_and_pdf() -> None:
    """A value that is a mean (57/14 of a rating round, here 10 times that) is shown to two
    decimals like an imported one, not as 40.7143, its change likewise (+0.71, not +0.714);
    and a score reads the same in the PDF as on the page: 50.0 in both, not 50 in the PDF."""
    framework = parse_framework(FRAMEWORK, load_taxonomy())
    values = [
        IndicatorValue("碧海社区", "rent", "2025-Q2", 40.0),
        IndicatorValue("碧海社区", "rent", PERIOD, 570 / 14),
        IndicatorValue("碧海社区", "online", PERIOD, 75.0),
    ]
    result = compute_index(framework, values, {}, period=PERIOD, draws=50, seed=1)
    page = render_html(result, {})
    assert "<b>40.71</b> %" in page and "(+0.71)" in page
    assert "40.714" not in page and "+0.714" not in page
    card = pdf_data(result, {})["cards"][0]
    rent, online = card["indicators"]
    assert (rent["value"], rent["previous"]) == ("40.71", "40")
    # rent (40.71 - 50) / (30 - 50) = 46.4; online (75 - 50) / 50 = 50.0; as on the page.
    assert (rent["score_text"], online["score_text"]) == ("46.4", "50.0")
    assert "<small>46.4</small>" in page and "<small>50.0</small>" in page
    principles = {p["en"]: p["score_text"] for p in card["principles"]}
    assert principles == {"Equity": "46.4", "Efficiency": "50.0"}
    assert render_pdf(result, {}).startswith(b"%PDF-")


def test_an_unranked_community_says_why_in_both_languages(result: IndexResult) -> None:
    """With min_coverage 0.6 the hostile name (coverage 1/2) gets no rank: the page's scorecard
    and the PDF (table and scorecard) say so in Chinese and English, and why."""
    framework = parse_framework(FRAMEWORK, load_taxonomy())
    strict = compute_index(
        framework, _values(PERIOD, 35.0), {}, period=PERIOD, min_coverage=0.6, draws=50, seed=1
    )
    unranked = next(c for c in strict.communities if c.name == HOSTILE)
    assert unranked.rank is None
    why = ("覆盖率 50% 低于 60%，不参与排名", "coverage 50% is below 60%, so no rank")
    page = render_html(strict, {})
    assert page.count(why[0]) == 1 and page.count(why[1]) == 1
    data = pdf_data(strict, {})
    rows = {c["name"]: c for c in data["communities"]}
    assert rows[HOSTILE]["unranked_why"] == list(why)
    assert rows["碧海社区"]["unranked_why"] is None
    assert data["texts"]["unranked"] == ["未排名", "unranked"]
    assert render_pdf(strict, {}).startswith(b"%PDF-")


def test_city_chart_marks_the_unranked_and_draws_dots_at_100_whole() -> None:
    """A community without a rank is labelled so on the city chart (its grey dot alone said
    nothing), and a dot at 100 is drawn whole, not cut in half by the frame."""
    framework = parse_framework(FRAMEWORK, load_taxonomy())
    values = [
        IndicatorValue("碧海社区", "rent", PERIOD, 35.0),
        IndicatorValue("碧海社区", "online", PERIOD, 75.0),
        IndicatorValue("东角头社区", "online", PERIOD, 100.0),
    ]
    strict = compute_index(framework, values, {}, period=PERIOD, min_coverage=0.6, draws=50, seed=1)
    fig = city_chart_figure(strict)
    (ax,) = fig.axes
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels == ["东角头社区（未排名 unranked）", "碧海社区"]
    from matplotlib.collections import PathCollection

    dots = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert dots and not any(c.get_clip_on() for c in dots)


def test_sources_say_which_way_each_indicator_is_better(result: IndexResult) -> None:
    """Rent (target 30 below threshold 50) is marked lower-is-better and online higher-is-better
    in the sources table of both the page and the PDF, so no reader has to work it out from
    the two reference values."""
    page = render_html(result, {})
    sources = page[page.index("指标与数据来源") :]
    rent, online = sources.index("住房支出占收入比例"), sources.index("全程网办比例")
    assert "越低越好" in sources[rent:online] and "lower is better" in sources[rent:online]
    assert "越高越好" in sources[online:] and "higher is better" in sources[online:]
    rows = pdf_data(result, {})["sources"]
    assert [r["direction"] for r in rows] == [
        ["↓ 越低越好", "lower is better"],
        ["↑ 越高越好", "higher is better"],
    ]
    assert render_pdf(result, {}, scorecards=False).startswith(b"%PDF-")


def test_a_principle_nobody_mentioned_reads_the_same_in_html_and_pdf(result: IndexResult) -> None:
    """A principle no answer mentioned says "no answers about it this period" in the PDF too,
    not a bare "0% 的回答提到" with nothing after it (the page already said the former)."""
    voices = {
        "碧海社区": CommunityVoices(
            answers=12,
            principles={
                "equity": PrincipleVoice(0.5, 6, ["房租太贵了"]),
                "efficiency": PrincipleVoice(0.0),
            },
        )
    }
    card = next(c for c in pdf_data(result, voices)["cards"] if c["name"] == "碧海社区")
    shares = {p["en"]: p["share"] for p in card["principles"]}
    assert shares == {"Equity": "50%", "Efficiency": None}
    page = render_html(result, voices, community="碧海社区")
    assert page.count("no answers about it this period") == 1


def test_large_and_tiny_values_are_written_out() -> None:
    """A population of 1,234,567 is not printed as 1.235e+06, and 0.004 is not rounded to 0."""
    from bot.render.index_report import _fmt_value

    assert _fmt_value(1234567.0) == "1234567"
    assert _fmt_value(0.004) == "0.004"
    assert _fmt_value(-0.3) == "-0.3"
    assert _fmt_value(None) == "–"


def _pages(pdf: bytes) -> int:
    return max(int(n) for n in re.findall(rb"/Type\s*/Pages\s*/Count\s+(\d+)", pdf))


def test_pdf_without_scorecards_keeps_the_city_table(result: IndexResult) -> None:
    """Leaving the scorecards out drops exactly their pages (one per community) and outline."""
    full = render_pdf(result, VOICES)
    lean = render_pdf(result, VOICES, scorecards=False)
    assert _pages(full) - _pages(lean) == len(result.communities)
    for name in ("碧海社区", "汇展城社区"):
        assert name.encode("utf-16-be").hex().upper().encode() not in lean  # no outline entry
    assert lean.startswith(b"%PDF-")


def test_charts_are_png(result: IndexResult) -> None:
    """The city chart and a scorecard are PNG images."""
    assert city_chart_png(result).startswith(b"\x89PNG\r\n\x1a\n")
    assert scorecard_png(result, result.communities[0]).startswith(b"\x89PNG\r\n\x1a\n")


def test_charts_draw_names_with_dollar_signs_as_typed() -> None:
    """A community named with `$` (which matplotlib reads as mathtext between two of them) is
    drawn as typed on the city chart and its scorecard: `$x^$` once failed the chart, and so
    `minyi index report`, `/index` and the scorecards posted to the groups."""
    names = ["$x^$", r"$\frac$", "a$b$c"]
    framework = parse_framework(FRAMEWORK, load_taxonomy())
    values = [
        IndicatorValue(name, indicator, PERIOD, 40.0 + number)
        for number, name in enumerate(names)
        for indicator in ("rent", "online")
    ]
    dollars = compute_index(framework, values, {}, period=PERIOD, draws=50, seed=5)
    assert city_chart_png(dollars).startswith(b"\x89PNG\r\n\x1a\n")
    assert principles_chart_png(dollars).startswith(b"\x89PNG\r\n\x1a\n")
    for community in dollars.communities:
        assert scorecard_png(dollars, community).startswith(b"\x89PNG\r\n\x1a\n")


def test_write_report_writes_every_file(result: IndexResult, tmp_path: Path) -> None:
    """The report directory gets index.html, index.pdf, index.csv, the charts and scorecards."""
    files = write_report(result, tmp_path / "out", VOICES, scorecards=True)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [
        "index.csv",
        "index.html",
        "index.pdf",
        "index_city.png",
        "index_principles.png",
        "scorecard_1.png",
        "scorecard_2.png",
        "scorecard_3.png",
    ]
    assert files.html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_write_report_replaces_a_link_planted_in_the_folder(
    result: IndexResult, tmp_path: Path
) -> None:
    """A symbolic link left in a shared `--out` folder under a report file's name is replaced
    by the report; the file it pointed to (the operator's own) is left as it was."""
    out = tmp_path / "shared"
    out.mkdir()
    victim = tmp_path / "bashrc"
    victim.write_text("export PATH\n", encoding="utf-8")
    for name in ("index.html", "index.csv", "index.pdf", "index_city.png", "scorecard_1.png"):
        (out / name).symlink_to(victim)
    write_report(result, out, VOICES, scorecards=True)
    assert victim.read_text(encoding="utf-8") == "export PATH\n"
    assert not any(p.is_symlink() for p in out.iterdir())
    assert (out / "index.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (out / "scorecard_1.png").read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


# --- read honestly: changes over other indicators, weights used, the unranked below ---------


@pytest.fixture(scope="module")
def grown() -> IndexResult:
    """碧海 had only rent last quarter (coverage 50%, index 50: rent 40 -> 50) and both now
    (68.75): its +18.75 compares two different measures. 汇展城 had both in both quarters."""
    framework = parse_framework(FRAMEWORK, load_taxonomy())
    before = [
        v for v in _values("2025-Q2", 40.0) if (v.community, v.indicator) != ("碧海社区", "online")
    ]
    values = before + _values(PERIOD, 35.0)
    priorities = {"碧海社区": Priorities({"equity": 2}, voters=2)}
    return compute_index(framework, values, priorities, period=PERIOD, draws=50, seed=1)


FLAG = ("覆盖率不同", "different coverage")


def test_a_change_over_different_coverage_is_flagged_in_every_format(grown: IndexResult) -> None:
    """碧海's change is marked "different coverage" beside the figure on the page (city table
    and scorecard), in the PDF (table and scorecard), the text table (Telegram, terminal) and
    the scorecard image; 汇展城's comparable change is not marked."""
    from bot.render.index_report import scorecard_figure
    from bot.render.index_text import index_table

    by = {c.name: c for c in grown.communities}
    assert by["碧海社区"].change == pytest.approx(18.75)
    assert by["碧海社区"].change_comparable is False
    page = render_html(grown, {})
    # the method says what the mark means; then the city table and 碧海's scorecard
    assert page.count(FLAG[0]) == 3 and page.count(FLAG[1]) == 3
    card = render_html(grown, {}, community="汇展城社区")
    card = card[card.index('class="card"') :]
    assert FLAG[0] not in card and FLAG[1] not in card and "+0.0" in card
    rows = {c["name"]: c for c in pdf_data(grown, {})["communities"]}
    assert rows["碧海社区"]["change_note"] == list(FLAG)
    assert rows["汇展城社区"]["change_note"] is None
    assert render_pdf(grown, {}).startswith(b"%PDF-")
    zh, en = index_table(grown, "zh"), index_table(grown, "en")
    line = next(x for x in zh.splitlines() if "碧海社区" in x)
    assert "+18.8" in line and FLAG[0] in line
    assert FLAG[0] not in next(x for x in zh.splitlines() if "汇展城社区" in x)
    assert FLAG[1] in next(x for x in en.splitlines() if "碧海社区" in x)
    fig = scorecard_figure(grown, by["碧海社区"])
    assert FLAG[0] in fig.get_suptitle() and FLAG[1] in fig.get_suptitle()


def test_scorecards_show_the_weight_each_principle_carries(result: IndexResult) -> None:
    """The hostile name has only an efficiency score: efficiency carries 100% of its index and
    equity is not counted, on the page, in the PDF and in the image; 碧海's 75% and 25% (both
    scored) add up, with its scores, to the 68.75 shown."""
    from bot.render.index_report import scorecard_figure

    hostile = next(c for c in result.communities if c.name == HOSTILE)
    assert hostile.weights == pytest.approx({"equity": 0.5, "efficiency": 0.5})
    number = [c.name for c in result.communities].index(HOSTILE)
    page = render_html(result, {}, community=HOSTILE)
    card = page[page.index(f'id="c{number}"') :]
    assert "不计入" in card and "not counted" in card
    assert "<td class='n'>100.0%<" in card and "<td class='n'>50%" not in card
    cards = {c["name"]: c for c in pdf_data(result, {})["cards"]}
    weights = {p["en"]: p["weight"] for p in cards[HOSTILE]["principles"]}
    assert weights == {"Equity": None, "Efficiency": "100.0%"}
    assert {p["en"]: p["weight"] for p in cards["碧海社区"]["principles"]} == {
        "Equity": "75.0%",
        "Efficiency": "25.0%",
    }
    texts = [t.get_text() for t in scorecard_figure(result, hostile).axes[0].texts]
    assert any("不计入" in x for x in texts) and any("100.0%" in x for x in texts)
    # the score to one decimal, as on the page, so weight × score gives back the index
    assert "20.0  (w 100.0%)" in texts


def test_the_unranked_are_listed_after_the_ranked_under_a_heading() -> None:
    """An unranked community with the highest index (东角头, coverage 50% < 60%) is listed after
    the two ranked ones (tied at rank 1), under a row saying why, in the page, the PDF and the
    text table; the scorecards follow the table's order."""
    from bot.render.index_text import index_table

    framework = parse_framework(FRAMEWORK, load_taxonomy())
    values = [*_values(PERIOD, 35.0), IndicatorValue("东角头社区", "online", PERIOD, 100.0)]
    strict = compute_index(framework, values, {}, period=PERIOD, min_coverage=0.6, draws=50, seed=1)
    assert strict.communities[0].name == "东角头社区"  # the JSON order: by index
    heading = "未排名：覆盖率低于 60%"
    page = render_html(strict, {})
    table = page[page.index("各社区指数") : page.index("社区评分卡")]
    order = [table.index(n) for n in ("汇展城社区", "碧海社区", heading, "东角头社区")]
    assert order == sorted(order) and table.count(heading) == 1
    assert "coverage below 60%" in table
    data = pdf_data(strict, {})
    assert [c["name"] for c in data["communities"]] == [
        "汇展城社区",
        "碧海社区",
        "东角头社区",
        HOSTILE,
    ]
    assert data["first_unranked"] == 2
    assert render_pdf(strict, {}).startswith(b"%PDF-")
    langs: tuple[tuple[Lang, str], ...] = (("zh", heading), ("en", "unranked: coverage below 60%"))
    for lang, words in langs:
        lines = index_table(strict, lang).splitlines()
        at = [
            next(i for i, x in enumerate(lines) if k in x)
            for k in ("汇展城社区", "碧海社区", words, "东角头社区")
        ]
        assert at == sorted(at)
    # the first scorecard on the page is rank 1's, and its anchor is the table's first link
    assert page.index('id="c0"><h3 id="c0-name">汇展城社区') > 0


def test_the_digest_line_flags_a_change_over_different_coverage(grown: IndexResult) -> None:
    """The digest names the largest changes; 碧海's +18.8 says it is over different coverage."""
    from bot.core.indexing import index_changes
    from bot.render.index_text import index_digest_line

    news = index_changes(grown, most=3)
    zh, en = index_digest_line(news, "zh"), index_digest_line(news, "en")
    assert "碧海社区 68.8（+18.8，覆盖率不同）" in zh
    assert "碧海社区 68.8 (+18.8, different coverage)" in en
    assert "汇展城社区 62.5（+0.0）" in zh


def test_csv_says_which_changes_are_not_like_for_like_after_its_columns(
    grown: IndexResult,
) -> None:
    """The CSV keeps its columns in their places and appends `previous_coverage` and
    `change_comparable` (true/false; empty without a change); it has one row per community,
    no city row (a spreadsheet would count it as a community)."""
    rows = list(csv.reader(io.StringIO(render_csv(grown).decode("utf-8-sig"))))
    header = rows[0]
    assert header[:12] == [
        "period", "rank", "community", "index", "low", "high", "rank_low", "rank_high",
        "coverage", "voters", "previous_index", "change",
    ]  # fmt: skip
    assert header[-2:] == ["previous_coverage", "change_comparable"]
    by = {r[2]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert set(by) == {"碧海社区", "汇展城社区", "'" + HOSTILE}
    assert (by["碧海社区"]["previous_coverage"], by["碧海社区"]["change_comparable"]) == (
        "0.5",
        "false",
    )
    assert by["汇展城社区"]["change_comparable"] == "true"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_chat_table_names_its_columns_as_the_report_does(lang: Lang) -> None:
    """/index's table in chat and the index report head their columns alike: the column of
    how many people voted read "投票" (votes) in the Chinese table, "投票人数" in the report."""
    header = say("index_table_header", lang).split("|")
    keys = ["rank", "community", "index", "interval", "coverage", "voters", "change"]
    assert [h.casefold() for h in header] == [say(f"ix_{k}", lang).casefold() for k in keys]


def test_html_for_one_reader_opens_in_their_language(result: IndexResult) -> None:
    """The web pages' copy for an English reader opens in English (its switch set to English,
    the page's language and title English); the other language is still on the page, a tap
    on the switch away. A Chinese reader's copy opens in Chinese."""
    english = render_html(result, VOICES, lang="en")
    assert '<html lang="en">' in english and 'id="l-en" checked' in english
    assert 'id="l-both" checked' not in english
    assert "<title>Smart Cities and Social Governance Index" in english
    assert "计算方法" in english and "How the index is computed" in english
    chinese = render_html(result, VOICES, lang="zh")
    assert '<html lang="zh-CN">' in chinese and 'id="l-zh" checked' in chinese
    assert (
        "<title>智慧城市与社会治理指数" in chinese
        and "Smart Cities" not in chinese.split("</title>")[0]
    )


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
def test_a_principles_share_of_answers_reads_in_both_languages_in_the_pdf(
    result: IndexResult, tmp_path: Path
) -> None:
    """The PDF scorecard's "what residents said" says "50% 的回答提到 / of answers mention it",
    bilingual like every other line of the card (the English half was missing)."""
    pdf = tmp_path / "index.pdf"
    pdf.write_bytes(render_pdf(result, VOICES))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "50% 的回答提到 / of answers mention it" in flat, flat[:2000]
