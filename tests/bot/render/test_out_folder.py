"""Files written into an `--out` folder never write through a link planted there."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.render.digest import Digest, write_digest
from bot.render.files import write_file
from bot.render.qr import QrCard, save_cards
from tests.bot.render.test_chart import ZONE, every_theme_report

VICTIM = "export PATH\n"


@pytest.fixture
def planted(tmp_path: Path) -> tuple[Path, Path]:
    """A shared folder and a file of the operator's outside it."""
    out = tmp_path / "shared"
    out.mkdir()
    victim = tmp_path / "bashrc"
    victim.write_text(VICTIM, encoding="utf-8")
    return out, victim


def test_the_digest_replaces_links_and_leaves_their_targets(planted: tuple[Path, Path]) -> None:
    """`minyi digest --out` into a folder holding links named like its files."""
    out, victim = planted
    names = ["digest.txt", "digest.json", "digest.csv", "digest.png"]
    for name in names:
        (out / name).symlink_to(victim)
    report = every_theme_report()
    digest = Digest(
        since=report.opens_at,
        until=report.closes_at,
        report=report,
        text="本周摘要",
        chart_png=b"\x89PNG chart",
        csv=b"\xef\xbb\xbfid\r\n",
        active=True,
    )
    assert write_digest(digest, out, "zh", ZONE) == names
    assert victim.read_text(encoding="utf-8") == VICTIM
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    assert not any(p.is_symlink() for p in out.iterdir())
    assert (out / "digest.txt").read_text(encoding="utf-8") == "本周摘要\n"
    assert (out / "digest.png").read_bytes() == b"\x89PNG chart"


def test_qr_cards_replace_links_and_leave_their_targets(planted: tuple[Path, Path]) -> None:
    """`minyi qr --out` into a folder holding a link named like a card."""
    out, victim = planted
    card = QrCard(7, 3, "碧海社区", "https://minyi.example.org/r/x", b"\x89PNG card")
    (out / card.filename).symlink_to(victim)
    assert save_cards([card], out) == [out / card.filename]
    assert victim.read_text(encoding="utf-8") == VICTIM
    assert not (out / card.filename).is_symlink()
    assert (out / card.filename).read_bytes() == b"\x89PNG card"


def test_a_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    """Written by way of a temporary name, a file is still readable as any new file is
    (0666 less the umask), not private to its writer like a `mkstemp` file."""
    plain, ours = tmp_path / "plain", tmp_path / "ours"
    plain.write_bytes(b"x")
    write_file(ours, b"x")
    assert ours.stat().st_mode == plain.stat().st_mode
