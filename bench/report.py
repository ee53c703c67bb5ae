"""Tables for the terminal and docs/performance.md, the targets of issue 5, and the plot."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import listing, per_request
from .load import LoadResult
from .profile import CATEGORIES, OTHER, Profile
from .references import REFERENCES
from .settings import Settings
from .timing import Timing
from .writes import Burst


def count(n: int) -> str:
    """10, 1k, 10k, 1M."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if n >= size and n % size == 0:
            return f"{n // size}{suffix}"
    return f"{n:,}"


def us(timing: Timing) -> str:
    return f"{timing.median:,.0f}"


def ratio(value: float) -> str:
    return f"{value:.2f}x"


@dataclass
class Table:
    title: str
    headers: Sequence[str]
    rows: list[Sequence[str]] = field(default_factory=list)
    note: str = ""
    #: How many leading columns hold text, aligned left; the others hold figures.
    text_columns: int = 1

    def text(self) -> str:
        widths = [
            max(len(str(cell)) for cell in column)
            for column in zip(self.headers, *self.rows, strict=True)
        ]
        line = "  ".join("-" * w for w in widths)

        def render(cells: Sequence[str]) -> str:
            return "  ".join(
                str(cell).ljust(width) if i < self.text_columns else str(cell).rjust(width)
                for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
            )

        out = [self.title, line, render(self.headers), line]
        out += [render(row) for row in self.rows]
        return "\n".join(out)

    def markdown(self) -> str:
        align = ["---"] * self.text_columns + ["---:"] * (len(self.headers) - self.text_columns)
        out = [
            "| " + " | ".join(self.headers) + " |",
            "| " + " | ".join(align) + " |",
        ]
        out += ["| " + " | ".join(str(c) for c in row) + " |" for row in self.rows]
        if self.note:
            out += ["", self.note]
        return "\n".join(out)


@dataclass
class Target:
    number: int
    text: str
    figure: str
    met: bool
    #: The same ratio in CPU time, where one applies.
    cpu: str = ""


@dataclass
class Results:
    settings: Settings
    machine: dict[str, str]
    per_request: dict[str, dict[str, Timing]] = field(default_factory=dict)
    writes: dict[str, list[Burst]] = field(default_factory=dict)
    listing: dict[str, listing.Listing] = field(default_factory=dict)
    load: LoadResult | None = None
    profiles: dict[str, Profile] = field(default_factory=dict)
    #: Phase -> seconds.
    durations: dict[str, float] = field(default_factory=dict)
    #: The token cache's section (bench/cache.py), as Markdown lines.
    cache_section: list[str] = field(default_factory=list)
    load_average: dict[str, str] = field(default_factory=dict)

    @property
    def databases(self) -> list[str]:
        return list(self.per_request)


SCHEME_LABELS = {scheme.name: scheme.label for scheme in REFERENCES}


def auth_table(results: Results) -> Table:
    size = results.settings.compare_size
    rows_spec = [
        (per_request.NO_AUTH, "no auth"),
        (per_request.SESSION_ALONE, "session cookie, without flask-pat"),
        (per_request.SESSION, "session cookie"),
        (per_request.key(per_request.PAT, size), "**flask-pat Bearer**"),
    ] + [(per_request.key(scheme.name, size), f"ref: {scheme.label}") for scheme in REFERENCES]
    headers = ["µs per request"]
    for db in results.databases:
        headers += [db, "× session", "× no auth", "CPU × session"]
    table = Table(
        f"1. Protected endpoint, per request ({count(size)} tokens stored), median µs",
        headers,
    )
    for key, label in rows_spec:
        row = [label]
        for db in results.databases:
            timings = results.per_request[db]
            value = timings[key]
            row += [
                f"{value.median:,.0f}",
                ratio(value.median / timings[per_request.SESSION].median),
                ratio(value.median / timings[per_request.NO_AUTH].median),
                ratio(value.cpu / timings[per_request.SESSION].cpu),
            ]
        table.rows.append(row)
    return table


def size_table(results: Results) -> Table:
    sizes = results.settings.sizes
    headers = ["µs per request"]
    for db in results.databases:
        span = f"{count(sizes[-1])} / {count(sizes[0])}"
        headers += [f"{db} {count(s)}" for s in sizes] + [span, f"CPU {span}"]
    table = Table("2. Per request by tokens stored, median µs", headers)
    for scheme, label in [(per_request.PAT, "**flask-pat Bearer**")] + [
        (s.name, f"ref: {s.label}") for s in REFERENCES
    ]:
        row = [label]
        for db in results.databases:
            timings = [results.per_request[db][per_request.key(scheme, s)] for s in sizes]
            row += [f"{t.median:,.0f}" for t in timings]
            row += [
                ratio(timings[-1].median / timings[0].median),
                ratio(timings[-1].cpu / timings[0].cpu),
            ]
        table.rows.append(row)
    return table


