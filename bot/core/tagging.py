"""CLI glue for `minyi tag`, `minyi learn` and `minyi evaluate` (SPEC §6).

bot/cli.py parses the arguments and calls these; they read and write plain streams and files,
and all the language work happens in `nlp`.
"""

from __future__ import annotations

import csv
import itertools
import json
import random
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from bot.core.base import MODEL_NAME, Core
from bot.core.csvfiles import (
    CsvInputError,
    Line,
    csv_rows,
    read_csv_rows,
    read_lines,
    write_csv,
)
from bot.core.models import ProgressSink
from nlp.learn import NONE_LABEL, is_none_label, resolve_labels, stratified_folds, train
from nlp.metrics import Evaluation, evaluate_rows, evaluate_sets
from nlp.model import NO_THEME
from nlp.tagger import Tagger, ThemeTag
from nlp.taxonomy import Taxonomy


def _themes_json(tags: Sequence[ThemeTag]) -> list[dict[str, Any]]:
    """`minyi tag --jsonl`'s themes (SPEC §6). Every tag carries its evidence (SPEC §4): the
    taxonomy keywords found, or for a theme only a model found, the words of the text that
    weighed most in its score (`learned`): an empty list told a reader nothing of why."""
    return [
        {
            "id": t.id,
            "name_zh": t.name_zh,
            "kind": t.kind,
            "score": t.score,
            "evidence": t.evidence or t.learned,
        }
        for t in tags
    ]


def _described(tag: ThemeTag) -> str:
    """One tag for `minyi tag`'s text output: name, confidence, keyword evidence and, when a
    model scored it, the words that weighed most (`学到 learned: ...`)."""
    text = f"{tag.name_zh} {tag.score:.2f} ({'、'.join(tag.evidence) or '—'})"
    if tag.learned:
        text += f" [学到 learned: {'、'.join(tag.learned)}]"
    return text


@dataclass(frozen=True)
class InputText:
    """A text given to `minyi tag`: where it is (its line; a CSV row's first line), and the
    text, or None if it is longer than the limit (`length` characters), which is not tagged."""

    line: int
    text: str | None
    length: int


_HEADER_CHARS = 4096


def _row_limit(limit: int) -> int:
    """The longest physical line of a CSV `minyi tag` reads: a row's other cells around a text
    of `limit` characters. A longer one cannot be skipped safely (a quote may open in it)."""
    return max(8 * limit, 64 * 1024)


def iter_texts(stream: BinaryIO, name: str, *, limit: int) -> Iterator[InputText]:
    """One text per line, or the `text` column of a CSV (detected by its header); UTF-8 (BOM or
    not) or GBK/GB18030, and CsvInputError naming `name` and the line for anything else.

    Read a line (a row) at a time, never whole: a text longer than `limit` characters (the
    bot's own `limits.max_answer_chars`) is given as an `InputText` without its text, counted
    but never held, and the texts after it follow as usual. In a CSV, a physical line longer
    than `_row_limit` stops the file (CsvInputError `csv_row_too_long`)."""
    lines = read_lines(stream, name, limit=_row_limit(limit))
    first = next(lines, None)
    if first is None:
        return
    # A header is a short line (csv refuses a field over 128 KiB before it could tell).
    head = first.text if first.text is not None and len(first.text) <= _HEADER_CHARS else ""
    try:
        names = [h.strip() for h in next(csv.reader([head]), [])]
    except csv.Error:  # a lone "\r" inside the line: text, no header
        names = []
    # A CSV has a `text` column; a lone word "text" on the first line is taken as that header.
    if "text" in names and (len(names) > 1 or head.strip() == "text"):
        yield from _csv_texts(itertools.chain([first], lines), name, limit)
        return
    for line in itertools.chain([first], lines):
        if line.text is None or line.length > limit:
            yield InputText(line.number, None, line.length)
        elif line.text.strip():
            yield InputText(line.number, line.text, line.length)


