"""Shared fixtures: the Bot API emulator (sandbox plugin) and a running Minyi bot."""

from __future__ import annotations

pytest_plugins = ["sandbox.pytest_plugin", "tests.harness"]
