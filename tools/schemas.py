"""Generate the published contracts from the code: a JSON Schema per event under
``contracts/schemas/``, one per request body of the intake under ``contracts/schemas/intake/``
and an AsyncAPI document per service under ``docs/asyncapi/``.
``python -m tools.schemas`` writes them; ``--check`` fails if a file is out of date."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import tempfile
from pathlib import Path

from faststream.nats import JStream, NatsBroker
from faststream.specification import AsyncAPI

from contracts import intake
from contracts.events import EVENT_TYPES, event_type_name
from services.runtime.partitions import PartitionedConsumer
from services.runtime.settings import ServiceSettings

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "contracts" / "schemas"
INTAKE_DIR = SCHEMA_DIR / "intake"
ASYNCAPI_DIR = ROOT / "docs" / "asyncapi"
SERVICES = ("assessment", "scoring", "notifications")


def _dump(document: object) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def event_schemas() -> dict[Path, str]:
    files = {}
    for event_type in EVENT_TYPES:
        version = event_type.model_fields["schema_version"].default
        name = f"{event_type_name(event_type)}.v{version}.json"
        files[SCHEMA_DIR / name] = _dump(event_type.model_json_schema())
    return files


def intake_schemas() -> dict[Path, str]:
    """A JSON Schema per request body a front-end sends (``contracts.intake``): named by its
    intake subject's kind (``audit.amend.json``), or by its model for HTTP-only bodies."""
    files = {}
    for model in vars(intake).values():
        if isinstance(model, type) and issubclass(model, intake.Body) and model is not intake.Body:
            name = intake.INTAKE_KINDS.get(model, model.__name__)
            files[INTAKE_DIR / f"{name}.json"] = _dump(model.model_json_schema())
    return files


def asyncapi_documents() -> dict[Path, str]:
    files = {}
    for service in SERVICES:
        bootstrap = importlib.import_module(f"services.{service}.bootstrap")
        with tempfile.TemporaryDirectory() as scratch:  # for the demo token key assessment makes
            config = ServiceSettings(
                service=service,
                http_port=0,
                database_url="sqlite+aiosqlite:///:memory:",
                var_dir=Path(scratch),
            )
            built = bootstrap.build_runtime(config)
        runtime = built[0] if isinstance(built, tuple) else built
        for partitioned in runtime.partitioned:
            _show_by_ward(runtime.broker, partitioned)
        document = AsyncAPI(
            runtime.broker,
            title=f"ward5s {service}",
            version="1.0",
            description=f"Events the {service} service publishes and consumes.",
        )
        files[ASYNCAPI_DIR / f"{service}.json"] = _dump(
            json.loads(document.to_specification().to_json())
        )
    return files


def _show_by_ward(broker: NatsBroker, consumer: PartitionedConsumer) -> None:
    """Show a consumer applied by ward in its service's document as the subscription it is
    (its subjects, on its stream): it pulls through the client, not through a subscriber of the
    broker, which would leave it out. Declared on a broker that this tool never starts."""
    spec = consumer.spec
    by_ward = f"By ward: a durable per ward, {spec.name}-<ward>, on {spec.stream.name}."
    subscriber = broker.subscriber(
        spec.subject,
        stream=JStream(spec.stream.name, declare=False),
        title=f"{consumer.service}/{spec.name}",
        description=f"{spec.description} {by_ward}",
    )
    subscriber(_shown_only)


async def _shown_only(body: object) -> None:
    """The handler of a subscriber declared for the document only (never called)."""


def expected_files() -> dict[Path, str]:
    return {**event_schemas(), **intake_schemas(), **asyncapi_documents()}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.schemas")
    parser.add_argument("--check", action="store_true", help="fail if a file is out of date")
    arguments = parser.parse_args()
    stale = []
    for path, text in expected_files().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(path)
            if not arguments.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    for path in stale:
        print(("stale: " if arguments.check else "wrote: ") + str(path.relative_to(ROOT)))
    if arguments.check and stale:
        sys.exit(1)


if __name__ == "__main__":
    main()
