"""Whether a change to the tagging or ingest path keeps every output the same, to the last bit.

    python -m bench.check_identical --write before.dump      # on the old code
    python -m bench.check_identical --against before.dump    # on the new code
        [--ingest N]  also store N long answers through a real `minyi run` (SQLite) and dump
                      every stored answer and theme row

Tags the dev-set messages of ../shared/data (when present; read, never copied into the
repository) and bench.corpus's and bench.bench_throughput's mixed answers, redacted as the bot
stores them, in batches as the intake tags them, and writes for every text its redacted form,
every tag field (scores as exact hex floats, evidence and learned words, order), the records
the bot stores, the JSON of their rows and what `minyi tag` prints. `--against` compares with
an earlier dump and names the first texts that differ. The dump holds the texts' tags, not
the texts.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import io
import json
import sqlite3
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from bench.bench_tagging import _DEV_CSV
from bench.bench_throughput import ingest, long_texts, mixed_texts
from bench.corpus import answer_texts
from bot.core.answers import to_records
from bot.core.tagging import InputText, tag_verb
from nlp.redact import redact
from nlp.tagger import Tagger, ThemeTag
from nlp.taxonomy import load_taxonomy

# As the intake: a getUpdates batch is at most 100 answers.
_BATCH = 100


def _texts() -> list[tuple[str, str]]:
    """(source, text) of every text to check."""
    out: list[tuple[str, str]] = []
    if _DEV_CSV.exists():
        with _DEV_CSV.open(encoding="utf-8") as handle:
            out += [("dev", row["text"]) for row in csv.DictReader(handle)]
    out += [("corpus", t) for t in answer_texts(4000)]
    out += [("mixed", t) for t in mixed_texts(3000)]
    return out


def _tag_line(tag: ThemeTag) -> list[object]:
    return [
        tag.id,
        tag.name_zh,
        tag.name_en,
        tag.kind,
        tag.score.hex(),
        list(tag.evidence),
        list(tag.learned),
        tag.model_dump(),
    ]


def _lines(tagger: Tagger) -> Iterator[str]:
    """One JSON line per text: source, digest of the redacted text, tags, stored records."""
    texts = _texts()
    for start in range(0, len(texts), _BATCH):
        chunk = texts[start : start + _BATCH]
        clean = [redact(t) for _, t in chunk]
        tagged = tagger.tag_many(clean)
        for (source, _), text, tags in zip(chunk, clean, tagged, strict=True):
            records = to_records(tags)
            yield json.dumps(
                [
                    source,
                    hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
                    [_tag_line(t) for t in tags],
                    [r.model_dump() for r in records],
                    [
                        [
                            r.score.hex(),
                            json.dumps(r.evidence, ensure_ascii=False),
                            json.dumps(r.learned, ensure_ascii=False),
                        ]
                        for r in records
                    ],
                ],
                ensure_ascii=False,
            )
    # The same texts one by one (`tag`), a sample: batching must not change a bit either.
    for source, text in texts[:: len(texts) // 300 or 1]:
        tags = tagger.tag(redact(text))
        yield json.dumps([source + ":single", [_tag_line(t) for t in tags]], ensure_ascii=False)


def _printed(tagger: Tagger) -> Iterator[str]:
    """A digest of each line `minyi tag` prints for the texts, as JSON lines and as text."""
    texts = [InputText(n, t, len(t)) for n, (_, t) in enumerate(_texts(), 1)]
    for jsonl in (True, False):
        out = io.StringIO()
        # No text is over the limit here: each is tagged, as the comparison needs.
        tag_verb(texts, jsonl, tagger, out, limit=max(len(t) for _, t in _texts()))
        for line in out.getvalue().splitlines():
            digest = hashlib.sha256(line.encode("utf-8", "surrogatepass")).hexdigest()
            yield json.dumps(["printed" if jsonl else "printed:text", digest])


def _stored(count: int) -> Iterator[str]:
    """Every stored answer and theme row after a real bot ingested `count` long answers,
    by text (ids and times depend on the run, not on the code)."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        asyncio.run(ingest(long_texts(count), 4, folder))
        with sqlite3.connect(folder / "ingest.db") as conn:
            rows = conn.execute(
                "SELECT a.text, a.text_hash, a.via, a.channel, a.resident, a.community_id, "
                "t.theme_id, t.kind, t.score, t.evidence, t.learned, t.hidden, "
                "t.round_id = a.round_id, t.community_id = a.community_id, "
                "t.created_at = a.created_at "
                "FROM answers a LEFT JOIN answer_themes t ON t.answer_id = a.id "
                "ORDER BY a.text, t.theme_id"
            ).fetchall()
            tallies = {
                table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3").fetchall()
                for (table,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'tally%'"
                )
            }
    for row in rows:
        text, *rest = row
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        rest = [v.hex() if isinstance(v, float) else v for v in rest]
        yield json.dumps(["stored", digest, *rest], ensure_ascii=False)
    for table, content in sorted(tallies.items()):
        yield json.dumps(["tally", table, len(content)], ensure_ascii=False)


def _compare(lines: Sequence[str], path: Path) -> int:
    before = path.read_text(encoding="utf-8").splitlines()
    differ = [i for i, (a, b) in enumerate(zip(before, lines, strict=False)) if a != b]
    if len(before) != len(lines):
        print(f"line counts differ: {len(before)} before, {len(lines)} now")
    for i in differ[:5]:
        print(f"line {i} differs:\n  before {before[i][:600]}\n  now    {lines[i][:600]}")
    if differ or len(before) != len(lines):
        print(f"DIFFERENT: {len(differ)} of {len(lines)} lines")
        return 1
    print(f"identical: {len(lines)} lines")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Dump, and compare with or write a dump file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="write the dump here")
    group.add_argument("--against", type=Path, help="compare with this dump")
    parser.add_argument("--ingest", type=int, default=0, help="also store N answers via a bot")
    args = parser.parse_args(argv)
    tagger = Tagger(load_taxonomy())
    lines = [*_lines(tagger), *_printed(tagger)]
    if args.ingest:
        lines += _stored(args.ingest)
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
    print(f"{len(lines)} lines, digest {digest}")
    if args.write is not None:
        args.write.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return 0
    return _compare(lines, args.against)


if __name__ == "__main__":
    sys.exit(main())
