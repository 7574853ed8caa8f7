"""CSV files in and out: what organisers' spreadsheets save, and what is safe to open in one.

Reading accepts what Excel and WPS save on Chinese Windows (GBK/GB18030, or UTF-8 with or
without a BOM) and names the file and line of anything wrong (the header is line 1); the
messages themselves are in bot/render/csv_errors.py, as the core renders no text.

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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, TypeAlias

from bot.core.errors import InputError

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

# Signatures of files people pick by mistake instead of the CSV; the error's `kind` says which.
_NOT_CSV: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"%PDF", "pdf"),
    (b"PK\x03\x04", "xlsx"),  # also any zip file
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),
)


class CsvInputError(InputError):
    """A CSV file cannot be used as given: `path` and `line` say where, `key` says why.

    `line` counts physical lines from 1 (the header); 0 means the file as a whole. `key` and
    `values` name a template as for every core error; bot/render/csv_errors.py renders them
    with the file and line in front. Callers that find a row's values wrong raise
    `CsvInputError.at(row, key, **values)` with a key of their own.
    """

    def __init__(self, key: str, /, *, path: str, line: int, **values: object) -> None:
        super().__init__(key, path=path, line=line, **values)
        self.path = path
        self.line = line

    @classmethod
    def at(cls, row: CsvRow, key: str, /, **values: object) -> CsvInputError:
        """The error for a row whose values a caller found wrong, naming the row's line."""
        return cls(key, path=row.path, line=row.line, **values)


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
            raise CsvInputError("csv_too_big", path=name, line=0, size=size, limit=MAX_CSV_BYTES)
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CsvInputError(
            "csv_unreadable", path=name, line=0, reason=exc.strerror or type(exc).__name__
        ) from exc
    return parse_csv_bytes(data, name, required=required)


def parse_csv_bytes(data: bytes, name: str, *, required: Sequence[str] = ()) -> list[CsvRow]:
    """Like `read_csv_rows` for bytes already read (stdin, an upload); `name` is shown in errors."""
    text = decode_csv_bytes(data, name)
    return list(csv_rows(io.StringIO(text, newline=""), name, required=required))


