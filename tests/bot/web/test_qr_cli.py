"""`minyi qr --round ID --out DIR` writes the cards `/qr` sends, and refuses clearly."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import zxingcpp
from PIL import Image

from bot.config import settings_from_dict
from bot.core.base import open_core
from bot.core.parsing import RoundRequest
from bot.core.rounds import close_round, create_round
from bot.web.server import options_from, page_url

ROOT = Path(__file__).resolve().parents[3]
SECRET = "qr-cli-secret-不要外传"


def _minyi(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )


def _config(tmp_path: Path, web: str) -> Path:
    path = tmp_path / f"config-{len(web)}.toml"
    path.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n[privacy]\nsecret = "{SECRET}"\n{web}',
        encoding="utf-8",
    )
    return path


async def test_minyi_qr_writes_one_decodable_card_per_community(tmp_path: Path) -> None:
    """Each written PNG decodes to its community's page address; a closed round, an unknown
    round and a deployment without web pages each get one clear line and exit 2."""
    web = '[web]\nlisten = "127.0.0.1:8088"\npublic_url = "https://minyi.example.org"\n'
    config = _config(tmp_path, web)
    settings = settings_from_dict(
        {
            "storage": {"url": f"sqlite:///{tmp_path / 'm.db'}"},
            "privacy": {"secret": SECRET},
            "web": {"listen": "127.0.0.1:8088", "public_url": "https://minyi.example.org"},
        },
        environ={},
    )
    options = options_from(settings)
    assert options is not None
    core = await open_core(settings)
    try:
        async with core.repo.transaction() as session:
            bihai, _ = await session.set_community(-1001, "碧海社区", core.now())
            huizhan, _ = await session.set_community(-1002, "汇展城社区", core.now())
        request = RoundRequest(
            kind="text", question="你希望社区怎样改进？", duration=timedelta(hours=2)
        )
        round_ = (await create_round(core, request, [bihai, huizhan], "organiser")).round
        expected = {c.id: page_url(core, options, round_.id, c.id) for c in (bihai, huizhan)}
        out = tmp_path / "qr"
        done = _minyi(config, "qr", "--round", str(round_.id), "--out", str(out))
        assert done.returncode == 0, done.stderr
        for community_id, url in expected.items():
            png = (out / f"round-{round_.id}-community-{community_id}.png").read_bytes()
            assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))] == [url]
            assert url in done.stdout
        unknown = _minyi(config, "qr", "--round", "999", "--out", str(out))
        assert unknown.returncode == 2 and "minyi: there is no round 999" in unknown.stderr
        await close_round(core, round_.id)
        closed = _minyi(config, "qr", "--round", str(round_.id), "--out", str(out))
        assert closed.returncode == 2 and "closed or cancelled" in closed.stderr
    finally:
        await core.repo.close()
    off = _minyi(_config(tmp_path, ""), "qr", "--out", str(tmp_path / "none"))
    assert off.returncode == 2 and "web.listen" in off.stderr
    assert not (tmp_path / "none").exists()
