"""The emulator fixtures, also when the root conftest does not register the plugin."""

from sandbox.pytest_plugin import emulator, emulator_bot

__all__ = ["emulator", "emulator_bot"]
