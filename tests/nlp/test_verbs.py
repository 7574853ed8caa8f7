"""CLI glue: `minyi tag` output shapes, labelled-file reading, `minyi evaluate`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.config import settings_from_dict
from bot.core.base import load_tagger, open_core
from bot.core.tagging import LabelledFileError, evaluate_verb, learn, read_labelled, tag_verb
from nlp.tagger import Tagger


def test_tag_jsonl_one_object_per_line(tagger: Tagger) -> None:
    """--jsonl prints one object per input line with themes sorted by score, Chinese unescaped."""
    out = io.StringIO()
    assert tag_verb(io.StringIO("小区停车位太少\n\n垃圾没人清运\nhello\n"), True, tagger, out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    first = json.loads(lines[0])
    assert first["text"] == "小区停车位太少"
    assert "停车" in lines[0]  # ensure_ascii=False
    themes = first["themes"]
    assert themes and set(themes[0]) == {"id", "name_zh", "kind", "score", "evidence"}
    assert [t["score"] for t in themes] == sorted((t["score"] for t in themes), reverse=True)
    assert json.loads(lines[2]) == {"text": "hello", "themes": []}


def test_tag_reads_csv_text_column(tagger: Tagger) -> None:
    """A CSV with a text column is read by column, not line by line."""
    source = io.StringIO('id,text\n1,"停车难,太难了"\n2,噪音扰民\n')
    out = io.StringIO()
    tag_verb(source, True, tagger, out)
    texts = [json.loads(line)["text"] for line in out.getvalue().splitlines()]
    assert texts == ["停车难,太难了", "噪音扰民"]


def test_tag_readable_output(tagger: Tagger) -> None:
    """Without --jsonl each text is followed by its themes, scores and evidence."""
    out = io.StringIO()
    tag_verb(io.StringIO("小区停车位太少\n"), False, tagger, out)
    assert "停车" in out.getvalue() and "停车位" in out.getvalue()


def test_read_labelled_needs_text_and_label(tmp_path: Path) -> None:
    """A CSV without a label column is refused with a message naming the missing column."""
    path = tmp_path / "x.csv"
    path.write_text("text,theme\n停车难,停车\n", encoding="utf-8")
    with pytest.raises(LabelledFileError, match="missing: label"):
        read_labelled(path)


def test_read_labelled_reads_rows(tmp_path: Path) -> None:
    """A well-formed file gives (text, label) pairs, BOM and extra columns ignored."""
    path = tmp_path / "x.csv"
    path.write_text("\ufeffid,label,text\n1,停车,停车难\n2,噪音,太吵\n", encoding="utf-8")
    assert read_labelled(path) == [("停车难", "停车"), ("太吵", "噪音")]


def test_evaluate_json_shape(tagger: Tagger) -> None:
    """--json gives macro and per-theme precision/recall/F1."""
    examples = [("停车位太少", "停车"), ("晚上太吵", "噪音"), ("垃圾分类", "垃圾分类")]
    out = io.StringIO()
    evaluate_verb(examples, tagger, True, out)
    payload = json.loads(out.getvalue())
    assert set(payload["macro"]) == {"precision", "recall", "f1"}
    assert {t["id"] for t in payload["themes"]} == {"parking", "noise", "waste_sorting"}
    assert payload["macro"]["f1"] == 1.0


def test_evaluate_table_counts_mistakes(tagger: Tagger) -> None:
    """The table shows a wrong prediction as lost recall for its theme."""
    examples = [("停车位太少", "停车"), ("停车场收费太贵", "噪音")]
    out = io.StringIO()
    evaluate_verb(examples, tagger, False, out)
    table = out.getvalue()
    assert "macro" in table
    noise_line = next(line for line in table.splitlines() if line.startswith("noise"))
    assert noise_line.split()[3] == "0.000"  # recall


async def test_learn_stores_a_model_the_next_tagger_uses(tmp_path: Path) -> None:
    """`minyi learn` stores the model in the deployment's database, says what it learned
    from, and a tagger loaded afterwards carries it."""
    examples = [
        ("三号井冒水", "城乡建设"),
        ("三号井又坏了", "城乡建设"),
        ("老师补课", "教育文体"),
    ] * 2
    settings = settings_from_dict({"storage": {"url": f"sqlite:///{tmp_path / 'm.db'}"}})
    core = await open_core(settings, secret=b"test")
    try:
        assert core.tagger.model is None
        summary = await learn(core, examples)
        reloaded = await load_tagger(settings, core.repo)
    finally:
        await core.repo.close()
    assert "城乡建设 4" in summary and "教育文体 2" in summary
    assert reloaded.model is not None and reloaded.model.labels


def test_evaluate_train_per_label_protocol(tagger: Tagger) -> None:
    """--train-per-label N learns on N per label and scores only the rest."""
    examples = [(f"三号井第{i}次冒水", "城乡建设") for i in range(6)] + [
        (f"第{i}个老师补课", "教育文体") for i in range(6)
    ]
    out = io.StringIO()
    evaluate_verb(examples, tagger, True, out, train_per_label=2)
    payload = json.loads(out.getvalue())
    assert payload["n"] == 8
    assert "learned on 2 per label" in payload["protocol"]


def test_tag_single_column_csv(tagger: Tagger) -> None:
    """A one-column CSV whose header is `text` does not tag the header as an answer."""
    out = io.StringIO()
    tag_verb(io.StringIO("text\n停车难\n"), True, tagger, out)
    assert [json.loads(line)["text"] for line in out.getvalue().splitlines()] == ["停车难"]
