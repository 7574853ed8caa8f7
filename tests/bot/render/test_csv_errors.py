"""CSV input errors read as sentences naming the file, the line and the fix, in zh and en."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.csvfiles import CsvInputError, parse_csv_bytes, read_csv_rows
from bot.render.csv_errors import CSV_TEMPLATES, NOT_CSV_NAMES, describe_csv_error

# One input for every way reading can fail, so that each key is known to have templates.
BAD_INPUTS = {
    "csv_empty": b"",
    "csv_not_csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "csv_encoding": "text\n第一条\n".encode("gbk") + b"\xff\n",
    "csv_malformed": 'text,label\n"没有结束\n'.encode(),
    "csv_header_blank": b"text,,label\n",
    "csv_header_repeated": b"text,text\n",
    "csv_header_missing": b"text\n",
    "csv_row_cells": "text,label\n一,二,三\n".encode(),
}


def error_for(data: bytes, name: str = "values.csv") -> CsvInputError:
    """The error reading `data` raises (requiring text and label columns)."""
    with pytest.raises(CsvInputError) as caught:
        parse_csv_bytes(data, name, required=("text", "label"))
    return caught.value


@pytest.mark.parametrize(("key", "data"), BAD_INPUTS.items())
def test_every_reading_error_has_both_languages(key: str, data: bytes) -> None:
    """Each failure renders in Chinese and English with the file name, and no field left blank."""
    error = error_for(data)
    assert error.key == key
    for lang in ("zh", "en"):
        text = describe_csv_error(error, lang)
        assert text.startswith("values.csv")
        assert "{" not in text and "None" not in text


def test_a_png_names_the_file_the_kind_and_the_fix(tmp_path: Path) -> None:
    """Picking a chart instead of the CSV says so, and how to make a CSV."""
    path = tmp_path / "chart.csv"
    path.write_bytes(BAD_INPUTS["csv_not_csv"])
    with pytest.raises(CsvInputError) as caught:
        read_csv_rows(path)
    assert describe_csv_error(caught.value, "zh") == (
        f"{path}：这不是 CSV 文件，而是PNG 图片。请在表格软件中“另存为 CSV”后重试。"
    )
    assert describe_csv_error(caught.value, "en") == (
        f"{path}: this is not a CSV file but a PNG image. "
        "Save it as CSV from the spreadsheet and try again."
    )


def test_a_row_error_names_the_line() -> None:
    """A row with too many cells is reported at its line, in both languages."""
    error = error_for(BAD_INPUTS["csv_row_cells"])
    assert describe_csv_error(error, "zh") == "values.csv 第 2 行：这一行有 3 列，表头有 2 列。"
    assert (
        describe_csv_error(error, "en") == "values.csv, line 2: this row has 3 cells, the header 2."
    )


def test_an_encoding_error_says_which_encodings_are_read() -> None:
    """A byte no encoding explains names UTF-8 and GBK, so the organiser knows what to save."""
    text = describe_csv_error(error_for(BAD_INPUTS["csv_encoding"]), "en")
    assert text.startswith("values.csv, line 3: unreadable text at byte 13")
    assert "UTF-8" in text and "GBK" in text


def test_a_callers_own_key_falls_back_to_the_shared_templates() -> None:
    """A key a caller raises with `at` is rendered from bot/render/texts.py."""
    row = parse_csv_bytes("text,label\n一,二\n".encode(), "labels.csv")[0]
    error = CsvInputError.at(row, "parse_id_not_number")
    assert describe_csv_error(error, "en") == "labels.csv, line 2: the id should be one number."


def test_every_kind_of_wrong_file_has_a_name() -> None:
    """Each kind the reader can report is named in both languages."""
    kinds = {"png", "jpeg", "gif", "pdf", "xlsx", "xls", "binary"}
    assert set(NOT_CSV_NAMES) == kinds
    assert set(BAD_INPUTS) <= set(CSV_TEMPLATES)
