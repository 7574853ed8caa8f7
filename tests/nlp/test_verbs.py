"""CLI glue: `minyi tag` output shapes, labelled-file reading, `minyi evaluate`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.config import settings_from_dict
from bot.core.base import load_tagger, open_core
from bot.core.csvfiles import CsvInputError
from bot.core.tagging import (
    InputText,
    evaluation_json,
    iter_texts,
    learn,
    read_labelled,
    read_multilabelled,
    run_evaluation,
    tag_verb,
)
from bot.render.evaluation import render_evaluation
from bot.render.widths import display_width
from nlp.learn import resolve_labels
from nlp.model import NO_THEME
from nlp.tagger import Tagger

LIMIT = 2000


def read_texts(data: bytes, name: str) -> list[str]:
    return [t.text for t in iter_texts(io.BytesIO(data), name, limit=LIMIT) if t.text is not None]


def _texts(content: str) -> list[InputText]:
    return list(iter_texts(io.BytesIO(content.encode("utf-8")), "input.txt", limit=LIMIT))


def evaluate_verb(
    examples: list[tuple[str, str]],
    tagger: Tagger,
    as_json: bool,
    out: io.StringIO,
    train_per_label: int = 0,
) -> None:
    """What `minyi evaluate` prints: the JSON payload or the rendered table."""
    result, protocol = run_evaluation(examples, tagger, train_per_label=train_per_label)
    if as_json:
        out.write(json.dumps(evaluation_json(result, protocol, tagger.taxonomy)))
    else:
        out.write(render_evaluation(result, protocol, tagger.taxonomy))


def test_tag_jsonl_one_object_per_line(tagger: Tagger) -> None:
    """--jsonl prints one object per input line with themes sorted by score, Chinese unescaped."""
    out = io.StringIO()
    assert (
        tag_verb(_texts("小区停车位太少\n\n垃圾没人清运\nhello\n"), True, tagger, out, limit=LIMIT)
        == 0
    )
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
    source = _texts('id,text\n1,"停车难,太难了"\n2,噪音扰民\n')
    out = io.StringIO()
    tag_verb(source, True, tagger, out, limit=LIMIT)
    texts = [json.loads(line)["text"] for line in out.getvalue().splitlines()]
    assert texts == ["停车难,太难了", "噪音扰民"]


def test_tag_readable_output(tagger: Tagger) -> None:
    """Without --jsonl each text is followed by its themes, scores and evidence."""
    out = io.StringIO()
    tag_verb(_texts("小区停车位太少\n"), False, tagger, out, limit=LIMIT)
    assert "停车" in out.getvalue() and "停车位" in out.getvalue()


def test_read_labelled_needs_text_and_label(tmp_path: Path) -> None:
    """A CSV without a label column is refused with a message naming the missing column."""
    path = tmp_path / "x.csv"
    path.write_text("text,theme\n停车难,停车\n", encoding="utf-8")
    with pytest.raises(CsvInputError) as raised:
        read_labelled(path)
    assert raised.value.key == "csv_header_missing" and raised.value.values["missing"] == "label"


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
    tag_verb(_texts("text\n停车难\n"), True, tagger, out, limit=LIMIT)
    assert [json.loads(line)["text"] for line in out.getvalue().splitlines()] == ["停车难"]


def test_evaluate_table_columns_line_up_with_chinese_names(tagger: Tagger) -> None:
    """Every row of the evaluation table ends its precision column at the same display column,
    although theme names are Chinese (two columns a character)."""
    examples = [("停车位太少", "停车"), ("晚上太吵", "噪音"), ("物业费不公开", "物业管理")]
    out = io.StringIO()
    evaluate_verb(examples, tagger, False, out)
    rows = out.getvalue().splitlines()[1:-1]  # the header, each theme and macro
    ends = {display_width(row[: row.index(".") + 4]) for row in rows[1:]}
    assert len(rows) == 5 and len(ends) == 1, rows
    assert display_width(rows[0][: rows[0].index("precision") + len("precision")]) in ends


def test_read_texts_takes_gbk_and_names_the_file_of_a_binary(tmp_path: Path) -> None:
    """`minyi tag` input saved as GBK reads as Chinese; a PNG given by mistake is refused as
    a PNG with the file's name."""
    assert read_texts("text\n停车难\n".encode("gbk"), "g.csv") == ["停车难"]
    assert read_texts("路灯坏了\n噪音扰民\n".encode("gb18030"), "g.txt") == ["路灯坏了", "噪音扰民"]
    with pytest.raises(CsvInputError) as raised:
        read_texts(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.png")
    assert raised.value.key == "csv_not_csv" and raised.value.path == "photo.png"


def test_read_labelled_names_file_and_line_of_an_empty_label(tmp_path: Path) -> None:
    """A labelled GBK file reads; an empty label is refused naming the file and its line."""
    path = tmp_path / "labelled.csv"
    path.write_bytes("text,label\n停车难,停车\n太吵,\n".encode("gbk"))
    with pytest.raises(CsvInputError) as raised:
        read_labelled(path)
    assert (raised.value.path, raised.value.line) == (str(path), 3)
    path.write_bytes("text,label\n停车难,停车\n太吵,噪音\n".encode("gbk"))
    assert read_labelled(path) == [("停车难", "停车"), ("太吵", "噪音")]


@pytest.mark.parametrize("none", ["none", "(none)", " None ", "NONE"])
def test_every_file_reader_and_the_resolver_take_the_same_no_theme_labels(
    tmp_path: Path, tagger: Tagger, none: str
) -> None:
    """`none` (as `minyi export --labels` writes it) and `(none)` (the models' own name for
    it), in any case, say "no theme" alike to `minyi learn`/`minyi evaluate` files of either
    shape and to the resolver the learning and scoring use."""
    taxonomy = tagger.taxonomy
    single = tmp_path / "single.csv"
    single.write_text(f"text,label\n谢谢大家,{none}\n停车难,停车\n", encoding="utf-8")
    multi = tmp_path / "multi.csv"
    multi.write_text(f"text,labels\n谢谢大家,{none}\n停车难,停车\n", encoding="utf-8")

    examples = read_labelled(single, taxonomy)
    assert resolve_labels([label for _, label in examples], taxonomy) == [NO_THEME, "parking"]
    assert read_multilabelled(multi, taxonomy) == [("谢谢大家", []), ("停车难", ["parking"])]


def test_a_label_like_none_that_is_not_it_is_still_refused(tmp_path: Path, tagger: Tagger) -> None:
    """A label that only looks like the no-theme label is an unknown theme, in every reader."""
    for header in ("label", "labels"):
        path = tmp_path / f"{header}.csv"
        path.write_text(f"text,{header}\n谢谢大家,nothing\n", encoding="utf-8")
        reader = read_labelled if header == "label" else read_multilabelled
        with pytest.raises(CsvInputError):
            reader(path, tagger.taxonomy)
    with pytest.raises(ValueError, match="nothing"):
        resolve_labels(["nothing"], tagger.taxonomy)
