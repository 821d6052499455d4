"""Print the JSON body of an audit, performed now, for the README's curl example:
``python -m tools.example_audit dvcu --score 1``."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from contracts.catalog import default_catalog
from contracts.common import LOCAL_TZ
from contracts.periods import Month


def body(unit_id: str, score: int) -> dict[str, object]:
    catalog = default_catalog()
    now = datetime.now(LOCAL_TZ).replace(microsecond=0)
    return {
        "unit_id": unit_id,
        "period": Month.of(now).key,
        "performed_at": now.isoformat(),
        "catalog_version": catalog.version,
        "items": [{"code": code, "score": score, "note": None, "evidence": []}
                  for code in catalog.audit_items],
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.example_audit")
    parser.add_argument("unit_id")
    parser.add_argument("--score", type=int, default=1, choices=range(5))
    arguments = parser.parse_args()
    print(json.dumps(body(arguments.unit_id, arguments.score), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
