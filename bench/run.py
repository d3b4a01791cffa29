"""`make bench`: run every benchmark module and collect their figures in one markdown file.

Each `bench/bench_<area>.py` has `main(out_path)` that measures its stage (with a naive baseline
in the same run) and appends a section to `out_path`. `--only area,area` runs a subset.
"""
from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

AREAS = ["terms", "offline", "checks", "llm", "exports", "web", "scale"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Example: python -m bench.run --only checks,exports --out bench/results.md")
    parser.add_argument("--out", type=Path, default=Path("bench/results.md"))
    parser.add_argument("--only", default="", help="Comma-separated areas: " + ", ".join(AREAS))
    args = parser.parse_args(argv)
    areas = [a for a in args.only.split(",") if a] or AREAS
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        fh.write(f"# helder benchmarks\n\nRun {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on "
                 f"{platform.machine()}, Python {platform.python_version()}, "
                 f"{__import__('os').cpu_count()} cores. Command: `make bench`.\n\n")
    failed = []
    for area in areas:
        try:
            module = importlib.import_module(f"bench.bench_{area}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.bench_{area}":
                print(f"bench: no benchmark for {area}", file=sys.stderr)
                continue
            raise
        print(f"bench: {area} …", file=sys.stderr, flush=True)
        t = time.perf_counter()
        try:
            module.main(args.out)
        except Exception:
            failed.append(area)
            traceback.print_exc()
        print(f"bench: {area} done in {time.perf_counter() - t:.0f}s", file=sys.stderr, flush=True)
    print(f"Figures written to {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
