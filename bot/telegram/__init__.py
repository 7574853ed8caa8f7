"""The Telegram channel: intake (polling, webhook), outbox, sending, keyboards."""
