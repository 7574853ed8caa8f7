"""CSV files in and out: what organisers' spreadsheets save, and what is safe to open in one.

Reading accepts what Excel and WPS save on Chinese Windows (GBK/GB18030, or UTF-8 with or
without a BOM) and names the file and line of anything wrong (the header is line 1).

Writing neutralises every text cell a spreadsheet would evaluate (OWASP's CSV-injection
guidance): residents' words must never become a live formula on an official's computer
(SPEC §9). Numbers stay numbers when they are passed as numbers: the cell's Python type, not
its text, says whether "-3.5" is a value or a resident's words.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TypeAlias

# Organisers' files are a few thousand rows; anything far bigger is a mistake, and reading it
# whole would take the process's memory with it.
MAX_CSV_BYTES = 64 * 1024 * 1024

# What a spreadsheet may take for the start of a formula (OWASP), compared after NFKC folding
# so that full-width ＝＋－＠ and the small forms ﹦﹢﹣﹫ count too.
_FORMULA_STARTS = frozenset("=+-@")
# A cell starting with these is suspect whatever follows: spreadsheets strip them on import,
# which would bring the next character to the front ("\t=1+1" becomes "=1+1").
_CONTROL_STARTS = frozenset("\t\r\n")

# Non-ASCII characters decoded as UTF-8 before the first bad byte that show a file is UTF-8.
_UTF8_EVIDENCE = 8

# Magic numbers of files people pick by mistake instead of the CSV, with what to say.
_NOT_CSV: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG 图片", "a PNG image"),
    (b"\xff\xd8\xff", "JPEG 图片", "a JPEG image"),
    (b"GIF8", "GIF 图片", "a GIF image"),
    (b"%PDF", "PDF 文件", "a PDF file"),
    (b"PK\x03\x04", "Excel 工作簿（.xlsx）或压缩文件", "an Excel workbook (.xlsx) or a zip file"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "旧版 Excel 工作簿（.xls）",
        "an old Excel workbook (.xls)",
    ),
)

_SAVE_AS_ZH = "请在表格软件中“另存为 CSV”后重试。"
_SAVE_AS_EN = "Save it as CSV from the spreadsheet and try again."


class CsvInputError(ValueError):
    """A CSV file cannot be used as given; `path` and `line` say where, `zh`/`en` say why.

    `line` counts physical lines from 1 (the header); 0 means the file as a whole. Callers
    that validate the values of a row raise it with `CsvInputError.at(row, zh, en)`.
    """

    def __init__(self, path: str, line: int, zh: str, en: str) -> None:
        self.path = path
        self.line = line
        self.zh = zh
        self.en = en
        super().__init__(self.message("en"))

    @classmethod
    def at(cls, row: CsvRow, zh: str, en: str) -> CsvInputError:
        """The error for a row whose values a caller found wrong, naming the row's line."""
        return cls(row.path, row.line, zh, en)

    def message(self, lang: str) -> str:
        """The whole message in `lang` ("zh" or "en"), file and line first."""
        if lang == "zh":
            where = f"{self.path} 第 {self.line} 行" if self.line else self.path
            return f"{where}：{self.zh}"
        where = f"{self.path}, line {self.line}" if self.line else self.path
        return f"{where}: {self.en}"


class CsvRow(dict[str, str]):
    """One record of a CSV file: column name → cell text, plus where it came from."""

    def __init__(self, values: Mapping[str, str], *, path: str, line: int) -> None:
        super().__init__(values)
        self.path = path
        self.line = line


def read_csv_rows(path: str | Path, *, required: Sequence[str] = ()) -> list[CsvRow]:
    """The records of a CSV file as dicts keyed by the header, each knowing its line number."""
    name = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_CSV_BYTES:
            raise CsvInputError(
                name,
                0,
                f"文件太大（{size} 字节，上限 {MAX_CSV_BYTES} 字节）。",
                f"the file is too big ({size} bytes, at most {MAX_CSV_BYTES}).",
            )
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CsvInputError(
            name,
            0,
            f"无法读取文件（{exc.strerror or exc}）。",
            f"cannot read the file ({exc.strerror or exc}).",
        ) from exc
    return parse_csv_bytes(data, name, required=required)


def parse_csv_bytes(data: bytes, name: str, *, required: Sequence[str] = ()) -> list[CsvRow]:
    """Like `read_csv_rows` for bytes already read (stdin, an upload); `name` is shown in errors."""
    text = decode_csv_bytes(data, name)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[CsvRow] = []
    header: list[str] | None = None
    next_line = 1
    while True:
        start = next_line
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CsvInputError(
                name,
                start,
                f"CSV 格式错误（{exc}），多半是引号没有配对。",
                f"malformed CSV ({exc}), most likely an unmatched quote.",
            ) from exc
        next_line = reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue  # blank lines, and rows of empty cells that spreadsheets leave behind
        if header is None:
            header = _check_header(record, name, start, required)
            continue
        rows.append(_record(record, header, name, start))
    if header is None:
        raise CsvInputError(name, 0, "文件是空的，没有表头。", "the file is empty (no header).")
    return rows


