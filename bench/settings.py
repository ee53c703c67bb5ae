"""What a benchmark run measures, and how big: full by default, small with BENCH_QUICK=1."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    quick: bool
    #: Tokens stored in the table, for benchmarks 1 and 2 and the plot.
    sizes: tuple[int, ...]
    #: The size benchmark 1 compares the token schemes at.
    compare_size: int
    #: Tokens of the listing user, for benchmark 4.
    list_sizes: tuple[int, ...]
    #: Users who own the filler tokens.
    other_users: int
    #: Timing rounds; every variant runs once in each round, in a rotating order.
    rounds: int
    #: Seconds each variant runs for in one round.
    batch_seconds: float
    #: Requests of the slow-hash reference per round (each takes a quarter second).
    slow_iterations: int
    #: Authenticated requests from one token, for benchmark 3.
    touch_requests: int
    #: Seconds of load per case under gunicorn (split into two halves, ABBA).
    load_seconds: int
    #: Admin URL of the PostgreSQL server; the benchmark database is made beside it.
    pg_admin_url: str
    pg_database: str
    keep_database: bool
    #: Where the report and the plot are written.
    report_path: str
    plot_path: str

    @property
    def largest(self) -> int:
        return max(self.sizes)


def from_env() -> Settings:
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if quick:
        out = os.path.join(root, "bench", "results")
        report, plot = os.path.join(out, "performance.md"), os.path.join(out, "bench-tokens.png")
    else:
        report = os.path.join(root, "docs", "performance.md")
        plot = os.path.join(root, "docs", "img", "bench-tokens.png")
    return Settings(
        quick=quick,
        sizes=(10, 1_000, 20_000) if quick else (10, 10_000, 1_000_000),
        compare_size=1_000 if quick else 10_000,
        list_sizes=(10, 100, 1_000) if quick else (10, 1_000, 10_000),
        other_users=200 if quick else 10_000,
        rounds=3 if quick else 11,
        batch_seconds=0.05 if quick else 0.25,
        slow_iterations=1,
        touch_requests=1_000 if quick else 10_000,
        load_seconds=4 if quick else 20,
        pg_admin_url=os.environ.get(
            "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        pg_database=os.environ.get("BENCH_PG_DATABASE", "pat_bench"),
        keep_database=os.environ.get("BENCH_KEEP_DB", "") not in ("", "0"),
        report_path=report,
        plot_path=plot,
    )