def writes_table(results: Results) -> Table:
    table = Table(
        "3. Database writes caused by a burst of requests from one token",
        [
            "",
            "database",
            "requests",
            "seconds",
            "UPDATEs",
            "rows written",
            "allowed",
            "µs per request",
        ],
        text_columns=2,
    )
    for db, bursts in results.writes.items():
        for burst in bursts:
            table.rows.append(
                [
                    burst.label,
                    db,
                    f"{burst.requests:,}",
                    f"{burst.seconds:.1f}",
                    f"{burst.writes:,}",
                    f"{burst.rows_written:,}",
                    "-" if burst.allowed is None else f"{burst.allowed:,}",
                    f"{burst.per_request_us:,.0f}",
                ]
            )
    return table


def list_table(results: Results) -> Table:
    headers = ["user's tokens"]
    for db in results.databases:
        rows = results.listing[db].rows
        headers += [
            f"{db}, table of {count(rows[listing.ALONE])}",
            f"× {count(results.settings.list_sizes[0])}",
            f"table of {count(rows[listing.AMONG])}",
            "× alone",
            "queries",
        ]
    table = Table(
        f"4. List API (q={listing.QUERY}, sort=name, one page of 10), median µs",
        headers,
    )
    smallest = results.settings.list_sizes[0]
    for size in results.settings.list_sizes:
        row = [count(size)]
        for db in results.databases:
            result = results.listing[db]
            alone = result.timings[listing.key(listing.ALONE, size)].median
            among = result.timings[listing.key(listing.AMONG, size)].median
            base = result.timings[listing.key(listing.ALONE, smallest)].median
            row += [
                f"{alone:,.0f}",
                ratio(alone / base),
                f"{among:,.0f}",
                ratio(among / alone),
                str(result.queries[listing.key(listing.AMONG, size)]),
            ]
        table.rows.append(row)
    return table


def admin_table(results: Results) -> Table | None:
    """The admin listing over the table of a million, against the user's own listing."""
    if not any(listing.admin_key("first page") in r.timings for r in results.listing.values()):
        return None
    largest = results.settings.list_sizes[-1]
    headers = ["admin listing"]
    for db in results.databases:
        headers += [f"{db}, µs", f"× own list ({count(largest)})", "queries"]
    rows = next(iter(results.listing.values())).rows
    table = Table(
        f"4. Admin inventory over {count(rows[listing.AMONG])} tokens, one page of 10, median µs",
        headers,
    )
    for case in listing.ADMIN_CASES:
        row = [case]
        for db in results.databases:
            result = results.listing[db]
            value = result.timings[listing.admin_key(case)].median
            own = result.timings[listing.key(listing.AMONG, largest)].median
            queries = result.queries[listing.admin_key(case)]
            row += [f"{value:,.0f}", ratio(value / own), str(queries)]
        table.rows.append(row)
    return table


def load_table(results: Results) -> Table | None:
    load = results.load
    if load is None:
        return None
    seconds = results.settings.load_seconds
    table = Table(
        f"5. gunicorn, 2 workers, PostgreSQL: {load.tool}, {seconds} s per case",
        [
            "case",
            "requests/s",
            "× session",
            "p99 ms",
            "errors",
            "server CPU µs/request",
            "× session",
        ],
    )
    base = load.cases[0]
    for case in load.cases:
        table.rows.append(
            [
                case.case,
                f"{case.requests_per_second:,.0f}",
                ratio(case.requests_per_second / base.requests_per_second),
                f"{case.p99_ms:.1f}",
                str(case.errors),
                f"{case.cpu_us_per_request:,.0f}",
                ratio(case.cpu_us_per_request / base.cpu_us_per_request),
            ]
        )
    return table


def _ratio_target(number: int, text: str, value: Timing, base: Timing, limit: float) -> Target:
    figure = value.median / base.median
    return Target(number, text, ratio(figure), figure <= limit, ratio(value.cpu / base.cpu))


