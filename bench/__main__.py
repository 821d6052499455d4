"""``python -m bench [--events N]``: run every benchmark and print its figures."""

from __future__ import annotations

import sys

from bench import scoring

BENCHMARKS = {"scoring": scoring.main}


def main() -> None:
    for name, run in BENCHMARKS.items():
        print(f"== {name}", flush=True)
        run(sys.argv[1:])


if __name__ == "__main__":
    main()
