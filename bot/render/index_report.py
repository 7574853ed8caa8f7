"""The published governance index (SPEC §10): HTML, PDF, CSV and chart PNGs.

Input is plain data: an `IndexResult` from bot/core/index/ and, per community, what its
residents said in the period's rounds (`CommunityVoices`: the share of answers tagged with each
principle and two or three representative anonymous quotes, already redacted and masked by
bot/core/reports.py `show_quote`). The caller reads those from its reports; nothing here
touches storage or a channel.

- `index.html`: one bilingual page that opens offline: no script, no font, image or style from
  anywhere else; bars are drawn with CSS. A CSS-only switch shows Chinese, English or both:
  the published file opens on both; the web pages' copy (`lang`) on the reader's language.
- `index.pdf`: A4 through Typst (the `typst` package from PyPI: a self-contained compiler in
  one wheel, no system libraries, where WeasyPrint needs Pango from the system). The data goes
  in as one JSON input that the template reads, never spliced into Typst markup, so a quote
  such as `#read("/etc/passwd")` is printed as text, not run.
- `index.csv`: UTF-8 with BOM (Excel on Windows reads it as UTF-8), every cell through
  `bot.core.csvfiles.safe_cell` (OWASP: text a spreadsheet could evaluate gets an apostrophe;
  numbers stay numbers).
- charts: the city chart (every community's index with its interval) and the city's principle
  scores; a scorecard PNG per community (`scorecard_png`, also what `/index` sends) is written
  only when asked, because matplotlib needs a few tenths of a second per image.
  Every text is drawn as typed (`parse_math=False`): a `$` in a name is no mathtext.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.csvfiles import safe_cell

# The report's input records belong to the core (it fills them); importable from here too.
from bot.core.index.compute import (
    CommunityResult,
    CommunityVoices,
    IndexResult,
    PrincipleVoice,
    table_order,
)
from bot.core.index.framework import Framework, Indicator
from bot.render.drawing import one_at_a_time
from bot.render.files import write_file, write_text
from bot.render.texts import TEMPLATES, Lang, fill

if TYPE_CHECKING:
    from matplotlib import font_manager
    from matplotlib.figure import Figure

#: At most this many communities are labelled by name in the city chart; above it the chart
#: shows the shape of the distribution (every community a dot with its interval), unlabelled.
CITY_CHART_LABELS = 40


@dataclass(frozen=True)
class ReportFiles:
    """The files one report wrote."""

    html: Path
    pdf: Path
    csv: Path
    charts: list[Path]


# The report's texts live with every other user-facing text in bot/render/texts.py, under
# `ix_<key>`; the report prints both languages at once, so it reads the (Chinese, English) pair.
TEXT_KEYS: tuple[str, ...] = (
    "title",
    "period",
    "previous",
    "none",
    "method",
    "method_1",
    "method_2",
    "method_3",
    "method_4",
    "method_5",
    "method_6",
    "city_table",
    "city",
    "rank",
    "community",
    "index",
    "interval",
    "rank_range",
    "coverage",
    "voters",
    "change",
    "unranked",
    "unranked_group",
    "no_values_group",
    "no_values_why",
    "not_counted",
    "weight_note",
    "scorecard",
    "principle",
    "weight",
    "score",
    "residents_said",
    "of_answers",
    "no_voices",
    "indicator",
    "value",
    "threshold",
    "target",
    "no_data",
    "sources",
    "unit",
    "direction",
    "source",
    "baseline",
    "show",
    "both",
    "answers",
    "city_chart",
    "principles_chart",
)


def t(key: str, **fields: object) -> tuple[str, str]:
    """A report text in Chinese and English, with fields filled in."""
    zh, en = TEMPLATES[f"ix_{key}"]
    return fill(zh, **fields), fill(en, **fields)


def _fmt(x: float | None, digits: int = 1) -> str:
    if x is None or math.isnan(x):
        return "–"
    return f"{x:.{digits}f}"


def _interval_text(low: float | None, high: float | None) -> str:
    """`37.8–85.0`, or one dash for a community without an interval (not `–––`)."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return "–"
    return f"{_fmt(low)}–{_fmt(high)}"


def _fmt_value(x: float | None) -> str:
    """An indicator value (or a reference value, or a change) as a reader expects it: at most
    two decimals, trailing zeros dropped (34.87, 4.07 for a mean rating of 57/14, 3.8, 50),
    written out in full (1234567, never 1.235e+06); a value too small for two decimals keeps
    two significant digits (0.004), so it is not shown as 0."""
    if x is None or math.isnan(x):
        return "–"
    shown = round(x, 2)
    if shown == 0 and x != 0:
        return f"{x:.2g}"
    text = f"{shown:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _change(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:+.1f}"