def _marked_encoding(head: bytes, name: str) -> tuple[str, int] | None:
    """The encoding a file starting with `head` declares by a byte-order mark, and the mark's
    length in bytes; None if it has none (UTF-8 or GB18030, to be told from its bytes).
    Raises `CsvInputError` for a picture, PDF, spreadsheet or other binary file."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", len(codecs.BOM_UTF8)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export; checked before the NUL test, which it would fail.
        return "utf-16", 0
    for magic, kind in _NOT_CSV:
        if head.startswith(magic):
            raise CsvInputError("csv_not_csv", path=name, line=0, kind=kind)
    if b"\x00" in head[:8192]:
        raise CsvInputError("csv_not_csv", path=name, line=0, kind="binary")
    return None


def decode_csv_bytes(data: bytes, name: str) -> str:
    """The text of a CSV file: UTF-8 (BOM or not), UTF-16 with a BOM, else GB18030 (GBK)."""
    marked = _marked_encoding(data, name)
    if marked is not None:
        encoding, skipped = marked
        return _decode(data[skipped:], encoding, name, skipped=skipped)
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


# Bytes read at a time from a stream, and how many of its first bytes tell its encoding.
_CHUNK = 64 * 1024
_SAMPLE = 256 * 1024


@dataclass(frozen=True)
class Line:
    """One physical line of a stream: its number (from 1), its text without the line break
    (None if it was longer than the reader's limit, and skipped), its length in characters,
    and the break that ended it ("\n", "\r\n" or "" at the end of the input)."""

    number: int
    text: str | None
    length: int
    ending: str


def _sniff(sample: bytes, name: str, whole: bool) -> tuple[str, int]:
    """The encoding of a stream that starts with `sample` (the whole stream if `whole`), as
    `decode_csv_bytes` decides it, and how many bytes of byte-order mark to skip."""
    marked = _marked_encoding(sample, name)
    if marked is not None:
        return marked
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=whole)
    except UnicodeDecodeError as exc:
        prefix = sample[: exc.start].decode("utf-8")
        if sum(1 for char in prefix if ord(char) > 0x7F) < _UTF8_EVIDENCE:
            return "gb18030", 0
    return "utf-8", 0


def read_lines(stream: BinaryIO, name: str, *, limit: int) -> Iterator[Line]:
    """The lines of a text stream as `decode_csv_bytes` reads a file (UTF-8 with or without
    a BOM, UTF-16 with one, else GB18030), read a chunk at a time: a line longer than `limit`
    characters is counted as it goes by and given without its text, so that memory holds a
    chunk and a line of at most `limit`, whatever the input. Undecodable bytes raise
    `CsvInputError` naming the line and byte, as for a whole file.

    The encoding is told from the first 256 KiB; if they are all ASCII, a first byte that is
    not UTF-8 later on makes the stream GB18030 from there (as a whole file would be read)."""
    sample = stream.read(_SAMPLE)
    following = stream.read(_CHUNK) if sample else b""
    encoding, skipped = _sniff(sample, name, whole=not following)
    decoder = codecs.getincrementaldecoder(encoding)()
    ascii_so_far = encoding == "utf-8" and sample.isascii()
    data, offset = sample[skipped:], skipped  # bytes to decode, and where they start
    number = 1
    pending = ""  # the current line's text not yet given: at most `limit` + a chunk
    skipped_chars = -1  # characters of an over-long current line seen so far (-1: none)

    def line(text: str, ending: str) -> Line:
        text = text.removesuffix("\r")
        if skipped_chars >= 0:
            return Line(number, None, skipped_chars + len(text), ending)
        if len(text) > limit:
            return Line(number, None, len(text), ending)
        return Line(number, text, len(text), ending)

    while True:
        final = not data
        try:
            text = decoder.decode(data, final=final)
        except UnicodeDecodeError as exc:
            unread = exc.object if isinstance(exc.object, bytes) else data
            if ascii_so_far:
                # Only ASCII until here: a GBK file whose Chinese starts late.
                decoder = codecs.getincrementaldecoder("gb18030")()
                ascii_so_far = False
                data = bytes(unread)
                continue
            before = bytes(unread[: exc.start]).decode(encoding, errors="replace")
            raise CsvInputError(
                "csv_encoding",
                path=name,
                line=number + (pending + before).count("\n"),
                byte=offset - (len(unread) - len(data)) + exc.start + 1,
            ) from exc
        ascii_so_far = ascii_so_far and data.isascii()
        offset += len(data)
        pending += text
        while (end := pending.find("\n")) >= 0:
            current, pending = pending[:end], pending[end + 1 :]
            yield line(current, "\r\n" if current.endswith("\r") else "\n")
            number += 1
            skipped_chars = -1
        if len(pending) > limit + 1:
            # No line break in sight: count this much of the line and keep none of it (a
            # final "\r" is kept back, in case the next chunk starts with "\n").
            kept = "\r" if pending.endswith("\r") else ""
            skipped_chars = max(skipped_chars, 0) + len(pending) - len(kept)
            pending = kept
        if final:
            break
        data, following = following, (stream.read(_CHUNK) if following else b"")
    if pending or skipped_chars >= 0:
        yield line(pending, "")


def csv_rows(lines: Iterable[str], name: str, *, required: Sequence[str] = ()) -> Iterator[CsvRow]:
    """The records of a CSV given as its physical lines (each with its line break), as
    `parse_csv_bytes` reads them, one at a time."""
    reader = csv.reader(lines, strict=True)
    header: list[str] | None = None
    next_line = 1
    while True:
        start = next_line
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CsvInputError("csv_malformed", path=name, line=start, reason=str(exc)) from exc
        next_line = reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue  # blank lines, and rows of empty cells that spreadsheets leave behind
        if header is None:
            header = _check_header(record, name, start, required)
            continue
        yield _record(record, header, name, start)
    if header is None:
        raise CsvInputError("csv_empty", path=name, line=0)


def _decode(data: bytes, encoding: str, name: str, *, skipped: int = 0) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CsvInputError(
            "csv_encoding", path=name, line=line, byte=skipped + exc.start + 1
        ) from exc


def _check_header(record: list[str], name: str, line: int, required: Sequence[str]) -> list[str]:
    header = [cell.strip() for cell in record]
    # Spreadsheets write trailing separators for columns that were once used.
    while header and not header[-1]:
        header.pop()
    if "" in header:
        raise CsvInputError("csv_header_blank", path=name, line=line, column=header.index("") + 1)
    seen: set[str] = set()
    for column in header:
        if column in seen:
            raise CsvInputError("csv_header_repeated", path=name, line=line, name=column)
        seen.add(column)
    missing = [column for column in required if column not in seen]
    if missing:
        raise CsvInputError(
            "csv_header_missing",
            path=name,
            line=line,
            missing=", ".join(missing),
            needed=", ".join(required),
        )
    return header


def _record(record: list[str], header: list[str], name: str, line: int) -> CsvRow:
    extra = record[len(header) :]
    if any(cell.strip() for cell in extra) or len(record) < len(header):
        raise CsvInputError(
            "csv_row_cells", path=name, line=line, cells=len(record), header=len(header)
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
