"""A tagging helper process: tags texts for the bot over its standard input and output.

    python -m nlp.worker

The bot (bot/core/tag_helper.py) starts it first thing (it loads jieba's dictionary meanwhile) and,
once its own tagger is loaded, writes one JSON line to set it up,
`{"taxonomy": <path or null>, "model": <base64 of a learned model or null>}`; the helper loads
the same tagger the bot has and answers `{"ready": true}`. Then, per line,
`{"id": n, "texts": [...]}` in and `{"id": n, "themes": [...], "done": <time.monotonic()>}`
out, the themes of each text as `ThemeTag` fields. jieba is pure Python, so tagging in
threads would share one core; a process gets the machine's second.
"""

from __future__ import annotations

import base64
import json
import sys
import time
from pathlib import Path
from typing import IO

from nlp.segment import DEFAULT_ENGINE, ENGINES, load_dictionary
from nlp.tagger import Tagger
from nlp.taxonomy import load_taxonomy


def load(setup: dict[str, str | None]) -> Tagger:
    """The tagger a set-up line describes."""
    path, blob = setup.get("taxonomy"), setup.get("model")
    taxonomy = load_taxonomy(Path(path) if path else None)
    model = None
    if blob:
        from nlp.learn import LearnedModel  # numpy: only for deployments that learned

        model = LearnedModel.from_bytes(base64.b64decode(blob))
    engine = setup.get("segmenter") or DEFAULT_ENGINE
    if engine not in ENGINES:
        raise ValueError(f"unknown segmenter {engine!r}")
    return Tagger(taxonomy, model, engine)


def serve(source: IO[str], sink: IO[str]) -> None:
    """Set up from the first line, then answer each line of texts until the input ends."""
    load_dictionary()  # the slow part, while the bot is still loading its own tagger
    tagger = load(json.loads(source.readline()))
    sink.write('{"ready": true}\n')
    sink.flush()
    for line in source:
        request = json.loads(line)
        themes = [[t.model_dump() for t in tagger.tag(text)] for text in request["texts"]]
        # When it finished, on the machine's monotonic clock: the bot balances the work by it.
        answer = {"id": request["id"], "themes": themes, "done": time.monotonic()}
        sink.write(json.dumps(answer, ensure_ascii=False) + "\n")
        sink.flush()


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
