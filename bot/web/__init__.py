"""The web channel: answer pages for residents who are not on Telegram, and their QR codes."""
