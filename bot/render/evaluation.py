"""`minyi evaluate` as a text table whose columns line up with Chinese theme names."""

from __future__ import annotations

from bot.render.widths import format_table
from nlp.metrics import Evaluation
from nlp.taxonomy import Taxonomy


def render_evaluation(result: Evaluation, protocol: str, taxonomy: Taxonomy) -> str:
    """Per-theme precision, recall, F1 and support, the macro average and the accuracy.

    Padded by display width: `participation 参与` is 18 columns wide but 16 characters, so
    padding by `len()` pushed every number of a Chinese-named row two columns right.
    """
    names = {t.id: t.name_zh for t in taxonomy.themes}
    rows = [["theme", "precision", "recall", "F1", "support"]]
    for s in result.per_theme:
        rows.append(
            [
                f"{s.label} {names.get(s.label, '')}".rstrip(),
                f"{s.precision:.3f}",
                f"{s.recall:.3f}",
                f"{s.f1:.3f}",
                str(s.support),
            ]
        )
    rows.append(
        [
            "macro",
            f"{result.macro_precision:.3f}",
            f"{result.macro_recall:.3f}",
            f"{result.macro_f1:.3f}",
            "",
        ]
    )
    table = format_table(rows, ("left", "right", "right", "right", "right"))
    lines = [f"{protocol}; {result.n} examples", *table, f"accuracy {result.accuracy:.3f}"]
    return "\n".join(lines) + "\n"
