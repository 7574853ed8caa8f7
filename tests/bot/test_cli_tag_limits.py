"""`minyi tag` on huge input: each text is bounded by the bot's own answer limit
(`limits.max_answer_chars`), an over-long one is refused on its own line of output (the others
are tagged), and the input is read a line (a row) at a time, never whole."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.core.csvfiles import CsvInputError
from bot.core.tagging import iter_texts
from tests.bot.test_cli import minyi


def _config(tmp_path: Path, limit: int = 2000) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n[limits]\nmax_answer_chars = {limit}\n',
        encoding="utf-8",
    )
    return path


def _too_long(line: int, length: int, limit: int) -> dict[str, object]:
    """The --jsonl record of a text over the limit: SPEC §6's keys, empty, and why."""
    return {
        "text": "",
        "themes": [],
        "line": line,
        "error": "too_long",
        "length": length,
        "limit": limit,
    }


HUGE = 3_000_000  # characters on one line: 9 MB of UTF-8


def _huge_file(tmp_path: Path) -> Path:
    path = tmp_path / "texts.txt"
    with path.open("w", encoding="utf-8") as out:
        out.write("小区停车位太少了\n")
        out.write("停" * HUGE + "\n")
        out.write("\n")
        out.write("垃圾桶太少，垃圾没人收\n")
    return path


def test_an_over_long_line_is_refused_on_its_own_and_the_rest_tagged(tmp_path: Path) -> None:
    """A 3,000,000-character line among short ones: one JSON record per text as before, the
    long one `{"text": "", "themes": [], "line": 2, "error": "too_long", "length": 3000000,
    "limit": 2000}` (not 9 MB of text echoed back), exit 0. It keeps SPEC §6's `text` and
    `themes`: a consumer reading `record["text"]` and `record["themes"]` of every line met a
    KeyError on it before."""
    done = minyi(_config(tmp_path), "tag", "--jsonl", str(_huge_file(tmp_path)))
    assert done.returncode == 0, done.stderr[-800:]
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == 3
    assert records[0]["text"] == "小区停车位太少了" and records[0]["themes"]
    assert records[1] == _too_long(2, HUGE, 2000)
    assert records[2]["text"] == "垃圾桶太少，垃圾没人收"
    assert len(done.stdout) < 10_000


def test_the_readable_output_says_which_line_was_too_long(tmp_path: Path) -> None:
    done = minyi(_config(tmp_path, 50), "tag", str(_huge_file(tmp_path)))
    assert done.returncode == 0, done.stderr[-800:]
    assert "小区停车位太少了" in done.stdout and "垃圾桶太少" in done.stdout
    [refused] = [line for line in done.stdout.splitlines() if "3000000" in line]
    assert "line 2" in refused and "50" in refused, refused
    assert len(done.stdout) < 10_000


def test_a_text_at_the_limit_is_tagged_one_over_is_not(tmp_path: Path) -> None:
    text = "物业费" * 10
    done = minyi(
        _config(tmp_path, 30), "tag", "--jsonl", stdin=f"{text}\r\n{text}费\n{text[:-1]}\n"
    )
    assert done.returncode == 0, done.stderr[-800:]
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert records[0]["text"] == text
    assert records[1] == _too_long(2, 31, 30)
    assert records[2]["text"] == text[:-1]


def test_a_csv_cell_over_the_limit_is_refused_on_its_row(tmp_path: Path) -> None:
    path = tmp_path / "texts.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("id,text\n1,小区停车位太少了\n")
        out.write('2,"' + "长" * 5000 + '"\n')
        out.write("3,垃圾桶太少\n")
    done = minyi(_config(tmp_path), "tag", "--jsonl", str(path))
    assert done.returncode == 0, done.stderr[-800:]
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert records[1] == _too_long(3, 5000, 2000)
    assert [r["text"] for r in records] == ["小区停车位太少了", "", "垃圾桶太少"]
    assert all(isinstance(r["themes"], list) for r in records)


