"""What an operator sees when a `minyi` verb is pointed at the wrong place (SPEC §6, §7):
one clear line and exit 2, never a traceback, and nothing created by a read-only verb."""

from __future__ import annotations

from pathlib import Path

from tests.bot.test_cli import minyi
from tests.bot.test_cli_index import registered_config


def _deployment(tmp_path: Path) -> Path:
    """A config on an existing SQLite file with one registered community, an index framework
    and a value in 2026-Q1 and 2026-Q2."""
    config = registered_config(tmp_path, ["碧海社区"])
    (tmp_path / "values.csv").write_text(
        "community,indicator,period,value\n碧海社区,rent,2026-Q1,40\n碧海社区,rent,2026-Q2,35\n",
        encoding="utf-8",
    )
    for verb in ("framework", "import"):
        name = "framework.toml" if verb == "framework" else "values.csv"
        done = minyi(config, "index", verb, str(tmp_path / name))
        assert done.returncode == 0, done.stderr
    return config


def test_an_output_folder_that_cannot_be_made_is_named_in_one_line(tmp_path: Path) -> None:
    """`digest --out`, `index report --out` and `demo --out` naming a file, or a folder under
    a file, stop with exit 2 and one line naming the folder, not a Python traceback."""
    config = _deployment(tmp_path)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x", encoding="utf-8")
    for out in (a_file, a_file / "sub"):
        for verb in (
            ["digest", "--out", str(out)],
            ["index", "report", "--out", str(out)],
            ["demo", "--fast", "--out", str(out)],
        ):
            done = minyi(config, *verb)
            assert done.returncode == 2, (verb, done.stdout, done.stderr)
            assert "Traceback" not in done.stderr, done.stderr
            lines = [line for line in done.stderr.splitlines() if "WARNING" not in line]
            assert len(lines) == 1 and str(out) in lines[0], done.stderr
    assert a_file.read_text(encoding="utf-8") == "x"


def test_index_and_qr_on_a_missing_database_name_config_and_create_nothing(
    tmp_path: Path,
) -> None:
    """`index`, `index --json`, `index report` and `qr` read a deployment: on a SQLite file
    that does not exist they name the file and `--config` (not "import values first") and
    leave no empty database behind."""
    config = tmp_path / "config.toml"
    database = tmp_path / "m.db"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{database}"\n'
        '[web]\nlisten = "127.0.0.1:8089"\npublic_url = "http://127.0.0.1:8089"\n',
        encoding="utf-8",
    )
    for verb in (
        ["index"],
        ["index", "--json"],
        ["index", "report", "--out", str(tmp_path / "out")],
        ["qr", "--out", str(tmp_path / "qr")],
    ):
        done = minyi(config, *verb)
        assert done.returncode == 2, (verb, done.stdout, done.stderr)
        assert "--config" in done.stderr and str(database) in done.stderr, (verb, done.stderr)
        assert done.stdout == "" and not database.exists(), verb
    assert not (tmp_path / "out").exists() and not (tmp_path / "qr").exists()


def test_index_report_publishes_the_period_given_before_report(tmp_path: Path) -> None:
    """`minyi index --period 2026-Q1 report --out DIR` (the period where `minyi index` takes
    it) publishes 2026-Q1, as `index report --period 2026-Q1` does, not silently the latest."""
    config = _deployment(tmp_path)
    for n, verb in enumerate(
        (
            ["index", "--period", "2026-Q1", "report"],
            ["index", "report", "--period", "2026-Q1"],
        )
    ):
        out = tmp_path / f"out{n}"
        done = minyi(config, *verb, "--out", str(out))
        assert done.returncode == 0, done.stderr
        rows = (out / "index.csv").read_text(encoding="utf-8-sig").splitlines()
        assert rows[1].startswith("2026-Q1,"), (verb, rows)
    latest = minyi(config, "index", "report", "--out", str(tmp_path / "latest"))
    assert latest.returncode == 0, latest.stderr
    rows = (tmp_path / "latest" / "index.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[1].startswith("2026-Q2,"), rows
