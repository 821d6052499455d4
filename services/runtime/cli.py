"""The command line every service shares: ``python -m services.<name> [serve|migrate|...]``."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from fastapi import FastAPI

from services.runtime import deadletters
from services.runtime.process import configure_logging, serve
from services.runtime.settings import ServiceSettings


@dataclass(frozen=True)
class Command:
    """A service-specific command besides ``serve`` and ``migrate``."""

    help: str
    run: Callable[[ServiceSettings, argparse.Namespace], None]
    configure: Callable[[argparse.ArgumentParser], None] = lambda parser: None


class Bootstrap(Protocol):
    """What ``python -m services.<name>`` needs of a service's ``bootstrap`` module."""

    NAME: str

    @property
    def MIGRATIONS(self) -> Path | None:
        """None for a service without a database (the web front-end): no ``migrate``."""

    @property
    def settings(self) -> Callable[[], ServiceSettings]: ...

    @property
    def build_app(self) -> Callable[[ServiceSettings], FastAPI]: ...


def main(bootstrap: Bootstrap, commands: Mapping[str, Command] | None = None) -> None:
    """Run the command given on the command line for the service of ``bootstrap``: ``serve``
    (the default), ``migrate``, or one of the service's own ``commands``."""
    settings, build_app, migrations = bootstrap.settings, bootstrap.build_app, bootstrap.MIGRATIONS
    if migrations is not None:  # a service with a database has consumers, so dead letters
        commands = {**(commands or {}), "deadletters": DEADLETTERS}
    parser = argparse.ArgumentParser(prog=f"python -m services.{bootstrap.NAME}")
    subparsers = parser.add_subparsers(dest="command")
    subparsers.add_parser("serve", help="run the service (the default)")
    if migrations is not None:
        subparsers.add_parser("migrate", help="bring the database to the newest schema")
    for command_name, command in (commands or {}).items():
        command.configure(subparsers.add_parser(command_name, help=command.help))
    arguments = parser.parse_args()
    config = settings()
    configure_logging(config.log_level)
    if arguments.command == "migrate" and migrations is not None:
        # Imported here: the serving process never loads Alembic (services.runtime.migrator).
        from services.runtime.migrations import upgrade

        upgrade(migrations, config.sqlalchemy_url)
    elif arguments.command in (commands or {}):
        (commands or {})[arguments.command].run(config, arguments)
    else:
        serve(build_app(config), config)


DEADLETTERS = Command(
    help="list, show and replay this service's dead letters",
    run=deadletters.main,
    configure=deadletters.configure,
)
