"""Helpers for trying the demo stack from a shell.

python -m tools.demo token --role auditor --not-unit kt    a demo bearer token
python -m tools.demo audit kt --score 1                     an audit body, performed now
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from contracts.catalog import Catalog, default_catalog
from contracts.common import LOCAL_TZ
from contracts.periods import Month
from services.runtime.clock import wall

#: Where ``make run`` wrote the demo tokens (its ``WARD5S_VAR_DIR``, ``var/`` by default).
TOKENS = Path(os.environ.get("WARD5S_VAR_DIR") or "var") / "demo-tokens.json"


def audit_body(
    unit_id: str, score: int | Callable[[str], int | None], catalog: Catalog | None = None
) -> dict[str, Any]:
    """An audit of ``unit_id`` performed now, in ``catalog`` (the current shipped one by
    default): every item scored ``score`` (0-4), or ``score(code)`` (None: not applicable).
    Notes and evidence are left to the API's defaults (none)."""
    catalog = catalog or default_catalog()
    now = wall().astimezone(LOCAL_TZ).replace(microsecond=0)
    return {
        "unit_id": unit_id,
        "period": Month.of(now).key,
        "performed_at": now.isoformat(),
        "catalog_version": catalog.version,
        "items": [
            {"code": code, "score": score(code) if callable(score) else score}
            for code in catalog.audit_items
        ],
    }


def find_token(role: str, unit: str | None, not_unit: str | None, path: Path = TOKENS) -> str:
    for entry in json.loads(path.read_text(encoding="utf-8")):
        if entry["role"] != role:
            continue
        if unit is not None and entry["unit_id"] != unit:
            continue
        if not_unit is not None and entry["unit_id"] == not_unit:
            continue
        return str(entry["token"])
    raise SystemExit(f"no demo token for role {role!r} with those conditions in {path}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.demo")
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="print a demo bearer token")
    token.add_argument("--role", required=True)
    token.add_argument("--unit", help="the token's unit")
    token.add_argument("--not-unit", help="any unit but this one")
    audit = commands.add_parser("audit", help="print an audit body performed now")
    audit.add_argument("unit_id")
    audit.add_argument("--score", type=int, default=1, choices=range(5))
    arguments = parser.parse_args()
    if arguments.command == "token":
        print(find_token(arguments.role, arguments.unit, arguments.not_unit))
    else:
        print(json.dumps(audit_body(arguments.unit_id, arguments.score), indent=1))


if __name__ == "__main__":
    main()
