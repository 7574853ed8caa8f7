"""The privacy key a deployment generates when none is configured (`deployment_secrets`,
migration 0012), on both backends."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.config import ConfigError, settings_from_dict
from bot.core.base import open_core
from bot.core.privacy import pseudonym
from tests.seeding import seed_text_round


async def test_processes_sharing_a_database_generate_one_key_and_keep_it(storage_url: str) -> None:
    """Cores opened at once on a fresh database without privacy.secret (processes starting
    together) end up with one and the same random key; a later start reads that key back."""
    settings = settings_from_dict({"storage": {"url": storage_url}}, environ={})
    opened = await asyncio.gather(*(open_core(settings) for _ in range(3)), return_exceptions=True)
    cores = [c for c in opened if not isinstance(c, BaseException)]
    try:
        # Every start succeeds (none is told the new file is "locked").
        assert len(cores) == 3, [c for c in opened if isinstance(c, BaseException)]
        keys = {core.secret for core in cores}
        assert len(keys) == 1
        (key,) = keys
        assert len(key) >= 32
        async with cores[0].repo.transaction() as session:
            assert await session.get_secret("privacy") == key
    finally:
        for core in cores:
            await core.repo.close()
    again = await open_core(settings)
    try:
        assert again.secret == key
        assert again.resident(42) == pseudonym(42, key)
    finally:
        await again.repo.close()


async def test_a_configured_secret_wins_and_is_never_stored(storage_url: str) -> None:
    """With privacy.secret set (or MINYI_PRIVACY_SECRET), that key is used and the database
    holds no key at all."""
    settings = settings_from_dict(
        {"storage": {"url": storage_url}}, environ={"MINYI_PRIVACY_SECRET": "from-the-env"}
    )
    core = await open_core(settings)
    try:
        assert core.secret == b"from-the-env"
        async with core.repo.transaction() as session:
            assert await session.get_secret("privacy") is None
    finally:
        await core.repo.close()


async def test_two_deployments_get_different_keys(tmp_path: Path) -> None:
    """Each database generates its own key: the same person has unrelated pseudonyms in two
    deployments that set no secret."""
    secrets = []
    for name in ("a.db", "b.db"):
        core = await open_core(
            settings_from_dict({"storage": {"url": f"sqlite:///{tmp_path / name}"}}, environ={})
        )
        secrets.append(core.secret)
        await core.repo.close()
    assert secrets[0] != secrets[1]


async def test_a_database_keyed_with_a_configured_secret_refuses_a_start_without_it(
    storage_url: str,
) -> None:
    """Once a deployment ran with privacy.secret, a process or CLI verb started without it (a
    shell lacking the systemd unit's MINYI_PRIVACY_SECRET) or with another secret is refused
    with a message naming the key, instead of generating a key of its own (its QR links and
    /mydata would miss every resident); nothing is stored, and the right secret still opens."""
    configured = settings_from_dict(
        {"storage": {"url": storage_url}}, environ={"MINYI_PRIVACY_SECRET": "the-deployment's"}
    )
    core = await open_core(configured)
    await core.repo.close()
    for environ in ({}, {"MINYI_PRIVACY_SECRET": "another"}):
        settings = settings_from_dict({"storage": {"url": storage_url}}, environ=environ)
        with pytest.raises(ConfigError, match=r"privacy\.secret"):
            await open_core(settings)
    again = await open_core(configured)
    try:
        assert again.secret == b"the-deployment's"
        async with again.repo.transaction() as session:
            assert await session.get_secret("privacy") is None
    finally:
        await again.repo.close()


async def test_work_that_makes_no_pseudonym_runs_without_the_configured_secret(
    storage_url: str,
) -> None:
    """A report or an export (`keyed=False`) from a shell without the deployment's secret runs,
    on a throwaway key that is never stored (so a later keyed start is not misled); with a
    wrong secret it is still refused, and keyed work still needs the right one."""
    configured = settings_from_dict(
        {"storage": {"url": storage_url}}, environ={"MINYI_PRIVACY_SECRET": "the-deployment's"}
    )
    await (await open_core(configured)).repo.close()
    bare = settings_from_dict({"storage": {"url": storage_url}}, environ={})
    reading = await open_core(bare, keyed=False)
    try:
        assert reading.secret != b"the-deployment's"
        async with reading.repo.transaction() as session:
            assert await session.get_secret("privacy") is None
    finally:
        await reading.repo.close()
    with pytest.raises(ConfigError, match=r"privacy\.secret"):
        await open_core(bare)
    wrong = settings_from_dict(
        {"storage": {"url": storage_url}}, environ={"MINYI_PRIVACY_SECRET": "another"}
    )
    with pytest.raises(ConfigError, match=r"privacy\.secret"):
        await open_core(wrong, keyed=False)


async def test_an_upgraded_database_with_residents_makes_no_new_key(storage_url: str) -> None:
    """A database from before the secret's check value was kept (its answers keyed with the
    operator's privacy.secret) opened without the secret is refused, not keyed anew: a new key
    would make every resident a stranger to /mydata, /forget and their printed links. Work that
    makes no pseudonym still runs, and the first start with the secret keeps its check."""
    settings = settings_from_dict(
        {"storage": {"url": storage_url}}, environ={"MINYI_PRIVACY_SECRET": "the-old-secret"}
    )
    core = await open_core(settings)
    try:
        rid, _ = await seed_text_round(core, ["停车位太少了"])
        assert rid
        async with core.repo.backend.transaction() as tx:
            await tx.execute("DELETE FROM deployment_secrets")  # as before the check was kept
    finally:
        await core.repo.close()
    bare = settings_from_dict({"storage": {"url": storage_url}}, environ={})
    with pytest.raises(ConfigError, match=r"privacy\.secret"):
        await open_core(bare)
    reader = await open_core(bare, keyed=False)  # a report, an export
    try:
        async with reader.repo.transaction() as session:
            assert await session.get_secret("privacy") is None
    finally:
        await reader.repo.close()
    again = await open_core(settings)
    try:
        assert again.secret == b"the-old-secret"
    finally:
        await again.repo.close()
    with pytest.raises(ConfigError, match=r"privacy\.secret"):
        await open_core(bare)
