"""What the services' SQLite stores share: one connection, transactions, the schema check,
and refusals that name an API error code.

Each store is one connection in WAL mode with a busy timeout, so that a second connection on
the same file (an operator command, a test's racing agent) waits for the write lock instead
of failing; `check_same_thread=False` because Sanic opens the store in its main thread and
serves in its loop's, and the lock keeps transactions from interleaving should threads share
it. Every write is one `BEGIN IMMEDIATE` transaction, rolled back on any exception, so a
crash leaves the data as before or after.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar


def local_now() -> datetime:
    return datetime.now(timezone.utc).astimezone()


class SchemaMismatch(RuntimeError):
    """The database was made by another version of this code."""


class ServiceError(Exception):
    """A refusal the API reports to the caller: `code` is the API's error code, explained in
    English by the subclass's `messages`."""

    messages: ClassVar[dict[str, str]] = {}

    def __init__(self, code: str, **details: Any) -> None:
        self.code = code
        self.message = self.messages.get(code, code)
        self.details = details
        super().__init__(code)

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.details}


class SqliteStore:
    """Base of the stores: subclasses give `schema` (with a `meta` table), a `made_by` and an
    `afresh` hint for the schema check, and fill a new database in `_populate`."""

    schema: ClassVar[tuple[str, ...]]
    schema_version: ClassVar[str] = "1"
    made_by: ClassVar[str]
    afresh: ClassVar[str]

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA busy_timeout=5000")
            self._open()
        except BaseException:
            self._conn.close()
            raise

    def shutdown(self) -> None:
        """Closes the database connection."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        """Committed when the block ends, rolled back if it raises, also when COMMIT itself
        fails (disk full, I/O error): a transaction is never left open."""
        with self._lock:
            self._conn.execute(begin)
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction, holding the write lock from its start."""
        return self._transaction("BEGIN IMMEDIATE")

    def _read(self) -> AbstractContextManager[sqlite3.Connection]:
        """One read transaction, so that an answer built from several queries is consistent."""
        return self._transaction("BEGIN")

    def _open(self) -> None:
        """Creates and fills an empty database in one transaction; checks an existing one."""
        with self._write() as conn:
            has_meta = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
            ).fetchone()
            if has_meta:
                row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                if row is None or row["value"] != self.schema_version:
                    raise SchemaMismatch(
                        f"{self.path} was made by another version of {self.made_by}; {self.afresh}"
                    )
                return
            for statement in self.schema:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                (self.schema_version,),
            )
            self._populate(conn)

    def _populate(self, conn: sqlite3.Connection) -> None:
        """Fills a database just created (inside the creating transaction)."""