def _csv_texts(lines: Iterable[Line], name: str, limit: int) -> Iterator[InputText]:
    def physical() -> Iterator[str]:
        for line in lines:
            if line.text is None:
                raise CsvInputError(
                    "csv_row_too_long", path=name, line=line.number, limit=_row_limit(limit)
                )
            yield line.text + line.ending

    for row in csv_rows(physical(), name, required=("text",)):
        text = row["text"].strip()
        if len(text) > limit:
            yield InputText(row.line, None, len(text))
        else:
            yield InputText(row.line, text, len(text))


# Texts tagged together by `minyi tag` (Tagger.tag_many works on a batch at once).
TAG_CHUNK = 200
# What json.dumps(record, ensure_ascii=False) writes, without building an encoder per line.
_to_json = json.JSONEncoder(ensure_ascii=False).encode


def tag_verb(
    texts: Iterable[InputText],
    jsonl: bool,
    tagger: Tagger,
    out: TextIO,
    progress: ProgressSink | None = None,
    *,
    limit: int,
) -> int:
    """`minyi tag`: tag each text and print JSON lines or one readable line per text, a chunk
    at a time as the texts are read. A text over `limit` characters is not tagged: its record
    says so (`{"text": "", "themes": [], "line", "error": "too_long", "length", "limit"}`),
    and the others go on."""
    items = iter(texts)
    while chunk := list(itertools.islice(items, TAG_CHUNK)):
        readable = [t.text for t in chunk if t.text is not None]
        # (JSON lines show the words a model weighed most as the evidence of a theme no keyword
        # points to, so they are worked out for both outputs.)
        tagged = iter(tagger.tag_many(readable))
        lines: list[str] = []
        for item in chunk:
            if item.text is None:
                if jsonl:
                    # SPEC §6's keys stay, empty: a consumer reading `text` and `themes` of
                    # every record goes on; `error` tells this one from an untagged text.
                    record: dict[str, Any] = {
                        "text": "",
                        "themes": [],
                        "line": item.line,
                        "error": "too_long",
                        "length": item.length,
                        "limit": limit,
                    }
                    lines.append(json.dumps(record) + "\n")
                else:
                    lines.append(
                        f"(line {item.line}: {item.length} characters, over the limit of "
                        f"{limit}: not tagged)\n"
                    )
                continue
            tags = next(tagged)
            if jsonl:
                record = {"text": item.text, "themes": _themes_json(tags)}
                lines.append(_to_json(record) + "\n")
                continue
            described = "; ".join(_described(t) for t in tags) if tags else "—"
            lines.append(f"{item.text}\n    → {described}\n")
        out.write("".join(lines))
        if progress is not None:
            progress.advance(len(chunk))
    return 0


def learned_summary(examples: Sequence[tuple[str, str]], taxonomy: Taxonomy) -> str:
    """How many examples of each theme a model learned from, e.g. `城乡建设 4, 教育文体 2`
    (and `none 3` for the file's rows with no theme)."""
    counts: dict[str, int] = {}
    for label in resolve_labels([label for _, label in examples], taxonomy):
        counts[label] = counts.get(label, 0) + 1
    names = {t.id: t.name_zh for t in taxonomy.themes} | {NO_THEME: NO_LABEL}
    return ", ".join(f"{names[label]} {n}" for label, n in sorted(counts.items()))


async def learn(
    core: Core, examples: Sequence[tuple[str, str]], progress: ProgressSink | None = None
) -> str:
    """`minyi learn`: train on labelled examples and store the model for this deployment
    (the tagger uses it from its next start; `minyi retag` applies it to stored answers).
    Returns what it learned from (`learned_summary`); `progress` counts texts segmented."""
    if progress is not None:
        progress.set_total(len(examples))
    model = train(
        examples, core.tagger.taxonomy, advance=None if progress is None else progress.advance
    )
    async with core.transaction() as session:
        await session.set_model(MODEL_NAME, model.to_bytes(), core.now())
    return learned_summary(examples, core.tagger.taxonomy)


