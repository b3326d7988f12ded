"""A PostgreSQL server of the production profile's own, in a data directory of its choosing.

Debian's server binaries (/usr/lib/postgresql/<newest>/bin), installed with apt-get when they
are missing and we are root. The first start makes the cluster with `initdb`: superuser
`assistant` with the given password (handed over in a file, never on a command line), UTF-8,
password logins (scram-sha-256) on 127.0.0.1 only, nothing else over TCP. Its unix socket is
in the data directory (0700), where only the `postgres` OS user reaches it, as `assistant`
(peer authentication mapped in pg_ident.conf): that is how `start` sets the password, so the
one given always wins over the one in an existing data directory. The server logs to
`<data_dir>/log`.

PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` OS user,
which must be able to reach the data directory (every folder above it searchable). This
server is independent of Debian's own cluster (port 5432), running or not.

Nothing here writes a password to a log, a command line or an exception's message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import pwd
import secrets
import stat
import subprocess
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg2
from psycopg2 import errors, sql

from bot import settings
from bot.debian import install_packages

PACKAGE = "postgresql"
ROLE = "assistant"
OS_USER = "postgres"  # who runs the server when we are root
SERVER_ROOT = Path("/usr/lib/postgresql")
BINARIES = ("initdb", "pg_ctl", "postgres", "psql")
START_TIMEOUT_S = 60
COMMAND_TIMEOUT_S = 120
LOCAL_CONF = "local.conf"  # our settings, rewritten on every start
URL_HINT = (
    "or give a running PostgreSQL server as a DATABASE_URL-style setting "
    "(postgresql://user:password@host:port/database)"
)


def server_bin_dir(install: bool = True) -> Path:
    """The newest Debian PostgreSQL's bin folder; installs the `postgresql` package when none
    is there and we are root (and `install`)."""
    found = _newest_bin_dir()
    if found is None and install and os.geteuid() == 0:
        # The binaries count, not apt-get's exit status: the package's own cluster (5432)
        # may fail to start in a container without failing what we need.
        install_packages([PACKAGE])
        found = _newest_bin_dir()
    if found is None:
        raise RuntimeError(
            f"PostgreSQL's server is not installed ({SERVER_ROOT}/<version>/bin/initdb): "
            f"as root, `apt-get install {PACKAGE}`, {URL_HINT}"
        )
    return found


def _newest_bin_dir() -> Path | None:
    candidates = []
    if SERVER_ROOT.is_dir():
        for version_dir in SERVER_ROOT.iterdir():
            bin_dir = version_dir / "bin"
            if all((bin_dir / name).is_file() for name in BINARIES):
                try:
                    candidates.append((float(version_dir.name), bin_dir))
                except ValueError:
                    continue
    return max(candidates)[1] if candidates else None


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """The password as PostgreSQL stores it (RFC 7677 SCRAM-SHA-256), so that ALTER ROLE never
    carries the password itself (a statement may end up in the server's log). psycopg2's
    `encrypt_password(…, "scram-sha-256")` computes the same but needs an open connection, and
    the only way in before this statement is psql over the socket as the directory's owner."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _conf_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass
class LocalPostgres:
    data_dir: Path  # absolute, e.g. <repo>/var/prod/postgres
    port: int
    password: str = field(repr=False)  # of the role "assistant", which owns the databases
    # More postgresql.conf settings (the tests turn fsync off); values are quoted here.
    settings: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir).absolute()
        if not self.password:
            raise ValueError("LocalPostgres needs a non-empty password")

    # -- public -------------------------------------------------------------------------------

    def url(self, database: str) -> str:
        return (
            f"postgresql://{ROLE}:{quote(self.password, safe='')}@127.0.0.1:{self.port}/{database}"
        )

    def start(self) -> None:
        """Makes the cluster on the first start, then starts it and waits until it accepts
        connections; sets the password. Nothing to do when it already runs."""
        bin_dir = server_bin_dir()
        if self.is_running():
            return
        self._check_reachable()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(bin_dir)
        self._write_local_conf()
        log_dir = self.data_dir / "log"
        done = self._run(
            [
                str(bin_dir / "pg_ctl"),
                "start",
                "-w",
                "-t",
                str(START_TIMEOUT_S),
                "-D",
                str(self.data_dir),
                "-l",
                str(log_dir / "pg_ctl.log"),
            ],
            timeout=START_TIMEOUT_S + 10,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"PostgreSQL did not start on port {self.port}: {_last_line(done)}; see {log_dir}"
            )
        self._set_password(bin_dir)

    def stop(self) -> None:
        """Fast shutdown (open connections are ended), waiting until it is down."""
        if not self.is_running():
            return
        bin_dir = server_bin_dir(install=False)
        done = self._run(
            [str(bin_dir / "pg_ctl"), "stop", "-m", "fast", "-w", "-D", str(self.data_dir)],
            timeout=COMMAND_TIMEOUT_S,
        )
        if done.returncode != 0 and self.is_running():
            raise RuntimeError(f"PostgreSQL did not stop: {_last_line(done)}")

    def is_running(self) -> bool:
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        try:
            bin_dir = server_bin_dir(install=False)
        except RuntimeError:
            return False
        done = self._run([str(bin_dir / "pg_ctl"), "status", "-D", str(self.data_dir)])
        return done.returncode == 0

    def create_database(self, name: str) -> None:
        """Creates the database (owner `assistant`) unless it exists."""
        connection = psycopg2.connect(self.url("postgres"), connect_timeout=10)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cursor.fetchone() is not None:
                    return
                # made by someone else meanwhile: as good
                with suppress(errors.DuplicateDatabase, errors.UniqueViolation):
                    cursor.execute(
                        sql.SQL("CREATE DATABASE {} OWNER {}").format(
                            sql.Identifier(name), sql.Identifier(ROLE)
                        )
                    )
        finally:
            connection.close()

    def drop_database(self, name: str) -> None:
        """Drops the database if it exists, ending its connections (tests clean up with it)."""
        connection = psycopg2.connect(self.url("postgres"), connect_timeout=10)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        finally:
            connection.close()

    # -- setting up -----------------------------------------------------------------------------

    def _as_root(self) -> bool:
        return os.geteuid() == 0

    def _owner(self) -> pwd.struct_passwd:
        """Who runs the server: the `postgres` OS user when we are root, else ourselves."""
        if self._as_root():
            try:
                return pwd.getpwnam(OS_USER)
            except KeyError:
                raise RuntimeError(
                    f"there is no `{OS_USER}` OS user to run PostgreSQL as (root may not): "
                    f"reinstall Debian's `{PACKAGE}` package, {URL_HINT}"
                ) from None
        return pwd.getpwuid(os.geteuid())

    def _run(
        self, command: list[str], stdin: str | None = None, timeout: float = COMMAND_TIMEOUT_S
    ) -> subprocess.CompletedProcess[str]:
        """A PostgreSQL program as the cluster's owner (never with a password in `command`)."""
        owner = self._owner()
        extra: dict[str, Any] = {}
        if self._as_root():
            extra = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
        env = {
            "PATH": settings.value("PATH"),
            "HOME": owner.pw_dir,
            "LC_ALL": "C.UTF-8",
        }
        return subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            text=True,
            cwd="/",  # initdb wants to read its working directory
            env=env,
            timeout=timeout,
            check=False,
            **extra,
        )

    def _check_reachable(self) -> None:
        """The server's user must be able to walk down to the data directory."""
        owner = self._owner()
        if owner.pw_uid == os.geteuid():
            return
        groups = {owner.pw_gid, *os.getgrouplist(owner.pw_name, owner.pw_gid)}
        folder = self.data_dir.parent
        folder.mkdir(parents=True, exist_ok=True)
        for ancestor in [folder, *folder.parents]:
            info = ancestor.stat()
            if info.st_uid == owner.pw_uid:
                searchable = info.st_mode & stat.S_IXUSR
            elif info.st_gid in groups:
                searchable = info.st_mode & stat.S_IXGRP
            else:
                searchable = info.st_mode & stat.S_IXOTH
            if not searchable:
                raise RuntimeError(
                    f"PostgreSQL runs as the `{OS_USER}` OS user, who cannot reach "
                    f"{self.data_dir}: {ancestor} is not searchable for it "
                    f"(`chmod o+x {ancestor}`, or choose a data directory elsewhere)"
                )

    def _initdb(self, bin_dir: Path) -> None:
        owner = self._owner()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if any(self.data_dir.iterdir()):
            raise RuntimeError(
                f"{self.data_dir} is not empty and is no PostgreSQL data directory: "
                "remove it or choose another"
            )
        os.chown(self.data_dir, owner.pw_uid, owner.pw_gid)
        self.data_dir.chmod(0o700)
        handle, pwfile_name = tempfile.mkstemp(prefix="pg-pw-")
        pwfile = Path(pwfile_name)
        try:
            with os.fdopen(handle, "w") as file:
                file.write(self.password + "\n")
            os.chown(pwfile, owner.pw_uid, owner.pw_gid)
            done = self._run(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    ROLE,
                    f"--pwfile={pwfile}",
                    "--auth-local=peer",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--no-locale",
                ]
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if done.returncode != 0:
            raise RuntimeError(f"initdb into {self.data_dir} failed: {_last_line(done)}")
        (self.data_dir / "pg_hba.conf").write_text(
            "# Written by bot/cluster/postgres.py: the OS user postgres over the unix socket\n"
            "# (in the data directory), and password logins on 127.0.0.1 only.\n"
            f"local all {ROLE} peer map=owner\n"
            f"host all {ROLE} 127.0.0.1/32 scram-sha-256\n"
        )
        (self.data_dir / "pg_ident.conf").write_text(f"owner {owner.pw_name} {ROLE}\n")
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(f"\n# Our settings, rewritten on every start.\ninclude '{LOCAL_CONF}'\n")
        log_dir = self.data_dir / "log"
        log_dir.mkdir(exist_ok=True)
        for path in (
            self.data_dir / "pg_hba.conf",
            self.data_dir / "pg_ident.conf",
            self.data_dir / "postgresql.conf",
            log_dir,
        ):
            os.chown(path, owner.pw_uid, owner.pw_gid)

    def _write_local_conf(self) -> None:
        owner = self._owner()
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.data_dir),
            "password_encryption": "scram-sha-256",
            "logging_collector": "on",
            "log_directory": "log",
            "log_filename": "postgresql-%a.log",
            "log_truncate_on_rotation": "on",
            **self.settings,
        }
        path = self.data_dir / LOCAL_CONF
        path.write_text("".join(f"{key} = {_conf_string(v)}\n" for key, v in settings.items()))
        os.chown(path, owner.pw_uid, owner.pw_gid)
        log_dir = self.data_dir / "log"
        log_dir.mkdir(exist_ok=True)
        os.chown(log_dir, owner.pw_uid, owner.pw_gid)

    def _set_password(self, bin_dir: Path) -> None:
        """Gives `assistant` our password over the unix socket: an existing data directory may
        have been made with another one. Only its SCRAM verifier travels."""
        statement = f"ALTER ROLE {ROLE} PASSWORD '{scram_verifier(self.password)}';\n"
        deadline = time.monotonic() + 10
        while True:
            done = self._run(
                [
                    str(bin_dir / "psql"),
                    "-X",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-h",
                    str(self.data_dir),
                    "-p",
                    str(self.port),
                    "-U",
                    ROLE,
                    "-d",
                    "postgres",
                    "-f",
                    "-",
                ],
                stdin=statement,
            )
            if done.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    "could not set the password of the role assistant over the unix socket: "
                    f"{_last_line(done)}"
                )
            time.sleep(0.2)  # the server may still be finishing its start-up


def _last_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    return lines[-1].strip() if lines else f"exit status {done.returncode}"
