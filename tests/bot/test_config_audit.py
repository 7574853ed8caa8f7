"""A config.toml as editors on Chinese Windows save it (SPEC §7): read when it can be, and
otherwise refused naming the file, with exit 2."""

from __future__ import annotations

from pathlib import Path

from tests.bot.test_cli import minyi


def test_a_config_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    """A config.toml saved in GBK (Notepad on Chinese Windows) is refused naming the file,
    with exit 2, not a bare codec message."""
    config = tmp_path / "config.toml"
    config.write_bytes('[locale]\n# 默认语言\ndefault = "zh"\n'.encode("gbk"))
    done = minyi(config, "tag", "--jsonl", stdin="停车难\n")
    assert done.returncode == 2, done.stdout
    assert str(config) in done.stderr and "UTF-8" in done.stderr, done.stderr


def test_a_config_file_with_a_utf8_bom_loads(tmp_path: Path) -> None:
    """A config.toml that an editor saved as "UTF-8 with BOM" (Windows Notepad) is read like
    one without, not refused as invalid TOML at line 1, column 1."""
    config = tmp_path / "config.toml"
    config.write_bytes('[locale]\n# 默认语言\ndefault = "en"\n'.encode("utf-8-sig"))
    done = minyi(config, "tag", "--jsonl", stdin="停车难\n")
    assert done.returncode == 0, done.stderr
    assert '"parking"' in done.stdout