def targets(results: Results) -> list[Target]:
    s = results.settings
    found: list[Target] = []
    for db, timings in results.per_request.items():
        pat = timings[per_request.key(per_request.PAT, s.compare_size)]
        session = timings[per_request.SESSION]
        found.append(_ratio_target(1, f"{db}: Bearer <= 1.05x session cookie", pat, session, 1.05))
        bare = timings[per_request.NO_AUTH]
        found.append(_ratio_target(1, f"{db}: Bearer <= 1.6x no auth", pat, bare, 1.6))
        slow = timings[per_request.key("bcrypt", s.compare_size)]
        shown = slow.median / pat.median
        found.append(
            Target(
                1,
                f"{db}: slow hash hundreds of times slower than Bearer",
                ratio(shown),
                shown >= 100,
                ratio(slow.cpu / pat.cpu),
            )
        )
        big = timings[per_request.key(per_request.PAT, s.largest)]
        small = timings[per_request.key(per_request.PAT, min(s.sizes))]
        found.append(
            _ratio_target(
                2, f"{db}: {count(s.largest)} tokens <= 1.1x {count(min(s.sizes))}", big, small, 1.1
            )
        )
    for db, bursts in results.writes.items():
        for burst in bursts:
            if burst.allowed is not None:
                found.append(
                    Target(
                        3,
                        f"{db}: {burst.label}, {burst.requests:,} requests:"
                        f" writes <= {burst.allowed}",
                        f"{burst.writes}",
                        burst.writes <= burst.allowed,
                    )
                )
    for db, result in results.listing.items():
        sizes = s.list_sizes
        t = result.timings
        found.append(
            _ratio_target(
                4,
                f"{db}: {count(sizes[-1])} tokens <= 3x {count(sizes[0])}",
                t[listing.key(listing.ALONE, sizes[-1])],
                t[listing.key(listing.ALONE, sizes[0])],
                3,
            )
        )
        worst = max(
            sizes,
            key=lambda n: (
                t[listing.key(listing.AMONG, n)].median / t[listing.key(listing.ALONE, n)].median
            ),
        )
        found.append(
            _ratio_target(
                4,
                f"{db}: {count(result.rows[listing.AMONG])} others change nothing (<= 1.1x),"
                f" worst at {count(worst)}",
                t[listing.key(listing.AMONG, worst)],
                t[listing.key(listing.ALONE, worst)],
                1.1,
            )
        )
        most = max(result.queries.values())
        found.append(Target(4, f"{db}: count and page in <= 2 queries", str(most), most <= 2))
        first = listing.admin_key("first page")
        if first in t:
            found.append(
                _ratio_target(
                    4,
                    f"{db}: admin inventory's first page <= 3x a user's own list"
                    f" ({count(sizes[-1])} tokens)",
                    t[first],
                    t[listing.key(listing.AMONG, sizes[-1])],
                    3,
                )
            )
    if results.load is not None:
        session_load, token_load = results.load.cases
        value = token_load.requests_per_second / session_load.requests_per_second
        cpu = session_load.cpu_us_per_request / token_load.cpu_us_per_request
        found.append(
            Target(
                5,
                "Bearer requests/s >= 0.95x session cookie",
                ratio(value),
                value >= 0.95,
                f"{ratio(cpu)} (server CPU per request, session's / Bearer's)",
            )
        )
    return found


def target_table(results: Results) -> Table:
    table = Table(
        "Targets of issue 5",
        ["benchmark", "target", "measured", "holds", "in CPU time"],
        text_columns=2,
    )
    for target in sorted(targets(results), key=lambda t: t.number):
        table.rows.append(
            [
                str(target.number),
                target.text,
                target.figure,
                "yes" if target.met else "NO",
                target.cpu or "-",
            ]
        )
    return table


def profile_table(results: Results) -> Table | None:
    if not results.profiles:
        return None
    first = next(iter(results.profiles.values()))
    headers = ["µs per request, under cProfile"]
    for db in results.profiles:
        headers += [f"{db}: {variant}" for variant in first.shares]
    table = Table(
        f"Where the time goes: own time of each library's functions, {first.requests:,} requests",
        headers,
    )
    for category in [label for label, _ in CATEGORIES] + [OTHER, "total"]:
        row = [category]
        for profile in results.profiles.values():
            for shares in profile.shares.values():
                value = sum(shares.values()) if category == "total" else shares.get(category, 0)
                row.append(f"{value:,.0f}")
        table.rows.append(row)
    return table


def tables(results: Results) -> list[Table]:
    found = [auth_table(results), size_table(results)]
    profiled = profile_table(results)
    if profiled is not None:
        found.append(profiled)
    found += [writes_table(results), list_table(results)]
    admin = admin_table(results)
    if admin is not None:
        found.append(admin)
    load = load_table(results)
    if load is not None:
        found.append(load)
    found.append(target_table(results))
    return found