def change_note(c: CommunityResult) -> tuple[str, str] | None:
    """Why the change is not like for like ("different coverage", or "different indicators"
    when as many but other indicators had a value), or None when it is (or there is none)."""
    if c.change_comparable is not False:
        return None
    same = c.previous_coverage is not None and abs(c.previous_coverage - c.coverage) < 1e-9
    return t("change_other_indicators" if same else "change_other_coverage")


def _weight(used: float | None) -> str | None:
    """A weight in the index as shown (one decimal: 57.1% · 57.5 + 28.6% · 100 gives back the
    61.4 shown, where 57% and 29% would give 61.8); None for a principle not counted."""
    return None if used is None else f"{used:.1%}"


def _nominal(c_weight: float, used: float | None) -> str | None:
    """The residents' weight, when it differs from the weight in the index."""
    if used is not None and abs(used - c_weight) < 1e-9:
        return None
    return f"{c_weight:.0%}"


# --- HTML -----------------------------------------------------------------------------------

STYLE_SHEET = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
 sans-serif;margin:0;color:#1d2733;background:#f6f7f9;line-height:1.5}
.report{max-width:1100px;margin:0 auto;padding:16px}
h1,h2,h3{overflow-wrap:anywhere}
h1{font-size:1.6em;margin:.2em 0}h2{margin-top:1.6em;border-bottom:2px solid #2b7bba}
.en{color:#55606e;font-size:.92em}
span.en::before{content:" · "}h1 span.en::before,h2 span.en::before,h3 span.en::before,
 th span.en::before{content:""}.switch span.en::before{content:" / "}
h1 .en,h2 .en,h3 .en,th .en{display:block}
#l-zh:checked~* .en{display:none}#l-en:checked~* .zh{display:none}
#l-en:checked~* span.en::before{content:""}
#l-en:checked~* .en{color:inherit;font-size:inherit}
.switch{position:sticky;top:0;background:#fff;padding:6px 16px;border-bottom:1px solid #ddd;
 z-index:2}
input[name=lang]{position:absolute;opacity:0}
label{cursor:pointer;text-decoration:underline}
#l-both:checked~.switch [for=l-both],#l-zh:checked~.switch [for=l-zh],
 #l-en:checked~.switch [for=l-en]{font-weight:700;text-decoration:none}
#l-both:focus-visible~.switch [for=l-both],#l-zh:focus-visible~.switch [for=l-zh],
 #l-en:focus-visible~.switch [for=l-en]{outline:3px solid #0b4f8a;outline-offset:2px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.92em}
.wide{overflow-x:auto;max-width:100%}.wide:focus-visible{outline:3px solid #0b4f8a}
th,td{padding:4px 6px;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
th{background:#eef2f6;font-weight:600}tbody th{background:none;font-weight:inherit}
tbody th .en{display:inline}tbody th span.en::before{content:" · "}
td.n{text-align:right;white-space:nowrap}
.bar{position:relative;height:12px;background:#e9edf1;border-radius:6px;min-width:120px}
.bar svg,.iv svg{display:block;overflow:visible}
.bar rect{fill:#2b7bba}
.iv{position:relative;height:12px;min-width:160px;background:#f0f2f5}
.iv .range{fill:#9fc3e2}.iv .point{fill:#0b4f8a}
.card{background:#fff;border:1px solid #dde2e8;border-radius:8px;padding:12px 16px;margin:18px 0}
.head{display:flex;gap:24px;flex-wrap:wrap;align-items:baseline}
.big{font-size:2em;font-weight:700;color:#0b4f8a}
.up{color:#1a7f37}.down{color:#b42318}.muted{color:#5f6b7a}
blockquote{margin:4px 0;padding:2px 8px;border-left:3px solid #c9d6e3;color:#333;font-size:.92em}
.unranked{color:#5f6b7a}a{color:#0b4f8a}.flag{color:#b54708}
tr.group td{background:#f6f7f9;color:#55606e;padding-top:10px}
@media print{.switch{display:none}.card{break-inside:avoid}}
@media (max-width:640px){.voices,.voices thead,.voices tbody,.voices tr{display:block}
 .voices tr{border-bottom:1px solid #e3e6ea}.voices th,.voices td{display:inline-block;
 border:0;vertical-align:middle}.voices td.said,.voices th:last-child{display:block}
 table,small,.en,blockquote{font-size:1em}}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _bi(pair: tuple[str, str], tag: str = "span") -> str:
    zh, en = pair
    # Each says its language: a screen reader reads it in that language's voice, whichever
    # language the page is on.
    return (
        f'<{tag} class="zh" lang="zh-CN">{_e(zh)}</{tag}>'
        f'<{tag} class="en" lang="en">{_e(en)}</{tag}>'
    )


def _wide(table: str, labelled_by: str) -> str:
    """A table in a box that scrolls sideways on a narrow screen: a named region the keyboard
    can reach (and scroll with the arrow keys), named by the ids `labelled_by`."""
    return (
        f'<div class="wide" tabindex="0" role="region" aria-labelledby="{labelled_by}">'
        f"{table}</div>"
    )


def _name(zh: str, en: str) -> str:
    return _bi((zh, en))


def _bar(score: float | None) -> str:
    if score is None:
        return f'<span class="muted">{_bi(t("no_data"))}</span>'
    width = max(0.0, min(100.0, score))
    # SVG geometry, not a style attribute: the web pages' policy allows no inline style.
    return (
        f'<div class="bar" title="{score:.1f}">'
        f'<svg width="{width:.1f}%" height="12" aria-hidden="true">'
        '<rect width="100%" height="12" rx="6"/></svg></div>'
        f"<small>{score:.1f}</small>"
    )


def _interval(c: CommunityResult) -> str:
    if c.index is None or c.low is None or c.high is None:
        return "–"
    low, high, point = (max(0.0, min(100.0, x)) for x in (c.low, c.high, c.index))
    return (
        f'<div class="iv" title="{c.low:.1f}–{c.high:.1f}">'
        '<svg width="100%" height="12" aria-hidden="true">'
        f'<rect class="range" x="{low:.1f}%" y="3" width="{max(0.5, high - low):.1f}%" height="6"/>'
        f'<rect class="point" x="{point:.1f}%" width="3" height="12" transform="translate(-1)"/>'
        "</svg></div>"
        f"<small>{c.low:.1f}–{c.high:.1f}</small>"
    )


def _change_html(x: float | None, note: tuple[str, str] | None = None) -> str:
    if x is None:
        return '<span class="muted">–</span>'
    css = "up" if x > 0 else "down" if x < 0 else "muted"
    arrow = "▲" if x > 0 else "▼" if x < 0 else "＝"
    # The sign says the direction to a screen reader; the arrow is for the eye.
    shown = f'<span class="{css}"><span aria-hidden="true">{arrow}</span> {x:+.1f}</span>'
    if note is not None:
        # Beside the figure, not in a footnote: the figure is not like for like.
        shown += f' <small class="flag">({_bi(note)})</small>'
    return shown


def _rank_html(c: CommunityResult) -> str:
    if c.rank is None:
        return f'<span class="unranked">{_bi(t("unranked"))}</span>'
    return str(c.rank)


def _unranked_why(result: IndexResult, c: CommunityResult) -> tuple[str, str] | None:
    """Why a community has no rank (its coverage is below `min_coverage`, or it has no value at
    all), or None if ranked."""
    if c.rank is not None:
        return None
    if c.index is None:
        return t("no_values_why")
    return t("unranked_why", coverage=f"{c.coverage:.0%}", cov=f"{result.min_coverage:.0%}")


def _rank_range(c: CommunityResult) -> str:
    if c.rank_low is None or c.rank_high is None:
        return "–"
    return f"{c.rank_low}–{c.rank_high}"


def render_html(
    result: IndexResult,
    voices: Mapping[str, CommunityVoices] | None = None,
    *,
    community: str | None = None,
    lang: Lang | None = None,
) -> str:
    """The whole report as one self-contained bilingual HTML page; with `community`, that
    community's page (method, its scorecard, sources) without the city table, as the public
    web pages show one community at a time. It opens showing both languages (the published
    file), or with `lang` one reader's language, the others a tap on its switch away."""
    voices = voices or {}
    fw = result.framework
    parts: list[str] = []
    title = t("title")
    period = _e(result.period)
    head_title = {
        None: f"{_e(title[0])} {period} · {_e(title[1])}",
        "zh": f"{_e(title[0])} {period}",
        "en": f"{_e(title[1])} {period}",
    }[lang]
    parts.append(
        f'<!DOCTYPE html><html lang="{"en" if lang == "en" else "zh-CN"}"><head>'
        '<meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{head_title}</title><style>{STYLE_SHEET}</style></head><body>"
    )
    # The language switch: the radio inputs are siblings of <main> and of the bar so that the
    # CSS rule `#l-zh:checked ~ * .en` can hide the other language; their labels sit in the
    # bar. The bar's own words follow the switch too.
    checked = {key: " checked" if key == (lang or "both") else "" for key in ("both", "zh", "en")}
    parts.append(
        # Inside <main> with the report, so that nothing of the page is outside a landmark.
        "<main>"
        f'<input type="radio" name="lang" id="l-both"{checked["both"]}>'
        f'<input type="radio" name="lang" id="l-zh"{checked["zh"]}>'
        f'<input type="radio" name="lang" id="l-en"{checked["en"]}>'
        f'<div class="switch">{_bi(t("show"))}: '
        f'<label for="l-both">{_bi(t("both"))}</label> · '
        '<label for="l-zh" lang="zh-CN">中文</label> · '
        '<label for="l-en" lang="en">English</label></div>'
    )
    parts.append('<div class="report">')
    parts.append(f"<h1>{_bi(title)}</h1>")
    prev = result.previous_period or "–"
    parts.append(
        f"<p>{_bi(t('period'))}: <b>{_e(result.period)}</b> &nbsp; "
        f"{_bi(t('previous'))}: {_e(prev)}</p>"
    )
    parts.append(_method_html(result))
    if community is None:
        parts.append(_city_table_html(result))
    parts.append(f"<h2>{_bi(t('scorecard'))}</h2>")
    for number, item in enumerate(table_order(result)):
        if community is None or item.name == community:
            why = _unranked_why(result, item)
            parts.append(_scorecard_html(fw, number, item, voices.get(item.name), why))
    parts.append(_sources_html(fw))
    parts.append("</div></main></body></html>")
    return "".join(parts)


def _method_html(result: IndexResult) -> str:
    cov = f"{result.min_coverage:.0%}"
    items = [
        t("method_1"),
        t("method_2"),
        t("method_3"),
        t("method_4", cov=cov),
        t("method_5", draws=result.draws, seed=result.seed),
        t("method_6"),
    ]
    rows = "".join(f"<li>{_bi(item, 'p')}</li>" for item in items)
    return f"<h2>{_bi(t('method'))}</h2><ol>{rows}</ol>"


def _city_table_html(result: IndexResult) -> str:
    head = "".join(
        f'<th scope="col">{_bi(t(k))}</th>'
        for k in (
            "rank",
            "community",
            "index",
            "interval",
            "rank_range",
            "coverage",
            "voters",
            "change",
        )
    )
    city = result.city
    rows = [
        f"<tr><td></td><th scope='row'><b>{_bi(t('city'))}</b></th>"
        f"<td class='n'>{_fmt(city.index)}</td>"
        f"<td></td><td></td><td></td><td class='n'>{city.voters}</td><td></td></tr>"
    ]
    grouped = empty = False
    for number, c in enumerate(table_order(result)):
        if c.rank is None and c.index is not None and not grouped:
            # The unranked follow the ranked under a row saying why, so that a high index
            # without a rank is not read as the top of the table.
            group = t("unranked_group", cov=f"{result.min_coverage:.0%}")
            rows.append(f"<tr class='group'><td colspan='8'><b>{_bi(group)}</b></td></tr>")
            grouped = True
        if c.index is None and not empty:
            # Last, those without any value: unranked for want of an index, not of coverage.
            group = t("no_values_group")
            rows.append(f"<tr class='group'><td colspan='8'><b>{_bi(group)}</b></td></tr>")
            empty = True
        rows.append(
            f"<tr><td class='n'>{_rank_html(c)}</td>"
            f"<th scope='row'><a href='#c{number}'>{_e(c.name)}</a></th>"
            f"<td class='n'><b>{_fmt(c.index)}</b></td><td>{_interval(c)}</td>"
            f"<td class='n'>{_rank_range(c)}</td><td class='n'>{c.coverage:.0%}</td>"
            f"<td class='n'>{c.voters}</td>"
            f"<td class='n'>{_change_html(c.change, change_note(c))}</td></tr>"
        )
    return f"<h2 id='city-table'>{_bi(t('city_table'))}</h2>" + _wide(
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>",
        "city-table",
    )


def _scorecard_html(
    fw: Framework,
    number: int,
    c: CommunityResult,
    voices: CommunityVoices | None,
    why: tuple[str, str] | None = None,
) -> str:
    rank = _rank_html(c)
    # Unranked: why, instead of an empty rank range.
    place = f"({_rank_range(c)})" if why is None else f"<br><small>{_bi(why)}</small>"
    head = (
        f'<div class="card" id="c{number}"><h3 id="c{number}-name">{_e(c.name)}</h3>'
        '<div class="head">'
        f'<div>{_bi(t("index"))}<br><span class="big">{_fmt(c.index)}</span></div>'
        f"<div>{_bi(t('interval'))}<br>{_interval_text(c.low, c.high)}</div>"
        f"<div>{_bi(t('rank'))}<br>{rank} {place}</div>"
        f"<div>{_bi(t('change'))}<br>{_change_html(c.change, change_note(c))}</div>"
        f"<div>{_bi(t('coverage'))}<br>{c.coverage:.0%}</div>"
        f"<div>{_bi(t('voters'))}<br>{c.voters}</div>"
    )
    if voices is not None:
        head += f"<div>{_bi(t('answers'))}<br>{voices.answers}</div>"
    head += "</div>"
    principle_rows = []
    used = c.weights_used
    for p in fw.principles:
        voice = voices.principles.get(p.id) if voices else None
        weight = _weight(used.get(p.id))
        shown = f'<span class="muted">{_bi(t("not_counted"))}</span>' if weight is None else weight
        nominal = _nominal(c.weights.get(p.id, 0.0), used.get(p.id))
        if nominal is not None:
            shown += f'<br><small class="muted">{_bi(t("weight_nominal", weight=nominal))}</small>'
        principle_rows.append(
            f"<tr><th scope='row'>{_name(p.name_zh, p.name_en)}</th>"
            f"<td class='n'>{shown}</td>"
            f"<td>{_bar(c.principles.get(p.id))}</td>"
            f"<td class='said'>{_voice_html(voice)}</td></tr>"
        )
    principles = _wide(
        f"<table class='voices'><thead><tr>"
        f"<th scope='col' id='c{number}-principles'>{_bi(t('principle'))}</th>"
        f"<th scope='col'>{_bi(t('weight'))}</th><th scope='col'>{_bi(t('score'))}</th>"
        f"<th scope='col'>{_bi(t('residents_said'))}</th></tr></thead>"
        f"<tbody>{''.join(principle_rows)}</tbody></table>",
        f"c{number}-name c{number}-principles",
    ) + (f"<p><small class='muted'>{_bi(t('weight_note'))}</small></p>")
    indicator_rows = []
    names = {p.id: p for p in fw.principles}
    for ind in fw.indicators:
        res = c.indicators.get(ind.id)
        value = res.value if res else None
        previous = res.previous if res else None
        delta = None if value is None or previous is None else value - previous
        principle = names[ind.principle]
        indicator_rows.append(
            f"<tr><th scope='row'>{_name(ind.name_zh, ind.name_en)}</th>"
            f"<td>{_name(principle.name_zh, principle.name_en)}</td>"
            f"<td class='n'><b>{_fmt_value(value)}</b> {_e(ind.unit)}</td>"
            f"<td class='n'>{_fmt_value(ind.threshold)}</td>"
            f"<td class='n'>{_fmt_value(ind.target)}</td>"
            f"<td>{_bar(res.score if res else None)}</td>"
            f"<td class='n'>{_fmt_value(previous)} {_delta_html(delta, ind.higher_is_better)}</td>"
            "</tr>"
        )
    head_cells = "".join(
        f"<th scope='col'>{_bi(t(k))}</th>"
        for k in ("principle", "value", "threshold", "target", "score", "previous")
    )
    indicators = _wide(
        f"<table><thead><tr><th scope='col' id='c{number}-indicators'>{_bi(t('indicator'))}</th>"
        f"{head_cells}</tr></thead><tbody>{''.join(indicator_rows)}</tbody></table>",
        f"c{number}-name c{number}-indicators",
    )
    return head + principles + "<p></p>" + indicators + "</div>"


def _delta_html(delta: float | None, higher_is_better: bool) -> str:
    if delta is None or delta == 0:
        return ""
    better = (delta > 0) == higher_is_better
    sign = "+" if delta > 0 else ""
    return f'<span class="{"up" if better else "down"}">({sign}{_fmt_value(delta)})</span>'


def _silent(voice: PrincipleVoice | None) -> bool:
    """No answer of the period spoke of the principle: the page and the PDF both say so."""
    return voice is None or (voice.answers == 0 and voice.share == 0 and not voice.quotes)


def _voice_html(voice: PrincipleVoice | None) -> str:
    if voice is None or _silent(voice):
        return f'<span class="muted">{_bi(t("no_voices"))}</span>'
    of = t("of_answers")
    parts = [f"<b>{voice.share:.0%}</b> {_bi(of)}"]
    parts += [f"<blockquote>“{_e(q)}”</blockquote>" for q in list(voice.quotes)[:3]]
    return "".join(parts)


def _direction(indicator: Indicator) -> tuple[str, str]:
    """Which way the indicator is better, as the sources table says it."""
    return t("higher" if indicator.higher_is_better else "lower")


def _sources_html(fw: Framework) -> str:
    head = "".join(
        f"<th scope='col'>{_bi(t(k))}</th>"
        for k in ("indicator", "unit", "direction", "threshold", "target", "baseline", "source")
    )
    rows = "".join(
        f"<tr><th scope='row'>{_name(i.name_zh, i.name_en)} <small class='muted'>{_e(i.id)}</small>"
        "</th>"
        f"<td>{_e(i.unit)}</td><td>{_bi(_direction(i))}</td>"
        f"<td class='n'>{_fmt_value(i.threshold)}</td>"
        f"<td class='n'>{_fmt_value(i.target)}</td><td class='n'>{_fmt_value(i.baseline)}</td>"
        f"<td>{_e(i.source)}</td></tr>"
        for i in fw.indicators
    )
    return f"<h2 id='sources'>{_bi(t('sources'))}</h2>" + _wide(
        f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>", "sources"
    )


# --- CSV ------------------------------------------------------------------------------------


def render_csv(result: IndexResult) -> bytes:
    """One row per community: rank, index, interval, coverage, change, principle scores and
    indicator values and scores, then (added at the end, so the columns before keep their
    places) the previous period's coverage and whether the change is like for like; UTF-8
    with BOM. No city row: a spreadsheet summing, averaging or counting the rows would take
    it for a community (the city's figures are in the HTML, the PDF and `--json`)."""
    fw = result.framework
    header = [
        "period",
        "rank",
        "community",
        "index",
        "low",
        "high",
        "rank_low",
        "rank_high",
        "coverage",
        "voters",
        "previous_index",
        "change",
    ]
    header += [f"principle:{p.id}" for p in fw.principles]
    header += [f"weight:{p.id}" for p in fw.principles]
    for ind in fw.indicators:
        header += [f"value:{ind.id}", f"score:{ind.id}"]
    header += ["previous_coverage", "change_comparable"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)

    def num(x: float | int | None) -> str:
        return safe_cell(round(x, 4) if isinstance(x, float) else x)

    for c in result.communities:
        row = [
            safe_cell(result.period),
            num(c.rank),
            safe_cell(c.name),
            num(c.index),
            num(c.low),
            num(c.high),
            num(c.rank_low),
            num(c.rank_high),
            num(c.coverage),
            num(c.voters),
            num(c.previous_index),
            num(c.change),
        ]
        row += [num(c.principles.get(p.id)) for p in fw.principles]
        row += [num(c.weights.get(p.id)) for p in fw.principles]
        for ind in fw.indicators:
            res = c.indicators.get(ind.id)
            row += [num(res.value if res else None), num(res.score if res else None)]
        row += [num(c.previous_coverage), safe_cell(c.change_comparable)]
        writer.writerow(row)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


# --- charts ---------------------------------------------------------------------------------


# matplotlib (≈ 0.6 s to import) and the chart module are imported when a chart is drawn: the
# web pages import this module for its HTML, and a bot starting up draws no chart.


@cache
def _font() -> font_manager.FontProperties:
    from matplotlib import font_manager

    from bot.render.chart import cjk_font_path

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path))


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=100)
    return out.getvalue()


@one_at_a_time
def city_chart_png(result: IndexResult) -> bytes:
    """The city chart (`city_chart_figure`) as PNG."""
    return _png(city_chart_figure(result))


def city_chart_figure(result: IndexResult) -> Figure:
    """Every community's index (dot) and 90% interval (line), highest first; labelled by name
    up to CITY_CHART_LABELS communities, an unranked one (grey dot) saying so."""
    from matplotlib.figure import Figure

    font = _font()
    scored = [c for c in result.communities if c.index is not None]
    labelled = len(scored) <= CITY_CHART_LABELS
    height = 0.28 * len(scored) + 1.6 if labelled else 5.0
    fig = Figure(figsize=(8.0, max(2.6, height)))
    ax = fig.subplots()
    ys = list(range(len(scored)))
    points = [c.index if c.index is not None else math.nan for c in scored]
    lows = [c.low if c.low is not None else p for c, p in zip(scored, points, strict=True)]
    highs = [c.high if c.high is not None else p for c, p in zip(scored, points, strict=True)]
    ax.hlines(ys, lows, highs, color="#9fc3e2", linewidth=3 if labelled else 1)
    colours = ["#0b4f8a" if c.rank is not None else "#b0b7c0" for c in scored]
    # Not clipped: a dot at 0 or 100 sits on the frame and is drawn whole.
    ax.scatter(points, ys, color=colours, s=22 if labelled else 4, zorder=3, clip_on=False)
    if labelled:
        unranked = "（{} {}）".format(*t("unranked"))
        names = [c.name + ("" if c.rank is not None else unranked) for c in scored]
        ax.set_yticks(ys, names, fontproperties=font, parse_math=False)
    else:
        ax.set_yticks([])
        ax.set_ylabel(f"{len(scored)} 个社区 communities", fontproperties=font, parse_math=False)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.grid(axis="x", alpha=0.3)
    zh, en = t("city_chart")
    ax.set_title(f"{zh} · {en} · {result.period}", fontproperties=font, parse_math=False)
    fig.tight_layout()
    return fig


@one_at_a_time
def principles_chart_png(result: IndexResult) -> bytes:
    """The city's mean score per principle, with the weight each carries in the city index
    (the pooled residents' weights shared out over the principles with a score)."""
    from matplotlib.figure import Figure

    font = _font()
    fw = result.framework
    labels = [f"{p.name_zh} {p.name_en}" for p in fw.principles]
    scores = [result.city.principles.get(p.id) or 0.0 for p in fw.principles]
    fig = Figure(figsize=(8.0, 0.42 * len(labels) + 1.4))
    ax = fig.subplots()
    ys = list(range(len(labels)))
    ax.barh(ys, scores, color="#2b7bba")
    used = result.city.weights_used
    for y, p in zip(ys, fw.principles, strict=True):
        weight = _weight(used.get(p.id))
        label = "不计入 not counted" if weight is None else f"w {weight}"
        ax.text(101, y, label, va="center", fontsize=8, fontproperties=font, parse_math=False)
    ax.set_yticks(ys, labels, fontproperties=font, parse_math=False)
    ax.invert_yaxis()
    ax.set_xlim(0, 118)
    zh, en = t("principles_chart")
    ax.set_title(f"{zh} · {en} · {result.period}", fontproperties=font, parse_math=False)
    fig.tight_layout()
    return _png(fig)


#: A scorecard bar at least this long (of 100) carries its figure inside it.
INSIDE_BAR = 60.0


@one_at_a_time
def scorecard_png(result: IndexResult, community: CommunityResult) -> bytes:
    """One community's scorecard image (`scorecard_figure`) as PNG."""
    return _png(scorecard_figure(result, community))


def scorecard_figure(result: IndexResult, community: CommunityResult) -> Figure:
    """One community's scorecard: principle scores as bars with the weight each carries in
    the index (a principle without a score: not counted), and the index, interval, rank and
    change (marked when not like for like) in the title."""
    from matplotlib.figure import Figure

    font = _font()
    fw = result.framework
    labels = [f"{p.name_zh} {p.name_en}" for p in fw.principles]
    scores = [community.principles.get(p.id) for p in fw.principles]
    fig = Figure(figsize=(7.0, 0.42 * len(labels) + 1.8))
    ax = fig.subplots()
    ys = list(range(len(labels)))
    ax.barh(ys, [s or 0.0 for s in scores], color="#2b7bba")
    used = community.weights_used
    for y, p, s in zip(ys, fw.principles, scores, strict=True):
        weight = _weight(used.get(p.id))
        text = "无数据，不计入 no data, not counted" if weight is None else f"{s:.1f}  (w {weight})"
        # A long bar carries its figure inside, at its end: beside it, "100.0  (w 28.6%)" ran
        # past the image's edge whenever the principles' names took half its width.
        inside = s is not None and s >= INSIDE_BAR
        ax.text(
            (s or 0.0) + (-1 if inside else 1),
            y,
            text,
            va="center",
            ha="right" if inside else "left",
            color="white" if inside else "black",
            fontsize=8,
            fontproperties=font,
            parse_math=False,
        )
    ax.set_yticks(ys, labels, fontproperties=font, parse_math=False)
    ax.invert_yaxis()
    ax.set_xlim(0, 118)
    rank = "未排名 unranked" if community.rank is None else f"排名 Rank {community.rank}"
    note = change_note(community)
    change = _change(community.change) + ("" if note is None else " ({} {})".format(*note))
    fig.suptitle(
        f"{community.name} · {result.period}\n"
        f"指数 Index {_fmt(community.index)} [{_interval_text(community.low, community.high)}]"
        f" · {rank} · 较上期 Change {change}",
        fontproperties=font,
        fontsize=10,
        parse_math=False,
    )
    fig.tight_layout()
    return fig


# --- PDF ------------------------------------------------------------------------------------


def _template() -> Path:
    # A real file: the package is installed unzipped (setuptools package-data).
    return Path(str(resources.files("bot.render") / "templates" / "index_report.typ"))


def pdf_data(
    result: IndexResult, voices: Mapping[str, CommunityVoices], *, scorecards: bool = True
) -> dict[str, Any]:
    """Everything the PDF template prints, as plain JSON-ready data (texts pre-formatted);
    without `scorecards`, the city table but no page per community."""
    fw = result.framework
    pnames = {p.id: p for p in fw.principles}
    communities = []
    ordered = table_order(result)
    for c in ordered:
        voice = voices.get(c.name)
        used = c.weights_used
        communities.append(
            {
                "name": c.name,
                "index": _fmt(c.index),
                "interval": _interval_text(c.low, c.high),
                "rank": "–" if c.rank is None else str(c.rank),
                "rank_range": _rank_range(c),
                "unranked_why": None if (why := _unranked_why(result, c)) is None else list(why),
                "coverage": f"{c.coverage:.0%}",
                "voters": str(c.voters),
                "change": _change(c.change),
                "change_note": None if (note := change_note(c)) is None else list(note),
                "answers": None if voice is None else str(voice.answers),
                "principles": [
                    {
                        "zh": p.name_zh,
                        "en": p.name_en,
                        "weight": _weight(used.get(p.id)),
                        "weight_nominal": None
                        if (nominal := _nominal(c.weights.get(p.id, 0.0), used.get(p.id))) is None
                        else list(t("weight_nominal", weight=nominal)),
                        "score": c.principles.get(p.id),
                        "score_text": _fmt(c.principles.get(p.id)),
                        "share": _share(voice, p.id),
                        "quotes": _quotes(voice, p.id),
                    }
                    for p in fw.principles
                ],
                "indicators": [
                    {
                        "zh": ind.name_zh,
                        "en": ind.name_en,
                        "principle": pnames[ind.principle].name_zh,
                        "unit": ind.unit,
                        "value": _fmt_value(c.indicators[ind.id].value),
                        "previous": _fmt_value(c.indicators[ind.id].previous),
                        "threshold": _fmt_value(ind.threshold),
                        "target": _fmt_value(ind.target),
                        "score": c.indicators[ind.id].score,
                        "score_text": _fmt(c.indicators[ind.id].score),
                    }
                    for ind in fw.indicators
                ],
            }
        )
    return {
        "texts": {
            key: list(
                t(key, cov=f"{result.min_coverage:.0%}", draws=result.draws, seed=result.seed)
            )
            for key in TEXT_KEYS
        },
        "period": result.period,
        "previous_period": result.previous_period or "–",
        "city": {"index": _fmt(result.city.index), "voters": str(result.city.voters)},
        "communities": communities,
        # Where the unranked begin in the table (a row above them says why), None if none.
        "first_unranked": next(
            (n for n, c in enumerate(ordered) if c.rank is None and c.index is not None), None
        ),
        # Where those without any value (no index) begin, None if none.
        "first_empty": next((n for n, c in enumerate(ordered) if c.index is None), None),
        "cards": communities if scorecards else [],
        "sources": [
            {
                "zh": i.name_zh,
                "en": i.name_en,
                "unit": i.unit,
                "direction": list(_direction(i)),
                "threshold": _fmt_value(i.threshold),
                "target": _fmt_value(i.target),
                "baseline": _fmt_value(i.baseline),
                "source": i.source,
            }
            for i in fw.indicators
        ],
    }


def _share(voice: CommunityVoices | None, pid: str) -> str | None:
    item = voice.principles.get(pid) if voice else None
    return None if item is None or _silent(item) else f"{item.share:.0%}"


def _quotes(voice: CommunityVoices | None, pid: str) -> list[str]:
    item = voice.principles.get(pid) if voice else None
    return [] if item is None else list(item.quotes)[:3]


def render_pdf(
    result: IndexResult,
    voices: Mapping[str, CommunityVoices] | None = None,
    *,
    scorecards: bool = True,
) -> bytes:
    """The report as an A4 PDF, Chinese set in the project's Noto Sans CJK font: method, city
    table, a one-page scorecard per community (unless `scorecards` is False: at about 35 ms
    of CPU per page, a city of 1,000 communities spends most of its report time here), and
    the indicators' sources."""
    import typst

    from bot.render.chart import cjk_font_path

    data = json.dumps(pdf_data(result, voices or {}, scorecards=scorecards), ensure_ascii=False)
    template = _template()
    # root = the template's folder: the template cannot read any file outside it.
    pdf: bytes = typst.compile(
        str(template),
        root=str(template.parent),
        font_paths=[str(cjk_font_path().parent)],
        sys_inputs={"data": data},
        format="pdf",
    )
    return pdf


# --- the whole report -----------------------------------------------------------------------


def report_parts(result: IndexResult, *, scorecards: bool) -> int:
    """How many files `write_report` writes."""
    return 5 + (len(result.communities) if scorecards else 0)


def write_report(
    result: IndexResult,
    out: Path,
    voices: Mapping[str, CommunityVoices] | None = None,
    *,
    scorecards: bool = False,
    pdf_scorecards: bool = True,
    on_part: Callable[[str], None] | None = None,
) -> ReportFiles:
    """Write index.html, index.pdf, index.csv and the chart PNGs into `out` (created if
    needed); with `scorecards`, also one `scorecard_<n>.png` per community (n = its place in
    the city table, from 1); `pdf_scorecards` False leaves the per-community pages out of the
    PDF (the HTML always has every scorecard). `on_part(file name)` is called after each file
    is written (a progress bar counts them: `report_parts` says how many there are)."""
    voices = voices or {}
    done = on_part or (lambda _name: None)
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / "index.html"
    write_text(html_path, render_html(result, voices))
    done(html_path.name)
    csv_path = out / "index.csv"
    write_file(csv_path, render_csv(result))
    done(csv_path.name)
    pdf_path = out / "index.pdf"
    write_file(pdf_path, render_pdf(result, voices, scorecards=pdf_scorecards))
    done(pdf_path.name)
    charts = [out / "index_city.png", out / "index_principles.png"]
    write_file(charts[0], city_chart_png(result))
    done(charts[0].name)
    write_file(charts[1], principles_chart_png(result))
    done(charts[1].name)
    if scorecards:
        for number, community in enumerate(table_order(result), start=1):
            path = out / f"scorecard_{number}.png"
            write_file(path, scorecard_png(result, community))
            charts.append(path)
            done(path.name)
    return ReportFiles(html=html_path, pdf=pdf_path, csv=csv_path, charts=charts)