# In a multi-label `labels` cell: theme ids or names, separated by ; (or the full-width ；).
_LABEL_SEPARATORS = re.compile(r"[;；]")
# A `labels` (or `label`) cell saying the answer has none of the themes.
NO_LABEL = NONE_LABEL


def is_multilabel(path: Path) -> bool:
    """Whether a labelled CSV has the multi-label `labels` column (else `label`)."""
    rows = read_csv_rows(path, required=("text",))
    return bool(rows) and "labels" in rows[0] and "label" not in rows[0]


def read_multilabelled(path: Path, taxonomy: Taxonomy) -> list[tuple[str, list[str]]]:
    """(text, theme ids) from a CSV with `text` and `labels` columns (`a;b`, or `none`);
    CsvInputError naming the line of an empty cell or an unknown theme."""
    rows = read_csv_rows(path, required=("text", "labels"))
    examples: list[tuple[str, list[str]]] = []
    for row in rows:
        text = row["text"].strip()
        names = [x.strip() for x in _LABEL_SEPARATORS.split(row["labels"]) if x.strip()]
        if not text or not names:
            raise CsvInputError.at(row, "csv_labelled_empty")
        ids: list[str] = []
        for name in names:
            if is_none_label(name):
                continue
            theme = taxonomy.get(name)
            if theme is None:
                raise CsvInputError.at(row, "csv_unknown_theme", theme=name[:40])
            ids.append(theme.id)
        examples.append((text, sorted(set(ids))))
    if not examples:
        raise CsvInputError("csv_no_rows", path=str(path), line=0)
    return examples


def labels_csv(labels: Sequence[tuple[str, Sequence[str]]]) -> bytes:
    """`minyi export --labels`: organisers' labels as a `text,labels` CSV (ids joined by ;,
    `none` for an answer with no theme) that `minyi learn` and `minyi evaluate` read back."""
    return write_csv(
        [[text, ";".join(themes) or NO_LABEL] for text, themes in labels], ["text", "labels"]
    )


def evaluate_labelled_sets(
    examples: Sequence[tuple[str, Sequence[str]]],
    tagger: Tagger,
    progress: ProgressSink | None = None,
) -> tuple[Evaluation, str]:
    """`minyi evaluate` on a multi-label file: per theme over the principles and first-level
    domains its labels use (a child domain tagged counts as its parent)."""
    from bot.core.labelling import top_level

    taxonomy = tagger.taxonomy
    used = {label for _, labels in examples for label in labels}
    kinds = {t.kind for t in taxonomy.themes if t.id in used} or {"principle"}
    scope = [
        t.id for t in taxonomy.themes if t.kind in kinds and (t.parent is None or t.id in used)
    ]
    if progress is not None:
        progress.set_total(len(examples))
    predicted: list[set[str]] = []
    for text, _ in examples:
        ids = [t.id for t in tagger.tag(text)]
        predicted.append(top_level(taxonomy, ids) | set(ids))
        if progress is not None:
            progress.advance(1)
    gold = [set(labels) for _, labels in examples]
    protocol = "multi-label (" + ", ".join(sorted(kinds)) + ")"
    return evaluate_sets(gold, predicted, scope), protocol