def plot(results: Results, path: str) -> None:
    """Per-request cost against tokens stored, per database: every scheme on a log scale
    above, the fast ones on a linear scale below."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = results.settings.sizes
    databases = results.databases
    figure, axes = plt.subplots(
        2, len(databases), figsize=(5.4 * len(databases), 7.6), squeeze=False, sharex=True
    )
    styles = {
        per_request.PAT: ("flask-pat (SHA-256 lookup)", "C0", "o", 2.6),
        "plaintext": ("plaintext lookup", "C2", "s", 1.2),
        "knox": ("SHA-512 + prefix (knox)", "C1", "^", 1.2),
        "bcrypt": ("bcrypt + prefix", "C3", "v", 1.2),
    }
    for column, db in enumerate(databases):
        timings = results.per_request[db]
        for row, schemes in enumerate((list(styles), [k for k in styles if k != "bcrypt"])):
            ax = axes[row][column]
            for scheme in schemes:
                label, color, marker, width = styles[scheme]
                values = [timings[per_request.key(scheme, s)].median for s in sizes]
                ax.plot(sizes, values, marker=marker, color=color, label=label, linewidth=width)
            for key, label, style in (
                (per_request.SESSION, "session cookie", "--"),
                (per_request.NO_AUTH, "no auth", ":"),
            ):
                ax.axhline(
                    timings[key].median, color="0.35", linestyle=style, linewidth=1.2, label=label
                )
            ax.set_xscale("log")
            ax.set_xticks(sizes, [count(s) for s in sizes])
            ax.grid(True, which="major", alpha=0.3)
            if row == 0:
                ax.set_yscale("log")
                ax.set_title(f"{db}: every scheme (log scale)")
            else:
                ax.set_ylim(bottom=0)
                ax.set_title(f"{db}: without bcrypt (linear scale)")
                ax.set_xlabel("tokens stored")
            if column == 0:
                ax.set_ylabel("µs per request (median)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, frameon=False)
    figure.suptitle("Cost of one authenticated request, by tokens stored")
    figure.tight_layout(rect=(0, 0.08, 1, 1))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def markdown(results: Results, notes: str) -> str:
    s = results.settings
    relative_plot = os.path.relpath(s.plot_path, os.path.dirname(s.report_path))
    machine = "\n".join(f"| {key} | {value} |" for key, value in results.machine.items())
    sections = {
        1: auth_table(results),
        2: size_table(results),
        3: writes_table(results),
        4: list_table(results),
        5: load_table(results),
    }
    body: list[str] = [
        "# Performance",
        "",
        "<!-- Generated by `make bench` (bench/report.py): edit the generator, not this file. -->",
        "",
        "An API client pays for token checking on every request. These benchmarks show what",
        "flask-pat's Bearer authentication costs next to Flask-Login's session cookie and",
        "three common ways of building token auth, and that it stays flat as tokens pile up.",
        "`make bench` regenerates this page and the plot"
        + (" (this run was a `BENCH_QUICK=1` smoke run: sizes are small)." if s.quick else "."),
        "",
        "## Targets",
        "",
        target_table(results).markdown(),
        "",
        f"![Per-request cost by tokens stored]({relative_plot})",
        "",
    ]
    titles = {
        1: "1. A protected endpoint, per request",
        2: "2. Per request, by number of tokens stored",
        3: "3. Database writes from `last_used_at`",
        4: "4. The list API",
        5: "5. Throughput under gunicorn",
    }
    for number, table in sections.items():
        if table is None:
            continue
        caption = table.title.split(". ", 1)[1]
        body += [f"## {titles[number]}", "", f"{caption}.", "", table.markdown(), ""]
        if number == 1 and profile_table(results) is not None:
            profiled = profile_table(results)
            assert profiled is not None
            body += [f"{profiled.title}.", "", profiled.markdown(), ""]
        if number == 4 and any(r.plans for r in results.listing.values()):
            plans = next(r.plans for r in results.listing.values() if r.plans)
            body += [
                f"PostgreSQL's plans for the {count(max(s.list_sizes))}-token user in the"
                f" {count(s.largest)}-token table (count, then page):",
                "",
                "```",
                "\n\n".join(plans),
                "```",
                "",
            ]
    body += results.cache_section
    body += [notes.strip(), "", "## Machine", "", "| | |", "|---|---|", machine, ""]
    body += [
        f"Load average (1, 5, 15 min) at start: {results.load_average.get('start', '?')};"
        f" at end: {results.load_average.get('end', '?')}.",
        "",
        "Phases (seconds): "
        + ", ".join(f"{name} {seconds:.0f}" for name, seconds in results.durations.items())
        + ".",
        "",
    ]
    return "\n".join(body)


#: Where ``make bench`` keeps the README's headline sentence, if the README has the markers.
README_MARKERS = ("<!-- bench:start -->", "<!-- bench:end -->")


def headline(results: Results, link: str) -> str:
    """One sentence of the headline ratios, for the README."""
    s = results.settings
    parts = []
    for db, timings in results.per_request.items():
        pat = timings[per_request.key(per_request.PAT, s.compare_size)].median
        big = timings[per_request.key(per_request.PAT, s.largest)].median
        small = timings[per_request.key(per_request.PAT, min(s.sizes))].median
        session = timings[per_request.SESSION].median
        parts.append(
            f"{ratio(pat / session)} a session-cookie request on {db}"
            f" ({ratio(big / small)} with {count(s.largest)} tokens stored rather than"
            f" {count(min(s.sizes))})"
        )
    sentence = "A request authenticated by a token costs " + " and ".join(parts)
    if results.load is not None:
        session_load, token_load = results.load.cases
        served = token_load.requests_per_second / session_load.requests_per_second
        sentence += f"; under gunicorn it serves {ratio(served)} the session's requests/s"
    return f"{sentence}: see [performance]({link})."


def update_readme(results: Results, path: str) -> bool:
    """Rewrite the headline between the README's markers; ``False`` where it has none."""
    try:
        with open(path, encoding="utf-8") as readme:
            text = readme.read()
    except OSError:
        return False
    start, end = README_MARKERS
    if start not in text or end not in text:
        return False
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1]
    link = os.path.relpath(results.settings.report_path, os.path.dirname(path))
    with open(path, "w", encoding="utf-8") as readme:
        readme.write(f"{before}{start}{headline(results, link)}{end}{after}")
    return True


