"""Which configuration a `minyi` verb reads (SPEC §6): `--config PATH` on every verb, else
./config.toml, else the built-in defaults with SQLite in the working directory; and
`python -m bot` is the same program as `minyi`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(
    cwd: Path, *args: str, program: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS…` (or `program ARGS…`) in `cwd`, with no MINYI_* variables
    and this checkout first on the import path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINYI_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [*(program or [sys.executable, "-m", "bot"]), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
        env=env,
    )


def test_without_config_a_verb_uses_sqlite_in_the_working_directory(tmp_path: Path) -> None:
    """In a folder with no config.toml, `minyi db migrate` makes ./minyi.db there."""
    done = _run(tmp_path, "db", "migrate")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "minyi.db").is_file()


def test_a_config_toml_in_the_working_directory_is_the_default(tmp_path: Path) -> None:
    """A ./config.toml is read without --config: its storage.url names the database made, and
    an unknown key in it is refused naming the key."""
    (tmp_path / "config.toml").write_text(
        '[storage]\nurl = "sqlite:///from-config.db"\n', encoding="utf-8"
    )
    done = _run(tmp_path, "db", "migrate")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "from-config.db").is_file()
    assert not (tmp_path / "minyi.db").exists()
    (tmp_path / "config.toml").write_text("[storage]\nurll = 1\n", encoding="utf-8")
    refused = _run(tmp_path, "report", "--json")
    assert refused.returncode == 2 and "storage.url" in refused.stderr, refused.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--config", "{c}", "db", "migrate"],
        ["db", "--config", "{c}", "migrate"],
        ["db", "migrate", "--config", "{c}"],
        ["--config", "{c}", "index", "framework", "{f}"],
        ["index", "--config", "{c}", "framework", "{f}"],
        ["index", "framework", "--config", "{c}", "{f}"],
    ],
)
def test_config_is_taken_before_or_after_a_verb_and_its_sub_verb(
    tmp_path: Path, args: list[str]
) -> None:
    """`--config PATH` works wherever it is written in the command: a verb group (`db`,
    `index`) takes it before its sub-verb as well as after."""
    config = tmp_path / "deploy" / "config.toml"
    config.parent.mkdir()
    config.write_text('[storage]\nurl = "sqlite:///chosen.db"\n', encoding="utf-8")
    framework = ROOT / "bot" / "core" / "data" / "index_framework.toml"
    done = _run(tmp_path, *(a.format(c=config, f=framework) for a in args))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "chosen.db").is_file()


def test_python_m_bot_is_the_minyi_command(tmp_path: Path) -> None:
    """`minyi tag --jsonl` and `python -m bot tag --jsonl` print the same lines."""
    script = Path(sys.executable).with_name("minyi")
    if not script.is_file():
        pytest.skip("the minyi console script is not installed beside this Python")
    texts = tmp_path / "texts.txt"
    texts.write_text("小区停车位太少了\n物业收费应该公开透明\n", encoding="utf-8")
    by_module = _run(tmp_path, "tag", "--jsonl", str(texts))
    by_script = _run(tmp_path, "tag", "--jsonl", str(texts), program=[str(script)])
    assert by_module.returncode == by_script.returncode == 0, by_script.stderr
    assert by_module.stdout == by_script.stdout and by_module.stdout.count("\n") == 2


def test_a_config_path_that_is_a_folder_is_one_clear_line(tmp_path: Path) -> None:
    """`--config` naming a folder, or a folder called config.toml in the working directory,
    is refused in one line naming it (exit 2), not with a traceback."""
    folder = tmp_path / "settings"
    folder.mkdir()
    given = _run(tmp_path, "--config", str(folder), "report", "--json")
    assert given.returncode == 2, given.stderr
    assert "Traceback" not in given.stderr and str(folder) in given.stderr, given.stderr
    (tmp_path / "config.toml").mkdir()
    default = _run(tmp_path, "report", "--json")
    assert default.returncode == 2, default.stderr
    assert "Traceback" not in default.stderr and "config.toml" in default.stderr, default.stderr
