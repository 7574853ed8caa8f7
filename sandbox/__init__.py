"""A local Telegram Bot API emulator that an unmodified python-telegram-bot talks to.

    async with BotAPIEmulator() as em:
        app = application_builder_for(em).build()      # or Bot(token, base_url=em.base_url, …)
        resident = em.add_user("王阿姨")
        group = em.add_group("碧海社区", admins=[organiser])
        em.add_bot_to_group(group, organiser)
        em.send_message(resident, group, "停车位太少了")
        await em.wait_idle()
        em.messages_to(group.id)                        # what the bot posted there

Modules: `emulator` (HTTP server, long polling, webhooks, faults, recording), `world` (people,
chats, messages, polls: the people API), `methods` (Bot API methods), `payloads` (JSON
builders), `params` (request decoding, Telegram errors), `formatting` (entities, HTML),
`flood` (flood limits), `ptb` (PTB wiring), `pytest_plugin` (fixtures).
"""

from sandbox.emulator import BotAPIEmulator
from sandbox.models import RecordedCall, SimChat, SimUser

__all__ = ["BotAPIEmulator", "RecordedCall", "SimChat", "SimUser"]
