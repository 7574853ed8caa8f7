"""What a resident is shown of their own data (/mydata, and the web pages' /me)."""

from __future__ import annotations

from bot.core.models import RoundKind
from bot.core.residents import Choice, MyData
from bot.render.texts import Lang, say


def choice_key(kind: RoundKind) -> str:
    """How a round's vote is named where a resident reads their own data: a rating as a
    rating out of 5 (not a vote for an option called "4"), a priorities round as what the
    resident chose, a poll as a vote. The suffix of the templates `mydata_<key>` and
    `web_me_<key>`."""
    return {"rating": "rating", "priorities": "choice"}.get(kind, "vote")


def chosen_text(choice: Choice, lang: Lang) -> tuple[str, ...]:
    """A vote's options as a reader of `lang` reads them (a priorities round's principles in
    that language)."""
    return choice.chosen_in.get(lang, choice.chosen)


def my_data_text(data: MyData, lang: Lang) -> str:
    """A resident's own answers and votes as a reply (for /mydata, in private chat)."""
    if not data.answers and not data.votes and not data.waiting:
        return say("mydata_empty", lang)
    votes = len(data.choices) + len(data.waiting)
    lines = [say("mydata_header", lang, answers=len(data.answers), votes=votes)]
    lines += [say("mydata_answer", lang, round=a.round_id, text=a.text) for a in data.answers]
    lines += [
        say(f"mydata_{choice_key(c.kind)}", lang, round=c.round_id, choice=chosen_text(c, lang))
        for c in data.choices
    ]
    lines += [
        say(
            "mydata_waiting",
            lang,
            choice=tuple(str(i + 1) for i in options) or ("-",),
        )
        for options in data.waiting
    ]
    return "\n".join(lines)
