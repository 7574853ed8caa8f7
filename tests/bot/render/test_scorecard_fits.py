"""The scorecard image shows every label whole: a principle scored 100 once had its
"100.0  (w 28.6%)" run past the image's right edge, cut off in the photo /index sends."""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from bot.core.index.compute import Priorities, compute_index
from bot.core.index.framework import parse_framework
from bot.core.index.values import IndicatorValue
from bot.core.indexing import shipped_framework_path
from bot.render.index_report import pdf_data, render_html, scorecard_figure
from nlp.taxonomy import load_taxonomy


@pytest.mark.parametrize("value", [4.5, 3.0, 2.0])
def test_every_text_on_a_scorecard_lies_inside_the_image(value: float) -> None:
    """With the shipped framework's ten principles (long English names on the left), a
    community scored 100, 40 and 0 in every principle it has: each bar's figure and weight,
    the "no data" notes and the title lie wholly inside the image."""
    framework = parse_framework(shipped_framework_path().read_bytes(), load_taxonomy())
    rated = [i for i in framework.indicators if i.unit == "1–5"]
    name = "观山湖区世纪城街道龙耀路社区第一网格居民议事会"
    values = [IndicatorValue(name, i.id, "2026-Q4", value) for i in rated]
    priorities = {name: Priorities({"privacy": 3, "participation": 1}, voters=4)}
    result = compute_index(framework, values, priorities, period="2026-Q4", draws=50, seed=1)
    fig = scorecard_figure(result, result.communities[0])
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    width, height = canvas.get_width_height()
    [ax] = fig.axes
    texts = [*ax.texts, fig._suptitle, *ax.get_yticklabels()]
    assert len(ax.texts) == len(framework.principles)
    for text in texts:
        assert text is not None
        box = text.get_window_extent(renderer)
        inside = box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height
        assert inside, (text.get_text(), box, (width, height))


def test_a_community_without_values_shows_one_dash_for_its_interval() -> None:
    """A community with no value has no interval: its scorecard title, its scorecard page in
    the PDF and in the HTML show one dash, not "[–––]" (a dash for each end and the one
    between)."""
    framework = parse_framework(shipped_framework_path().read_bytes(), load_taxonomy())
    values = [IndicatorValue("碧海社区", "voice_heard", "2026-Q4", 3.0)]
    result = compute_index(
        framework, values, {}, period="2026-Q4", draws=50, seed=1, communities=["无数据社区"]
    )
    empty = next(c for c in result.communities if c.index is None)
    title = scorecard_figure(result, empty)._suptitle
    assert title is not None and "[–]" in title.get_text(), title.get_text()
    data = pdf_data(result, {})
    assert [c["interval"] for c in data["communities"] if c["name"] == "无数据社区"] == ["–"]
    page = render_html(result, {})
    assert "–––" not in page and "–<br>–" not in page