async def learn_sets(core: Core, examples: Sequence[tuple[str, Sequence[str]]]) -> str:
    """`minyi learn` on a multi-label file: the principle model and the first-level domain
    model learn again from their base examples, the organisers' stored labels and these (only
    rows naming a domain teach the domain model: nlp/domain_model.py). Returns a summary."""
    from bot.core.labelling import (
        base_examples,
        file_examples,
        keep_file_examples,
        store_learned,
        train_principles,
    )
    from nlp.domain_model import domain_examples, train_domains

    taxonomy = core.tagger.taxonomy
    async with core.transaction() as session:
        erasures = await session.count_label_erasures()  # first: see learn_from_labels
        stored = [(text, themes) for _, text, themes in await session.list_labels()]
        kept = await file_examples(session)
    # Older files' rows, then the organisers' labels, then this file's rows (the last word).
    labelled = [*kept, *stored, *((text, list(labels)) for text, labels in examples)]
    model = train_principles(base_examples(core.settings, taxonomy), labelled, taxonomy)
    domains = train_domains(labelled, taxonomy)
    await store_learned(core, model, domains, erasures=erasures)
    async with core.transaction() as session:
        await keep_file_examples(session, examples, core)
    done = [f"principles from {len(dict(labelled))} labelled answers"]
    if domains is not None:
        done.append(f"first-level domains from {len(domain_examples(taxonomy, labelled))}")
    return "; ".join(done)


def read_labelled(path: Path, taxonomy: Taxonomy | None = None) -> list[tuple[str, str]]:
    """(text, label) pairs from a CSV with `text` and `label` columns (bot/core/csvfiles:
    UTF-8 or GBK), label `none` (`is_none_label`) for a text with no theme; CsvInputError with
    the file and line of a missing column or empty cell, and, given the `taxonomy`, of a label
    that is none of its themes' ids or names."""
    rows = read_csv_rows(path, required=("text", "label"))
    examples: list[tuple[str, str]] = []
    for row in rows:
        text, label = row["text"].strip(), row["label"].strip()
        if not text or not label:
            raise CsvInputError.at(row, "csv_labelled_empty")
        if taxonomy is not None and not is_none_label(label) and taxonomy.get(label) is None:
            raise CsvInputError.at(row, "csv_unknown_label", theme=label[:40])
        examples.append((text, label))
    if not examples:
        raise CsvInputError("csv_no_rows", path=str(path), line=0)
    return examples


def _predict(
    tagger: Tagger,
    texts: Sequence[str],
    labels: Sequence[str],
    kind: str,
    progress: ProgressSink | None,
) -> list[set[str]]:
    """Per text, the themes the tagger gives it among `labels` (principles), or the one it
    scores highest (domains: one category per message); a text repeated is tagged once."""
    predicted: dict[str, set[str]] = {}
    wanted = set(labels)
    for text in texts:
        if text not in predicted:
            if kind == "principle":
                predicted[text] = {t.id for t in tagger.tag(text) if t.id in wanted}
            else:
                predicted[text] = {tagger.best_of(text, labels)}
        if progress is not None:
            progress.advance(1)
    return [predicted[text] for text in texts]


def _score(
    tagger: Tagger,
    texts: Sequence[str],
    gold: Sequence[str],
    labels: Sequence[str],
    kind: str,
    progress: ProgressSink | None = None,
) -> Evaluation:
    predicted = _predict(tagger, texts, labels, kind, progress)
    # A text with two themes is two rows: scored once per theme, not wrong on each other row.
    return evaluate_rows(texts, gold, predicted, labels)


def _pool(evaluations: Sequence[Evaluation]) -> Evaluation:
    """Average several evaluations (e.g. CV folds) theme by theme."""
    first = evaluations[0]
    n = len(evaluations)
    per_theme = []
    for i, score in enumerate(first.per_theme):
        rows = [e.per_theme[i] for e in evaluations]
        per_theme.append(
            score.model_copy(
                update={
                    "precision": sum(r.precision for r in rows) / n,
                    "recall": sum(r.recall for r in rows) / n,
                    "f1": sum(r.f1 for r in rows) / n,
                    "support": sum(r.support for r in rows),
                }
            )
        )
    return Evaluation(
        per_theme=per_theme,
        macro_precision=sum(e.macro_precision for e in evaluations) / n,
        macro_recall=sum(e.macro_recall for e in evaluations) / n,
        macro_f1=sum(e.macro_f1 for e in evaluations) / n,
        accuracy=sum(e.accuracy for e in evaluations) / n,
        n=sum(e.n for e in evaluations),
    )


