"""Run the benchmarks one after the other (`make bench`) and repeat their result lines at the end.

    .venv/bin/python bench/run_all.py                      # every bench/bench_*.py, 1,000,000 people
    .venv/bin/python bench/run_all.py import search        # some of them
    .venv/bin/python bench/run_all.py --people 50000       # a quick run

Options other than names (--people, --database-url, --allow-sqlite) are passed to every benchmark.
Exits non-zero when a benchmark fails.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ("seed", "import", "search")  # the rest alphabetically after these


def discover() -> list[str]:
    found = sorted(path.stem.removeprefix("bench_") for path in HERE.glob("bench_*.py"))
    return [name for name in ORDER if name in found] + [name for name in found if name not in ORDER]


def split_args(argv: list[str]) -> tuple[list[str], list[str]]:
    """Benchmark names, and the options to pass on (an option's value follows it)."""
    names: list[str] = []
    passed: list[str] = []
    takes_value = {"--people", "--database-url"}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("-"):
            passed.append(arg)
            if arg in takes_value and i + 1 < len(argv):
                passed.append(argv[i + 1])
                i += 1
        else:
            names.append(arg.removesuffix(".py").removeprefix("bench_"))
        i += 1
    return names, passed


def run(name: str, options: list[str]) -> tuple[int, str]:
    """Run one benchmark, echoing its output; returns its exit code and its last stdout line."""
    print(f"=== bench_{name} {' '.join(options)}".rstrip(), flush=True)
    started = time.perf_counter()
    last = ""
    with subprocess.Popen([sys.executable, str(HERE / f"bench_{name}.py"), *options], stdout=subprocess.PIPE,
                          text=True, bufsize=1) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            if line.strip():
                last = line.strip()
    print(f"=== bench_{name}: exit {proc.returncode} after {time.perf_counter() - started:.0f} s\n", flush=True)
    return proc.returncode, last


def main() -> int:
    names, options = split_args(sys.argv[1:])
    if "-h" in options or "--help" in options:
        print(__doc__)
        return 0
    available = discover()
    unknown = [name for name in names if name not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}", file=sys.stderr)
        return 2
    results: list[tuple[str, int, str]] = [(name, *run(name, options)) for name in names or available]
    print("=== results")
    for name, code, last in results:
        print(last if code == 0 else f"{name} FAILED (exit {code})")
    return max((code for _name, code, _last in results), default=0)


if __name__ == "__main__":
    sys.exit(main())
