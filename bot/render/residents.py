"""What a resident is shown of their own data (/mydata)."""

from __future__ import annotations

from bot.core.residents import MyData
from bot.render.texts import Lang, say


def my_data_text(data: MyData, lang: Lang) -> str:
    """A resident's own answers and votes as a reply (for /mydata, in private chat)."""
    if not data.answers and not data.votes:
        return say("mydata_empty", lang)
    lines = [say("mydata_header", lang, answers=len(data.answers), votes=len(data.choices))]
    lines += [say("mydata_answer", lang, round=a.round_id, text=a.text) for a in data.answers]
    lines += [say("mydata_vote", lang, round=r, choice=c) for r, c in data.choices]
    return "\n".join(lines)
