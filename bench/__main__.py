"""``python -m bench``: run every benchmark with its defaults and print its figures.

``python -m bench <name> [options]`` runs one of them with its own options (see
``python -m bench.<name> --help``).
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("assessment", "scoring", "notifications")


def main() -> None:
    chosen, options = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else (None, [])
    if chosen is not None and chosen not in BENCHMARKS:
        raise SystemExit(f"unknown benchmark {chosen!r}; choose from {', '.join(BENCHMARKS)}")
    for name in BENCHMARKS if chosen is None else (chosen,):
        print(f"== {name}", flush=True)
        importlib.import_module(f"bench.{name}").main(options)


if __name__ == "__main__":
    main()
