"""Real servers of the production profile for its tests: Redis (and PostgreSQL) on free ports."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cluster.redis import LocalRedis
from tests.conftest import free_port


@pytest.fixture(scope="session")
def local_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRedis]:
    server = LocalRedis(Path(tmp_path_factory.mktemp("redis")), free_port(), uuid.uuid4().hex)
    server.start()
    yield server
    server.stop()