def dump(results: Results, path: str) -> None:
    """Every sample of the run, as JSON, for a closer look than the medians give."""

    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {key: plain(item) for key, item in dataclasses.asdict(value).items()}
        if isinstance(value, dict):
            return {str(key): plain(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        return value

    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        json.dump(plain(results), out, indent=1)


def write(results: Results, notes: str) -> None:
    s = results.settings
    plot(results, s.plot_path)
    os.makedirs(os.path.dirname(s.report_path), exist_ok=True)
    with open(s.report_path, "w", encoding="utf-8") as out:
        out.write(markdown(results, notes))


def print_tables(results: Results, stream: Any = None) -> None:
    for table in tables(results):
        print(table.text().replace("**", ""), file=stream)
        print(file=stream)
    if results.cache_section:
        print("\n".join(results.cache_section), file=stream)


def load(path: str) -> Results:
    """The results :func:`dump` wrote, to render the page again without measuring."""
    from .listing import Listing
    from .load import Run, Throughput

    with open(path, encoding="utf-8") as source:
        raw = json.load(source)

    def timings(data: dict[str, Any]) -> dict[str, Timing]:
        return {key: Timing(t["samples"], t["cpu_samples"]) for key, t in data.items()}

    raw_settings = {
        key: tuple(value) if isinstance(value, list) else value
        for key, value in raw["settings"].items()
    }
    results = Results(settings=Settings(**raw_settings), machine=raw["machine"])
    results.per_request = {db: timings(t) for db, t in raw["per_request"].items()}
    results.writes = {db: [Burst(**b) for b in bursts] for db, bursts in raw["writes"].items()}
    results.listing = {
        db: Listing(timings(d["timings"]), d["queries"], d["rows"], d["plans"])
        for db, d in raw["listing"].items()
    }
    if raw["load"] is not None:
        cases = [
            Throughput(c["case"], [Run(**run) for run in c["runs"]]) for c in raw["load"]["cases"]
        ]
        results.load = LoadResult(raw["load"]["tool"], cases, raw["load"]["command"])
    results.profiles = {db: Profile(**p) for db, p in raw["profiles"].items()}
    results.durations = raw["durations"]
    results.cache_section = raw.get("cache_section", [])
    results.load_average = raw["load_average"]
    return results


if __name__ == "__main__":
    # python -m bench.report [results.json]: render the page and the plot again from the
    # last full run's results (after editing bench/method.md or this module), no measuring.
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "results", "results.json")
    rendered = load(source)
    with open(os.path.join(here, "method.md"), encoding="utf-8") as method:
        write(rendered, method.read())
    print(f"Wrote {rendered.settings.report_path} and {rendered.settings.plot_path}")
