"""``python -m bench``: run the benchmarks, print the tables, and write
docs/performance.md and docs/img/bench-tokens.png.

BENCH_QUICK=1 shrinks every size for a smoke run and writes to bench/results/ instead.
BENCH_PG_URL names the PostgreSQL server (default postgres@127.0.0.1:5432), BENCH_PG_DATABASE
the database made on it (default pat_bench, dropped and made again), BENCH_KEEP_DB=1 keeps it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time

from . import cache, listing, load, per_request, profile, report, services, settings, worlds, writes

METHOD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "method.md")


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> int:
    config = settings.from_env()
    started = time.monotonic()
    phase_started = started
    results = report.Results(settings=config, machine={})
    results.load_average["start"] = services.load_average()

    def phase(name: str) -> None:
        nonlocal phase_started
        now = time.monotonic()
        results.durations[name] = now - phase_started
        phase_started = now

    scratch = tempfile.mkdtemp(prefix="pat-bench-")
    built: list[worlds.World] = []
    try:
        with services.postgres(config, progress) as pg_url:
            results.machine = services.machine(pg_url)
            urls = {"SQLite": f"sqlite:///{os.path.join(scratch, 'bench.sqlite')}"}
            if pg_url is not None:
                urls["PostgreSQL"] = pg_url
            progress(f"Filling the tables ({'quick' if config.quick else 'full'} sizes)")
            built = worlds.build(config, urls, progress)
            phase("fill")
            for world in built:
                progress(f"Benchmarks 1 and 2 on {world.label}")
                results.per_request[world.label] = per_request.run(world, config, progress)
            phase("1+2")
            for world in built:
                progress(f"Profiling the auth path on {world.label}")
                results.profiles[world.label] = profile.run(world, config, progress)
            phase("profile")
            for world in built:
                progress(f"Benchmark 3 on {world.label}")
                results.writes[world.label] = writes.run(world, config, progress)
            phase("3")
            for world in built:
                progress(f"Benchmark 4 on {world.label}")
                results.listing[world.label] = listing.run(world, config, progress)
            phase("4")
            postgres = [world for world in built if world.url.startswith("postgresql")]
            if postgres:
                progress("Benchmark 5: gunicorn on PostgreSQL")
                results.load = load.run(postgres[0], config, progress)
                phase("5")
                progress("The token cache: benchmarks 1, 7 and 5 with PAT_CACHE")
                results.cache_section = cache.run(postgres[0], config, progress).lines()
                phase("cache")
            for world in built:
                world.dispose()
            built = []
    finally:
        for world in built:
            world.dispose()
        shutil.rmtree(scratch, ignore_errors=True)
    results.load_average["end"] = services.load_average()
    results.durations["total"] = time.monotonic() - started
    report.print_tables(results)
    with open(METHOD, encoding="utf-8") as method:
        report.write(results, method.read())
    name = "results-quick.json" if config.quick else "results.json"
    report.dump(results, os.path.join(os.path.dirname(METHOD), "results", name))
    if not config.quick:
        readme = os.path.join(os.path.dirname(os.path.dirname(METHOD)), "README.md")
        if report.update_readme(results, readme):
            progress("Updated the headline in README.md")
        else:
            markers = " and ".join(report.README_MARKERS)
            progress(f"README.md has no {markers}: headline not written")
    print(report.headline(results, "docs/performance.md"))
    progress(
        f"Wrote {os.path.relpath(config.report_path)} and {os.path.relpath(config.plot_path)}"
        f" in {results.durations['total'] / 60:.1f} min"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
