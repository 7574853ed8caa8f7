"""`/label`: an organiser confirms or corrects the themes of the answers the tagger is least
sure of, one at a time, with inline buttons (bot/core/labelling.py does the work)."""

from __future__ import annotations

import logging

from telegram import Update

from bot.core.errors import MinyiError
from bot.core.labelling import (
    LabelItem,
    label_choices,
    learning_due,
    next_to_label,
    record_label,
    start_learning,
)
from bot.core.roles import caller_of
from bot.render.texts import Lang, say
from bot.telegram.context import Ctx
from bot.telegram.keyboards import (
    LabelWords,
    label_keyboard,
    parse_label,
)
from handlers.common import (
    answer_press,
    authorise,
    core_of,
    in_group,
    lang_of,
    pressed_in_own_private_chat,
    reply,
    turn_of,
)

log = logging.getLogger(__name__)


def _names(context: Ctx, lang: Lang) -> tuple[list[str], list[str], list[list[int]]]:
    """Label choice ids, their names in `lang`, and the two pages (principles, domains)."""
    taxonomy = core_of(context).tagger.taxonomy
    ids = label_choices(taxonomy)
    themes = [taxonomy.get(i) for i in ids]
    names = [
        (t.name_zh if lang == "zh" else t.name_en) if t else i
        for i, t in zip(ids, themes, strict=True)
    ]
    principles = [k for k, t in enumerate(themes) if t is not None and t.kind == "principle"]
    domains = [k for k in range(len(ids)) if k not in set(principles)]
    return ids, names, [p for p in (principles, domains) if p]


def _words(lang: Lang, page: int) -> LabelWords:
    return LabelWords(
        confirm=say("label_confirm", lang),
        skip=say("label_skip", lang),
        stop=say("label_stop", lang),
        other_page=say("label_to_domains" if page == 0 else "label_to_principles", lang),
    )


def _item_text(item: LabelItem, names: dict[str, str], lang: Lang) -> str:
    sep = "、" if lang == "zh" else ", "
    suggested = sep.join(names[t] for t in item.suggested) or say("label_none_suggested", lang)
    return say("label_item", lang, id=item.answer_id, text=item.text, suggested=suggested)


async def _offer_next(update: Update, context: Ctx, lang: Lang) -> None:
    """Send the next answer to label, or say there is none."""
    core = core_of(context)
    user = update.effective_user
    assert user is not None
    caller = caller_of(core.settings, user.id, None, organisers_only=True)
    assert caller is not None
    item = await next_to_label(core, caller, turn=turn_of(update, context))
    if item is None:
        await reply(update, context, say("label_none", lang))
        return
    ids, names, pages = _names(context, lang)
    chosen = frozenset(ids.index(t) for t in item.suggested)
    markup = label_keyboard(item.answer_id, names, pages, 0, chosen, _words(lang, 0))
    by_id = dict(zip(ids, names, strict=True))
    await reply(update, context, _item_text(item, by_id, lang), reply_markup=markup)


async def label(update: Update, context: Ctx) -> None:
    """`/label`, in private: the first answer to label (configured organisers only)."""
    caller = await authorise(update, context, organisers_only=True)
    if caller is None:
        return
    lang = lang_of(update, context)
    if in_group(update):
        await reply(update, context, say("label_private_only", lang))
        return
    await _offer_next(update, context, lang)


async def label_button(update: Update, context: Ctx) -> None:
    """A press on a /label keyboard: toggle a theme, turn the page, confirm, skip or stop."""
    query = update.callback_query
    if query is None:
        return
    lang = lang_of(update, context)
    press = parse_label(query.data)
    core = core_of(context)
    caller = caller_of(core.settings, query.from_user.id, None, organisers_only=True)
    # Only on the bot's own /label message, in the presser's private chat, by an organiser: a
    # forged press elsewhere must neither store a label nor edit anything.
    if press is None or not pressed_in_own_private_chat(query):
        log.info("a /label press on a message that is no /label keyboard ignored")
        await answer_press(update, context, say("button_not_here", lang), refusal=True)
        return
    if caller is None:
        # Taken off roles.organisers since the card was sent: a label is an organiser's word.
        await answer_press(update, context, say("not_organiser", lang), refusal=True)
        return
    # Every press is answered (and its keyboard edited) once it has committed: see
    # handlers/common.py answer_press.
    ids, names, pages = _names(context, lang)
    if any(i >= len(ids) for i in press.chosen) or press.index >= len(ids):
        # A keyboard made for another taxonomy: nothing it says can be trusted.
        await answer_press(update, context)
        return
    if press.action in ("toggle", "page"):
        chosen = press.chosen ^ {press.index} if press.action == "toggle" else press.chosen
        page = press.page
        if press.action == "toggle":
            page = next((n for n, p in enumerate(pages) if press.index in p), 0)
        page = min(page, len(pages) - 1)
        markup = label_keyboard(press.answer_id, names, pages, page, chosen, _words(lang, page))
        await answer_press(
            update, context, edit=lambda: query.edit_message_reply_markup(reply_markup=markup)
        )
        return
    sep = "、" if lang == "zh" else ", "
    turn = turn_of(update, context)
    if press.action == "stop":
        async with core.reading(turn) as session:
            count = await session.count_labels()
        await answer_press(
            update, context, edit=lambda: query.edit_message_reply_markup(reply_markup=None)
        )
        await reply(update, context, say("label_stopped", lang, count=count))
        return
    themes = [ids[i] for i in sorted(press.chosen)]
    skipped = press.action == "skip"
    try:
        count = await record_label(
            core, caller, press.answer_id, [] if skipped else themes, skipped=skipped, turn=turn
        )
    except MinyiError:
        # The answer was deleted meanwhile (/forget, retention), or a theme is gone: nothing
        # this keyboard says can be stored. The press is answered and the keyboard removed all
        # the same; the wrapper (handlers/errors.py) tells the organiser why.
        await answer_press(
            update, context, edit=lambda: query.edit_message_reply_markup(reply_markup=None)
        )
        raise
    await answer_press(
        update, context, edit=lambda: query.edit_message_reply_markup(reply_markup=None)
    )
    if skipped:
        await reply(update, context, say("label_skipped", lang, id=press.answer_id))
    else:
        shown = sep.join(names[i] for i in sorted(press.chosen)) or say(
            "label_none_suggested", lang
        )
        await reply(
            update, context, say("label_saved", lang, id=press.answer_id, themes=shown, count=count)
        )
    if learning_due(core.settings, count, skipped) and start_learning(core):
        await reply(update, context, say("label_learning", lang, count=count))
    await _offer_next(update, context, lang)
