from __future__ import annotations

import pytest

from nuvem.store import SqliteStore


@pytest.fixture
def store():
    s = SqliteStore(None)
    yield s
    s.close()


@pytest.fixture
def file_store(tmp_path):
    s = SqliteStore(tmp_path / "state")
    yield s
    s.close()
