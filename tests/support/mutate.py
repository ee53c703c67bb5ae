"""``make mutate``: mutmut over the security core, then the score per module.

The files are listed in ``[tool.mutmut]`` of pyproject.toml (with the tests that cover them);
here are the functions in scope: all of some modules, only ``authenticate`` and ``allowed`` of
lookup.py, only the scope check of marking.py and only rotation of service.py. Runs on SQLite
(``PAT_TEST_DATABASE_URLS`` is left out). ``--report`` prints the score of the last run;
naming modules (``python -m tests.support.mutate flask_pat/rights.py``) runs only theirs.
"""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

#: The security core, as mutmut names its mutants (``module.x_function__mutmut_N``).
SCOPE = {
    "flask_pat/signin/lookup.py": [
        "flask_pat.signin.lookup.x_authenticate__mutmut_*",
        "flask_pat.signin.lookup.x_allowed__mutmut_*",
    ],
    "flask_pat/signin/csrf.py": ["flask_pat.signin.csrf.*"],
    "flask_pat/rights.py": ["flask_pat.rights.*"],
    "flask_pat/signin/marking.py": ["flask_pat.signin.marking.x_scopes_required__mutmut_*"],
    "flask_pat/leaks/github.py": ["flask_pat.leaks.github.*"],
    "flask_pat/leaks/revoke.py": ["flask_pat.leaks.revoke.*"],
    "flask_pat/service.py": ["flask_pat.service.x_rotate__mutmut_*"],
}

#: mutmut's exit codes of a mutant's test run, as mutmut itself reads them.
KILLED = {1, 3, 24, -24, 36, 152, 255, 37}
SURVIVED = {0}


def run(modules: list[str]) -> int:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PAT_TEST_DATABASE_URLS", "CI", "PYTEST_ADDOPTS")
    }
    unknown = sorted(set(modules) - set(SCOPE))
    if unknown:
        print(f"not in scope: {' '.join(unknown)} (in scope: {' '.join(SCOPE)})")
        return 2
    names = [pattern for path in modules or SCOPE for pattern in SCOPE[path]]
    command = [str(BIN / "mutmut"), "run", "--max-children", str(os.cpu_count() or 2), *names]
    started, load = time.monotonic(), os.getloadavg()[0]
    code = subprocess.run(command, cwd=ROOT, env=environment).returncode
    minutes = (time.monotonic() - started) / 60
    after = os.getloadavg()[0]
    print(f"\n{minutes:.1f} minutes; load average {load:.1f} at the start, {after:.1f} at the end")
    return code


def report() -> tuple[float, list[str]]:
    """Print killed / tested per module and the survivors; the overall score and survivors."""
    total = Counter[str]()
    survivors: list[str] = []
    print(f"\n{'module':32} {'mutants':>7} {'killed':>7} {'survived':>8} {'untested':>8} score")
    for path, patterns in SCOPE.items():
        meta = ROOT / "mutants" / f"{path}.meta"
        if not meta.exists():
            print(f"{path:32} not run")
            continue
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        mine = {k: c for k, c in codes.items() if any(fnmatch.fnmatch(k, p) for p in patterns)}
        killed = sum(1 for c in mine.values() if c in KILLED)
        survived = [k for k, c in mine.items() if c in SURVIVED]
        untested = len(mine) - killed - len(survived)
        tested = killed + len(survived)
        score = 100 * killed / tested if tested else 0.0
        print(f"{path:32} {len(mine):7} {killed:7} {len(survived):8} {untested:8} {score:5.1f}%")
        total.update(mutants=len(mine), killed=killed, survived=len(survived), untested=untested)
        survivors += survived
    tested = total["killed"] + total["survived"]
    score = 100 * total["killed"] / tested if tested else 0.0
    print(
        f"{'all':32} {total['mutants']:7} {total['killed']:7} {total['survived']:8}"
        f" {total['untested']:8} {score:5.1f}%"
    )
    if survivors:
        print("\nsurvivors (.venv/bin/mutmut show NAME):")
        for name in sorted(survivors):
            print(f"  {name}")
    return score, survivors


def main() -> int:
    if "--report" not in sys.argv:
        code = run([argument for argument in sys.argv[1:] if not argument.startswith("-")])
        if code not in (0, 1):
            return code
    report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