def decode_csv_bytes(data: bytes, name: str) -> str:
    """The text of a CSV file: UTF-8 (BOM or not), UTF-16 with a BOM, else GB18030 (GBK)."""
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[len(codecs.BOM_UTF8) :], "utf-8", name, skipped=len(codecs.BOM_UTF8))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export; checked before the NUL test, which it would fail.
        return _decode(data, "utf-16", name)
    for magic, what_zh, what_en in _NOT_CSV:
        if data.startswith(magic):
            raise _not_text(name, what_zh, what_en)
    if b"\x00" in data[:8192]:
        raise _not_text(name, "二进制文件", "a binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Chinese GBK text rarely forms even one valid UTF-8 sequence before failing, never
        # many: a long valid run means a damaged UTF-8 file, which GB18030 would garble.
        prefix = data[: exc.start].decode("utf-8")
        if sum(1 for char in prefix if ord(char) > 0x7F) >= _UTF8_EVIDENCE:
            return _decode(data, "utf-8", name)
    # GB18030 is a superset of GBK and GB2312: what Excel on Chinese Windows saves as "CSV".
    return _decode(data, "gb18030", name)


def _decode(data: bytes, encoding: str, name: str, *, skipped: int = 0) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CsvInputError(
            name,
            line,
            f"文件编码无法识别（第 {skipped + exc.start + 1} 字节），应为 UTF-8 或 GBK。"
            + _SAVE_AS_ZH,
            f"unreadable text at byte {skipped + exc.start + 1}: the file is neither UTF-8 "
            "nor GBK. " + _SAVE_AS_EN,
        ) from exc


def _not_text(name: str, what_zh: str, what_en: str) -> CsvInputError:
    return CsvInputError(
        name,
        0,
        f"这不是 CSV 文件，而是{what_zh}。" + _SAVE_AS_ZH,
        f"this is not a CSV file but {what_en}. " + _SAVE_AS_EN,
    )


def _check_header(record: list[str], name: str, line: int, required: Sequence[str]) -> list[str]:
    header = [cell.strip() for cell in record]
    # Spreadsheets write trailing separators for columns that were once used.
    while header and not header[-1]:
        header.pop()
    if "" in header:
        blank = header.index("") + 1
        raise CsvInputError(
            name, line, f"表头第 {blank} 列没有名称。", f"header column {blank} has no name."
        )
    seen: set[str] = set()
    for column in header:
        if column in seen:
            raise CsvInputError(
                name, line, f"表头中“{column}”出现了两次。", f"header names {column!r} twice."
            )
        seen.add(column)
    missing = [column for column in required if column not in seen]
    if missing:
        listed = ", ".join(missing)
        raise CsvInputError(
            name,
            line,
            f"表头缺少列：{listed}（需要 {', '.join(required)}）。",
            f"the header lacks column(s) {listed} (needed: {', '.join(required)}).",
        )
    return header


def _record(record: list[str], header: list[str], name: str, line: int) -> CsvRow:
    extra = record[len(header) :]
    if any(cell.strip() for cell in extra):
        raise CsvInputError(
            name,
            line,
            f"这一行有 {len(record)} 列，表头只有 {len(header)} 列。",
            f"this row has {len(record)} cells, the header {len(header)}.",
        )
    if len(record) < len(header):
        raise CsvInputError(
            name,
            line,
            f"这一行只有 {len(record)} 列，表头有 {len(header)} 列。",
            f"this row has {len(record)} cells, the header {len(header)}.",
        )
    return CsvRow(dict(zip(header, record, strict=False)), path=name, line=line)


# A cell as callers hand it over: text is neutralised, numbers are written as numbers.
Cell: TypeAlias = str | int | float | Decimal | None


def safe_cell(value: Cell) -> str:
    """The text to write for one cell, such that no spreadsheet evaluates it as a formula.

    `str` values are residents' or organisers' words: if a spreadsheet could read them as a
    formula, they get a leading single quote (shown by spreadsheets as text, not as a quote).
    `int`, `float` and `Decimal` values are written as numbers, so a genuine -3.5 stays
    numeric; a non-finite float is not a number to a spreadsheet and is written as text.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        # A bool is an int to Python, but "True" is a word to a spreadsheet.
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        return safe_cell(str(value))
    if isinstance(value, Decimal):
        if value.is_finite():
            return format(value, "f")
        return safe_cell(str(value))
    return "'" + value if _could_be_formula(value) else value


def _could_be_formula(text: str) -> bool:
    if not text:
        return False
    if text[0] in _CONTROL_STARTS:
        return True
    for char in text:
        # Spreadsheets trim leading blanks, and invisible characters (zero-width spaces, bidi
        # marks, BOM, control codes such as NUL) may be dropped before the formula is read.
        if char.isspace() or unicodedata.category(char) in ("Cf", "Cc"):
            continue
        return unicodedata.normalize("NFKC", char)[:1] in _FORMULA_STARTS
    return False


def write_csv(
    rows: Iterable[Sequence[Cell] | Mapping[str, Cell]],
    header: Sequence[str],
    *,
    bom: bool = True,
) -> bytes:
    """A CSV file (RFC 4180, CRLF) whose every cell went through `safe_cell`.

    Rows are sequences in header order, or mappings keyed by the header (missing keys are
    empty cells). `bom` (default on) lets Excel on Chinese Windows read UTF-8 as UTF-8 rather
    than as GBK, which would garble every Chinese character.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        cells = [row.get(name) for name in header] if isinstance(row, Mapping) else list(row)
        if len(cells) != len(header):
            raise ValueError(f"a row of {len(cells)} cells under a header of {len(header)}")
        writer.writerow([safe_cell(cell) for cell in cells])
    return (codecs.BOM_UTF8 if bom else b"") + out.getvalue().encode("utf-8")
