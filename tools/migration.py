"""Write a new Alembic revision for a service from the difference between its tables and its
migrations: ``python -m tools.migration <service> "what changed"``.

It upgrades a scratch SQLite database to the newest revision, compares it with the service's
metadata and writes the revision with the one template every service shares.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import tempfile
from pathlib import Path

from alembic import command

from services.runtime.migrations import alembic_config, upgrade

TEMPLATE = Path(__file__).resolve().parent.parent / "services" / "runtime" / "script.py.mako"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.migration")
    parser.add_argument("service", choices=["assessment", "scoring", "notifications"])
    parser.add_argument("message")
    arguments = parser.parse_args()
    bootstrap = importlib.import_module(f"services.{arguments.service}.bootstrap")
    location: Path = bootstrap.MIGRATIONS
    (location / "versions").mkdir(parents=True, exist_ok=True)
    template = location / "script.py.mako"
    shutil.copy(TEMPLATE, template)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            url = f"sqlite+aiosqlite:///{scratch}/scratch.db"
            upgrade(location, url)
            command.revision(
                alembic_config(location, url), message=arguments.message, autogenerate=True
            )
    finally:
        template.unlink()


if __name__ == "__main__":
    main()
