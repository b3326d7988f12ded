"""The account store's databases: each store test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from bot.cluster.postgres import LocalPostgres
from bot.sql_store import Connection, connect

BACKENDS = ("sqlite", "postgresql")


@dataclass
class Database:
    """Where one store lives: a SQLite file, or a database on the tests' PostgreSQL server."""

    kind: str
    location: Path | str

    @property
    def integrity_error(self) -> type[Exception]:
        return sqlite3.IntegrityError if self.kind == "sqlite" else psycopg2.IntegrityError

    def connect(self) -> Connection:
        """A second connection of its own (the operator's system), each statement committed."""
        return connect(self.location)

    def tables(self) -> list[str]:
        conn = self.connect()
        try:
            if self.kind == "sqlite":
                query = "SELECT name FROM sqlite_master WHERE type = 'table'"
            else:
                query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            return sorted(row[0] for row in conn.execute(query).fetchall())
        finally:
            conn.close()

    def schema_objects(self) -> int:
        """Tables, indexes and the like that the database holds."""
        conn = self.connect()
        try:
            if self.kind == "sqlite":
                query = "SELECT count(*) FROM sqlite_master"
            else:
                query = """SELECT count(*) FROM pg_class AS c
                           JOIN pg_namespace AS n ON n.oid = c.relnamespace
                           WHERE n.nspname = current_schema()"""
            return conn.execute(query).fetchone()[0]
        finally:
            conn.close()

    def content(self) -> bytes:
        """Everything stored: the SQLite file and its WAL, or every row of every table."""
        if self.kind == "sqlite":
            path = Path(self.location)
            return path.read_bytes() + path.with_name(path.name + "-wal").read_bytes()
        conn = self.connect()
        try:
            return "\n".join(
                row[0]
                for table in self.tables()
                for row in conn.execute(f"SELECT t::text FROM {table} AS t").fetchall()
            ).encode()
        finally:
            conn.close()


@dataclass
class Databases:
    """Makes fresh databases of one kind for a test; drops those on PostgreSQL at the end."""

    kind: str
    folder: Path
    server: LocalPostgres | None
    made: list[str] = field(default_factory=list)

    def new(self, name: str) -> Database:
        if self.server is None:
            return Database(self.kind, self.folder / f"{name}.sqlite3")
        database = f"test_{name}_{uuid.uuid4().hex[:12]}"
        self.server.create_database(database)
        self.made.append(database)
        return Database(self.kind, self.server.url(database))

    def drop_all(self) -> None:
        if self.server is not None:
            for database in self.made:
                self.server.drop_database(database)


@pytest.fixture(params=BACKENDS)
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Databases]:
    server: Any = request.getfixturevalue("local_postgres") if request.param != "sqlite" else None
    made = Databases(request.param, tmp_path, server)
    yield made
    made.drop_all()


@pytest.fixture
def db(databases: Databases) -> Database:
    return databases.new("accounts")
