"""The storage suite's `repo` fixture (a fresh database of each backend), for tests of the
benchmarks' own storage helpers."""

from tests.storage.conftest import repo, storage_url

__all__ = ["repo", "storage_url"]
