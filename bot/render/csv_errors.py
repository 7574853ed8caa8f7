"""What a CSV input error says, in Chinese and English, with the file and line in front.

The templates belong with the others in bot/render/texts.py; they are kept here until that
module has them, and `describe_csv_error` falls back to it for the keys callers add with
`CsvInputError.at(row, key, …)` (an unknown indicator in an index import, say).
"""

from __future__ import annotations

from bot.core.csvfiles import CsvInputError
from bot.render.texts import TEMPLATES, Lang, after_colon, fill

_SAVE_AS = (
    "请在表格软件中“另存为 CSV”后重试。",
    "Save it as CSV from the spreadsheet and try again.",
)

# What `kind` of a `csv_not_csv` error is called.
NOT_CSV_NAMES: dict[str, tuple[str, str]] = {
    "png": ("PNG 图片", "a PNG image"),
    "jpeg": ("JPEG 图片", "a JPEG image"),
    "gif": ("GIF 图片", "a GIF image"),
    "pdf": ("PDF 文件", "a PDF file"),
    "xlsx": ("Excel 工作簿（.xlsx）或压缩文件", "an Excel workbook (.xlsx) or a zip file"),
    "xls": ("旧版 Excel 工作簿（.xls）", "an old Excel workbook (.xls)"),
    "binary": ("二进制文件", "a binary file"),
}

CSV_TEMPLATES: dict[str, tuple[str, str]] = {
    "csv_too_big": (
        "文件太大（{size} 字节，上限 {limit} 字节）。",
        "the file is too big ({size:byte|bytes}, at most {limit}).",
    ),
    "csv_unreadable": ("无法读取文件（{reason}）。", "cannot read the file ({reason})."),
    "csv_empty": ("文件是空的，没有表头。", "the file is empty (no header)."),
    "csv_not_csv": (
        "这不是 CSV 文件，而是{what}。" + _SAVE_AS[0],
        "this is not a CSV file but {what}. " + _SAVE_AS[1],
    ),
    "csv_encoding": (
        "第 {byte} 字节无法识别：文件既不是 UTF-8 也不是 GBK 编码。" + _SAVE_AS[0],
        "unreadable text at byte {byte}: the file is neither UTF-8 nor GBK. " + _SAVE_AS[1],
    ),
    "csv_row_too_long": (
        "这一行超过 {limit} 个字符，不像是一行表格（多半是引号没有配对）。",
        "this line's character count is over {limit}, too long for a row (most likely an "
        "unmatched quote).",
    ),
    "csv_malformed": (
        "CSV 格式错误（{reason}），多半是引号没有配对。",
        "malformed CSV ({reason}), most likely an unmatched quote.",
    ),
    "csv_header_blank": ("表头第 {column} 列没有名称。", "header column {column} has no name."),
    "csv_header_repeated": ("表头中“{name}”出现了两次。", "the header names “{name}” twice."),
    "csv_header_missing": (
        "表头缺少列：{missing}（需要 {needed}）。",
        "the header lacks column(s) {missing} (needed: {needed}).",
    ),
    "csv_no_rows": ("表头下面没有数据行。", "there are no rows under the header."),
    "csv_labelled_empty": (
        "text 或 label 是空的。",
        "the text or the label is empty.",
    ),
    "csv_unknown_theme": (
        "没有主题“{theme}”（用主题 id 或中文名，多个用 ; 分开，没有主题写 none）。",
        "there is no theme “{theme}” (use theme ids or Chinese names, ; between several, "
        "none for no theme).",
    ),
    "csv_unknown_label": (
        "没有主题“{theme}”（label 写一个主题 id 或中文名）。",
        "there is no theme “{theme}” (a label is one theme id or Chinese name).",
    ),
    "csv_row_cells": (
        "这一行有 {cells} 列，表头有 {header} 列。",
        "this row has {cells:cell|cells}, the header {header}.",
    ),
}


def describe_csv_error(error: CsvInputError, lang: Lang) -> str:
    """`values.csv, line 7: this row has 5 cells, the header 4.` (or in Chinese)."""
    zh, en = CSV_TEMPLATES.get(error.key) or TEMPLATES[error.key]
    values = dict(error.values)
    kind = values.get("kind")
    if error.key == "csv_not_csv" and isinstance(kind, str):
        values["what"] = NOT_CSV_NAMES[kind][0 if lang == "zh" else 1]
    reason = fill(zh if lang == "zh" else en, **values)
    if lang == "zh":
        where = f"{error.path} 第 {error.line} 行" if error.line else error.path
        return f"{where}：{reason}"
    where = f"{error.path}, line {error.line}" if error.line else error.path
    # A shared template begins a sentence ("The id should be…"); here it follows a colon.
    return f"{where}: {after_colon(reason)}"
