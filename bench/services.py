"""The PostgreSQL server and database the benchmarks use, and a description of the machine."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from .settings import Settings

#: Databases other people's runs use on the same server: never touch them.
FORBIDDEN_DATABASES = {"test", "postgres", "template0", "template1"}


def _reachable(url: str) -> bool:
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return True
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def _admin(url: str, *statements: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(sa.text(statement))
    finally:
        engine.dispose()


def _cluster() -> list[str] | None:
    """``pg_ctlcluster VERSION main``, where Debian's PostgreSQL is installed."""
    if shutil.which("pg_ctlcluster") is None or not os.path.isdir("/etc/postgresql"):
        return None
    versions = sorted(os.listdir("/etc/postgresql"))
    return (
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main"] if versions else None
    )


@contextmanager
def postgres(settings: Settings, progress: Callable[[str], None] = print) -> Iterator[str | None]:
    """A freshly made benchmark database's URL, or ``None`` without a PostgreSQL server.

    Starts the local cluster if it is installed and stopped, and stops it again after.
    """
    name = settings.pg_database
    if name in FORBIDDEN_DATABASES:
        raise SystemExit(f"BENCH_PG_DATABASE={name} is used by others: choose another name.")
    admin = settings.pg_admin_url
    started: list[str] | None = None
    if not _reachable(admin):
        url = make_url(admin)
        local = url.host in ("127.0.0.1", "localhost") and (url.port or 5432) == 5432
        cluster = _cluster() if local else None
        if cluster is not None:
            progress(f"Starting PostgreSQL: {' '.join(cluster)} start")
            if subprocess.run([*cluster, "start"], check=False).returncode == 0:
                started = cluster
        if not _reachable(admin):
            progress(f"PostgreSQL is not reachable at {make_url(admin).host}: SQLite only.")
            yield None
            return
    _admin(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        if not settings.keep_database:
            _admin(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if started is not None:
            progress("Stopping the PostgreSQL cluster this run started")
            subprocess.run([*started, "stop"], check=False)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
        return f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        return "unknown"


def _command(*args: str) -> str:
    if shutil.which(args[0]) is None:
        return "not installed"
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    return (result.stdout or result.stderr).strip().splitlines()[0] if result else ""


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def machine(pg_url: str | None) -> dict[str, str]:
    """What the figures were measured on."""
    info = {
        "nproc": _command("nproc"),
        "CPU": _cpu_model(),
        "memory": _memory(),
        "OS": platform.platform(),
        "Python": sys.version.split()[0],
        "SQLite": sqlite3.sqlite_version,
    }
    if pg_url is not None:
        engine = sa.create_engine(pg_url)
        try:
            with engine.connect() as connection:
                info["PostgreSQL"] = str(connection.scalar(sa.text("SHOW server_version")))
        finally:
            engine.dispose()
    for package in (
        "flask-pat",
        "Flask",
        "Werkzeug",
        "Flask-Login",
        "Flask-SQLAlchemy",
        "SQLAlchemy",
        "psycopg",
        "bcrypt",
        "gunicorn",
    ):
        try:
            info[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            info[package] = "not installed"
    # "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) ...": the version alone.
    info["wrk"] = _command("wrk", "--version").split(" [")[0].removeprefix("wrk ")
    return info
