"""The service password: how it is stored (salted hash), checked, and locked out after
MAX_PASSWORD_ATTEMPTS wrong ones in a row, and the operator's `unlock`.

The lock-out is the protection of a 6-digit PIN; the lock-out's count is read and written in
one write transaction, so that several service processes cannot lose a wrong attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta
from typing import Any

from bot.accounts.records import AccountOperations
from bot.service_errors import InvalidInput, ServiceError

PASSWORD_PATTERN = re.compile(r"[0-9]{6}")
MAX_PASSWORD_ATTEMPTS = 3
LOCK_DURATION = timedelta(minutes=30)


class WrongPassword(ServiceError):
    """Wrong service password; `attempts_left` before the number is locked."""

    status = 403

    def __init__(self, attempts_left: int) -> None:
        super().__init__("wrong_password", attempts_left=attempts_left)
        self.attempts_left = attempts_left


class Locked(ServiceError):
    """The number is locked after too many wrong passwords."""

    status = 423

    def __init__(self, until: datetime) -> None:
        super().__init__("locked", locked_until=until.isoformat(timespec="seconds"))
        self.until = until


def hash_password(password: str, salt: bytes) -> bytes:
    # A 6-digit PIN cannot be protected from someone holding this file, whatever the hash:
    # the lock-out is the protection. Hashing keeps the PINs out of plain sight and the check
    # sub-millisecond, which is what lets the service call the store directly (see app.py).
    return hashlib.sha256(salt + password.encode()).digest()


class Verification(AccountOperations):
    """The store's password operations: `verify` and `unlock`."""

    def verify(self, number: str, password: str) -> dict[str, Any]:
        """Checks the service password; the third wrong one in a row locks the number.

        While locked every attempt is refused, the right password too; a lock ends by itself
        after LOCK_DURATION (or by `unlock`), and the count starts again from zero.
        """
        if not isinstance(password, str) or PASSWORD_PATTERN.fullmatch(password) is None:
            raise InvalidInput("invalid_password")
        refusal: ServiceError | None = None
        with self._write() as conn:
            account = self._account(conn, number)
            now = self._now()
            if account.locked_until is not None and now < account.locked_until:
                refusal = Locked(account.locked_until)
            else:
                failed = 0 if account.locked_until is not None else account.failed_attempts
                expected = hash_password(password, account.password_salt)
                if hmac.compare_digest(expected, account.password_hash):
                    failed, locked_until = 0, None
                else:
                    failed += 1
                    locked_until = None
                    refusal = WrongPassword(MAX_PASSWORD_ATTEMPTS - failed)
                    if failed >= MAX_PASSWORD_ATTEMPTS:
                        locked_until = now + LOCK_DURATION
                        failed = 0
                        refusal = Locked(locked_until)
                conn.execute(
                    "UPDATE accounts SET failed_attempts = ?, locked_until = ? WHERE number = ?",
                    (
                        failed,
                        locked_until.isoformat(timespec="seconds") if locked_until else None,
                        number,
                    ),
                )
        if refusal is not None:
            raise refusal
        return {"verified": True}

    def unlock(self, number: str) -> dict[str, Any]:
        """Lifts a lock and forgets earlier wrong passwords (the operator's command)."""
        with self._write() as conn:
            account = self._account(conn, number)
            conn.execute(
                "UPDATE accounts SET failed_attempts = 0, locked_until = NULL WHERE number = ?",
                (number,),
            )
        was_locked = account.locked_until is not None and self._now() < account.locked_until
        return {"number": number, "was_locked": was_locked}
