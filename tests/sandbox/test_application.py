"""A real PTB Application, polling the emulator, answers people end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PollAnswerHandler,
    filters,
)

from sandbox.emulator import BotAPIEmulator
from sandbox.ptb import application_builder_for

Ctx = ContextTypes.DEFAULT_TYPE


async def start(update: Update, context: Ctx) -> None:
    """Greet with a rating keyboard."""
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("5", callback_data="rate:5")]])
    await update.effective_message.reply_text("欢迎", reply_markup=keyboard)


async def rate(update: Update, context: Ctx) -> None:
    """Answer a rating press."""
    assert update.callback_query is not None
    await update.callback_query.answer(f"收到 {update.callback_query.data}")


async def echo(update: Update, context: Ctx) -> None:
    """Echo a text answer."""
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(f"记录：{update.effective_message.text}")


votes: list[tuple[int, ...]] = []


async def record_vote(update: Update, context: Ctx) -> None:
    """Remember a poll answer."""
    assert update.poll_answer is not None
    votes.append(tuple(update.poll_answer.option_ids))


@pytest_asyncio.fixture
async def running_app(emulator: BotAPIEmulator) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The Application polling the emulator, stopped after the test."""
    votes.clear()
    app = application_builder_for(emulator).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(rate))
    app.add_handler(PollAnswerHandler(record_vote))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES
        )
        await app.start()
        yield app
        await app.updater.stop()
        await app.stop()


async def test_application_round_trip(
    emulator: BotAPIEmulator,
    running_app: Application,  # type: ignore[type-arg]
) -> None:
    """/start, a button press, a text answer and a vote are each handled and confirmed."""
    resident = emulator.add_user("王阿姨")
    chat = emulator.private_chat(resident)
    emulator.send_message(resident, chat, "/start")
    await emulator.wait_for(lambda: len(emulator.messages_to(chat.id)) == 1)
    greeting = emulator.messages_to(chat.id)[0]
    query_id = emulator.press_button(resident, chat, greeting["message_id"], "rate:5")
    await emulator.wait_for(lambda: emulator.callback_answer(query_id) is not None)
    assert emulator.callback_answer(query_id)["text"] == "收到 rate:5"  # type: ignore[index]

    emulator.send_message(resident, chat, "停车位太少了")
    await emulator.wait_for(lambda: len(emulator.messages_to(chat.id)) == 2)
    assert emulator.messages_to(chat.id)[1]["text"] == "记录：停车位太少了"

    poll = await running_app.bot.send_poll(chat.id, "?", ["甲", "乙"], is_anonymous=False)
    assert poll.poll is not None
    emulator.vote_poll(resident, poll.poll.id, [1])
    await emulator.wait_for(lambda: (1,) in votes)
    await emulator.wait_idle()
    assert emulator.pending_updates == 0


async def test_wait_for_timeout_says_what_happened(emulator: BotAPIEmulator) -> None:
    """A failed wait names the pending updates and the bot's last calls."""
    resident = emulator.add_user("居民")
    emulator.send_message(resident, emulator.private_chat(resident), "没人理")
    try:
        await emulator.wait_idle(timeout=0.2)
    except TimeoutError as exc:
        assert "pending updates" in str(exc) and ":message" in str(exc)
    else:
        raise AssertionError("wait_idle returned although nobody confirmed the update")
