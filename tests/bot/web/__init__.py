"""Tests of the web channel (bot/web)."""