def run_evaluation(
    examples: Sequence[tuple[str, str]],
    tagger: Tagger,
    kind: str | None = None,
    cv: int = 0,
    train_per_label: int = 0,
    seed: int = 0,
    progress: ProgressSink | None = None,
) -> tuple[Evaluation, str]:
    """Evaluate and describe the protocol: plain, k-fold CV, or train on N per label;
    `progress` counts the texts tagged for scoring."""
    taxonomy = tagger.taxonomy
    texts = [text for text, _ in examples]
    gold = resolve_labels([label for _, label in examples], taxonomy)
    labels = [t.id for t in taxonomy.themes if t.id in set(gold)]
    if kind is None:
        kinds = {theme.kind for theme in taxonomy.themes if theme.id in set(gold)}
        kind = "principle" if kinds == {"principle"} else "domain"
    if cv and cv >= 2:
        if progress is not None:
            progress.set_total(len(texts))
        results = []
        for fold in stratified_folds(gold, cv, seed):
            held = set(fold)
            train_set = [(texts[i], gold[i]) for i in range(len(texts)) if i not in held]
            model = train(train_set, taxonomy)
            fold_tagger = Tagger(taxonomy, model, tagger.segmenter)
            results.append(
                _score(
                    fold_tagger,
                    [texts[i] for i in fold],
                    [gold[i] for i in fold],
                    labels,
                    kind,
                    progress,
                )
            )
        return _pool(results), f"{cv}-fold cross-validation, learned model"
    if train_per_label > 0:
        rng = random.Random(seed)
        chosen: set[int] = set()
        for label in labels:
            items = [i for i, g in enumerate(gold) if g == label]
            rng.shuffle(items)
            chosen.update(items[:train_per_label])
        model = train([(texts[i], gold[i]) for i in sorted(chosen)], taxonomy)
        rest = [i for i in range(len(texts)) if i not in chosen]
        if progress is not None:
            progress.set_total(len(rest))
        result = _score(
            Tagger(taxonomy, model, tagger.segmenter),
            [texts[i] for i in rest],
            [gold[i] for i in rest],
            labels,
            kind,
            progress,
        )
        return result, f"learned on {train_per_label} per label, tested on the other {len(rest)}"
    if progress is not None:
        progress.set_total(len(texts))
    result = _score(tagger, texts, gold, labels, kind, progress)
    return result, _protocol(tagger, labels)


def _protocol(tagger: Tagger, labels: Sequence[str]) -> str:
    """What scored `labels`: the deployment's learned model, else the keywords and the models
    of the kinds scored (the principle model, shipped or learned from labels; a domain model
    learned from labels), else the keywords alone."""
    if tagger.model is not None:
        return "learned model"
    kinds = {t.kind for t in tagger.taxonomy.themes if t.id in set(labels)}
    models = [
        f"{kind} model"
        for kind, model in (("principle", tagger.principle_model), ("domain", tagger.domain_model))
        if kind in kinds and model is not None
    ]
    return "keywords and " + " and ".join(models) if models else "keywords only (zero-shot)"


def evaluation_json(result: Evaluation, protocol: str, taxonomy: Taxonomy) -> dict[str, Any]:
    """`minyi evaluate --json`: per-theme precision/recall/F1 and the macro average."""
    names = {t.id: t.name_zh for t in taxonomy.themes}
    return {
        "protocol": protocol,
        "n": result.n,
        "accuracy": round(result.accuracy, 4),
        "macro": {
            "precision": round(result.macro_precision, 4),
            "recall": round(result.macro_recall, 4),
            "f1": round(result.macro_f1, 4),
        },
        "themes": [
            {
                "id": s.label,
                "name_zh": names.get(s.label, s.label),
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
                "support": s.support,
            }
            for s in result.per_theme
        ],
    }