class CountingReader(io.RawIOBase):
    """A file of `lines` copies of a line, made as it is read, that counts the bytes read."""

    def __init__(self, line: bytes, lines: int) -> None:
        self.line, self.left, self.read_bytes = line, lines, 0
        self.rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while self.left and len(self.rest) < len(buffer):
            self.rest += self.line
            self.left -= 1
        data, self.rest = self.rest[: len(buffer)], self.rest[len(buffer) :]
        buffer[: len(data)] = data
        self.read_bytes += len(data)
        return len(data)


def test_texts_are_read_a_line_at_a_time() -> None:
    """The first text of a 100 MB input is there after reading a sliver of it."""
    reader = CountingReader("小区停车位太少了\n".encode(), 4_000_000)
    texts = iter_texts(io.BufferedReader(reader), "<stdin>", limit=2000)
    first = next(texts)
    assert first.text == "小区停车位太少了" and first.line == 1
    assert reader.read_bytes < 1_000_000


def test_an_over_long_line_is_not_kept_while_it_is_skipped() -> None:
    """A 100 MB line without a newline is counted as it goes by, then the next text comes."""
    reader = CountingReader(b"x" * 1_000_000, 100)
    [only] = list(iter_texts(io.BufferedReader(reader), "<stdin>", limit=2000))
    assert only.text is None and only.length == 100_000_000 and only.line == 1


def test_a_csv_row_far_over_any_limit_stops_the_file_naming_its_line() -> None:
    """A CSV row (a physical line) can't be skipped safely past an open quote: one far longer
    than any text could be stops the file with the line's number."""
    data = "id,text\n1,好\n2,".encode() + b"x" * 2_000_000 + b"\n3,ok\n"
    texts = iter_texts(io.BufferedReader(io.BytesIO(data)), "texts.csv", limit=2000)
    assert next(texts).text == "好"
    with pytest.raises(CsvInputError) as caught:
        next(texts)
    assert caught.value.key == "csv_row_too_long" and caught.value.line == 3


@pytest.mark.parametrize("before", [2**18 - 1, 2**18, 2**18 + 2**16 - 1, 2**18 + 2**16])
def test_line_lengths_are_exact_across_reads(before: int) -> None:
    """A "\\r\\n" split between two reads, a line over the limit, and one at it: each is
    counted to the character and the next line is whole."""
    data = b"a" * before + b"\r\n" + "停".encode() * 2000 + b"\r\nx"
    texts = list(iter_texts(io.BytesIO(data), "<stdin>", limit=2000))
    assert [(t.line, t.length) for t in texts] == [(1, before), (2, 2000), (3, 1)]
    assert [t.text is None for t in texts] == [True, False, False]
    assert texts[1].text == "停" * 2000 and texts[2].text == "x"


def test_gbk_that_starts_after_the_first_chunks_is_still_read_as_gbk() -> None:
    """The encoding is told from the first 256 KiB; if all of it is ASCII, Chinese further on
    is GBK as a whole file would be read, not an error."""
    data = b"hello\n" * 60_000 + "路灯坏了\n".encode("gbk")
    texts = list(iter_texts(io.BytesIO(data), "old.txt", limit=2000))
    assert len(texts) == 60_001 and texts[-1].text == "路灯坏了"


def test_a_damaged_utf8_file_names_the_line_and_byte_as_before() -> None:
    data = "停车难\n".encode() * 10 + b"\xff\xfe\n"
    with pytest.raises(CsvInputError) as caught:
        list(iter_texts(io.BytesIO(data), "damaged.txt", limit=2000))
    assert caught.value.key == "csv_encoding" and caught.value.line == 11
    assert caught.value.values["byte"] == 101


@pytest.mark.parametrize("content", [b"a\rb\nc\n", "停车难\r垃圾多\r".encode()])
def test_a_carriage_return_inside_the_first_line_is_text_not_a_traceback(
    tmp_path: Path, content: bytes
) -> None:
    """A line holding a lone carriage return (a file saved with old Mac line ends, or a pasted
    cell) crashed the header check with the csv module's traceback; it is a text line."""
    path = tmp_path / "cr.txt"
    path.write_bytes(content)
    done = minyi(_config(tmp_path), "tag", "--jsonl", str(path))
    assert done.returncode == 0, done.stderr[-800:]
    assert "Traceback" not in done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert records and all(set(r) >= {"text", "themes"} for r in records)
