"""The compose files, checked by code since no Docker engine runs here: every long-running
container has a health check, every file mounted exists, every setting the services read is set
(by loading each service's own settings from the environment compose would give it), the pieces
agree with each other (ports, users, secrets, paths), and no secret is written in a file.

The PostgreSQL init script runs for real against the test PostgreSQL."""

from __future__ import annotations

import functools
import importlib
import os
import re
import secrets
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pgserver
import pytest
import yaml
from pydantic import SecretStr

from tests.ops.conftest import ACCOUNTS, CLUSTER_CONFIG, secret_variables
from tests.support.stack import SERVICE_NAMES
from tools.processes import ROOT

COMPOSE = ROOT / "docker-compose.yml"
CLUSTER = ROOT / "docker-compose.cluster.yml"
ENV_EXAMPLE = ROOT / ".env.example"
PROMETHEUS_CONFIG = ROOT / "infra" / "prometheus" / "prometheus.yml"
INIT_DATABASES = ROOT / "infra" / "postgres" / "init-databases.sh"
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN")
INTERPOLATION = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")
#: Every setting a service reads that production must set (services/runtime/settings.py).
REQUIRED_SETTINGS = (
    "environment",
    "http_host",
    "http_port",
    "database_url",
    "nats_url",
    "nats_user",
    "nats_password",
    "metrics_token",
    "declare_streams",
)
#: Where each service finds its token keys: assessment its private keys, the others the JWKS.
KEY_SETTINGS = {
    "assessment": "signing_keys_dir",
    "scoring": "jwks_url",
    "notifications": "jwks_url",
}
KEYS_VOLUME = "token-keys"


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


@functools.cache
def example_env() -> dict[str, str]:
    """.env.example as a newcomer fills it in: every empty secret given a value."""
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value or secrets.token_hex(16)
    return values


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}``."""

    def substitute(match: re.Match[str]) -> str:
        name, operator, argument = match.groups()
        present = env.get(name, "")
        if operator in (":?", "?") and not present:
            raise AssertionError(f"{name} is required but not in .env.example: {argument}")
        return present or (argument if operator in (":-", "-") else "")

    return INTERPOLATION.sub(substitute, value)


def environment_of(service: dict[str, Any], env: dict[str, str]) -> dict[str, str]:
    return {k: interpolate(str(v), env) for k, v in (service.get("environment") or {}).items()}


def one_shot(name: str, services: dict[str, Any]) -> bool:
    """A job others wait to have *completed* (it has nothing to be healthy about)."""
    return services[name].get("restart") == "no" and any(
        (s.get("depends_on") or {}).get(name, {}).get("condition")
        == "service_completed_successfully"
        for s in services.values()
        if isinstance(s.get("depends_on"), dict)
    )


def merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``docker compose -f base -f override``: mappings merge, the override's values win."""
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


COMPOSE_FILES = {"single": load(COMPOSE), "cluster": merged(load(COMPOSE), load(CLUSTER))}


@pytest.fixture(params=list(COMPOSE_FILES))
def compose(request: pytest.FixtureRequest) -> dict[str, Any]:
    return COMPOSE_FILES[request.param]


def test_every_long_running_service_has_a_health_check(compose: dict[str, Any]) -> None:
    services = compose["services"]
    missing = [
        name
        for name, service in services.items()
        if "healthcheck" not in service and not one_shot(name, services)
    ]
    assert not missing
    assert all(services[name]["restart"] == "unless-stopped" for name in SERVICE_NAMES)


def test_every_mounted_file_exists(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts {source}, which does not exist"
            else:
                assert source in compose["volumes"], f"{name}: undeclared volume {source}"
    for path in ("Dockerfile", ".dockerignore"):
        assert (ROOT / path).is_file()
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    stages = {line.split()[-1] for line in lines if line.startswith("FROM ") and " AS " in line}
    for line in lines:
        if line.startswith("COPY "):
            words = line.split()[1:-1]
            stage = next((w[len("--from=") :] for w in words if w.startswith("--from=")), None)
            if stage is not None:  # copied from an earlier stage of the build, not the context
                assert stage in stages, f"the Dockerfile copies from {stage}, a stage it lacks"
                continue
            for source in words:
                assert (ROOT / source).exists(), f"the Dockerfile copies {source}, not found"


def settings_in_compose(name: str, compose: dict[str, Any]) -> Any:
    """The service's own settings, loaded from the environment compose would give it."""
    service = compose["services"][name]
    env = environment_of(service, example_env())
    saved = dict(os.environ)
    try:
        for key in [k for k in os.environ if k.startswith("WARD5S_")]:
            del os.environ[key]
        os.environ.update(env)
        bootstrap = importlib.import_module(f"services.{name}.bootstrap")
        return bootstrap.settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_every_setting_the_service_reads_is_set(name: str, compose: dict[str, Any]) -> None:
    service = compose["services"][name]
    env = environment_of(service, example_env())
    for setting in (*REQUIRED_SETTINGS, KEY_SETTINGS[name]):
        keys = {f"WARD5S_{setting.upper()}", f"WARD5S_{name.upper()}_{setting.upper()}"}
        assert keys & env.keys(), f"{name}: {setting} is not set"
    settings = settings_in_compose(name, compose)
    settings.check_production()
    # no secret keeps the default every demo knows
    for field_name, field in type(settings).model_fields.items():
        if isinstance(field.default, SecretStr):
            assert getattr(settings, field_name) != field.default, f"{name}: {field_name}"
    assert settings.environment == "production"
    assert settings.declare_streams is False
    assert settings.http_host == "0.0.0.0"
    # the port it listens on is the one published, probed and scraped
    port = settings.http_port
    assert any(mapping.endswith(f":{port}:{port}") for mapping in service["ports"])
    assert f"127.0.0.1:{port}/readyz" in " ".join(service["healthcheck"]["test"])
    scrape = next(
        job for job in load(PROMETHEUS_CONFIG)["scrape_configs"] if job["job_name"] == name
    )
    assert scrape["static_configs"][0]["targets"] == [f"{name}:{port}"]
    # its own database and login, on the compose PostgreSQL
    database = urlsplit(settings.database_url)
    assert (database.hostname, database.path, database.username) == ("postgres", f"/{name}", name)
    postgres_env = environment_of(compose["services"]["postgres"], example_env())
    assert database.password == postgres_env[f"WARD5S_{name.upper()}_DB_PASSWORD"]
    # its own NATS user, whose password NATS is given
    assert settings.nats_user == name
    nats_env = environment_of(compose["services"]["nats"], example_env())
    assert (
        settings.nats_password.get_secret_value()
        == nats_env[f"WARD5S_{name.upper()}_NATS_PASSWORD"]
    )
    assert all(server.startswith("nats://nats") for server in settings.nats_url.split(","))


def test_only_assessment_holds_a_token_key_and_the_others_read_its_jwks(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    job = services[KEYS_VOLUME]
    assert one_shot(KEYS_VOLUME, services)
    assert job["command"][-3:] == ["services.assessment", "keys", "init"]
    directory = job["environment"]["WARD5S_SIGNING_KEYS_DIR"]
    assert job["volumes"] == [f"{KEYS_VOLUME}:{directory}"]
    assert KEYS_VOLUME in compose["volumes"]
    assessment = settings_in_compose("assessment", compose)
    assert str(assessment.signing_keys_dir) == directory
    assert services["assessment"]["volumes"] == [f"{KEYS_VOLUME}:{directory}:ro"]
    assert services["assessment"]["depends_on"][KEYS_VOLUME] == {
        "condition": "service_completed_successfully"
    }
    port = assessment.http_port
    for name in ("scoring", "notifications"):
        service = services[name]
        assert not any(KEYS_VOLUME in volume for volume in service.get("volumes", []))
        env = environment_of(service, example_env())
        assert not [k for k in env if "SIGNING_KEYS" in k or "TOKEN_SECRET" in k], name
        settings = settings_in_compose(name, compose)
        assert settings.jwks_url == f"http://assessment:{port}/.well-known/jwks.json"
        assert settings.jwks_file is None
        assert "token_secret" not in type(settings).model_fields
    assert "WARD5S_TOKEN_SECRET" not in example_env()


def test_the_web_pages_share_one_origin_with_the_apis(compose: dict[str, Any]) -> None:
    """The web service serves the pages and forwards /api/<service>/ to each service at the
    address and port compose gives it; it seals cookies with a key of the deployment's own and
    talks to NATS as the front-ends' user."""
    services = compose["services"]
    web = settings_in_compose("web", compose)
    web.check_production()
    assert web.environment == "production" and web.http_host == "0.0.0.0"
    assert web.session_key.get_secret_value() == example_env()["WARD5S_WEB_SESSION_KEY"]
    assert not web.demo_mode
    for name in SERVICE_NAMES:
        port = settings_in_compose(name, compose).http_port
        assert web.upstream()[name] == f"http://{name}:{port}"
    assert web.jwks_url == "http://assessment:8001/.well-known/jwks.json"
    assert web.nats_user == "frontend"
    nats_env = environment_of(services["nats"], example_env())
    assert web.nats_password.get_secret_value() == nats_env["WARD5S_FRONTEND_NATS_PASSWORD"]
    assert services["web"]["ports"] == [f"${{WARD5S_BIND:-127.0.0.1}}:{web.http_port}:8000"]
    assert f"127.0.0.1:{web.http_port}/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["web"]["depends_on"]["assessment"] == {"condition": "service_healthy"}


def test_nats_and_postgres_get_every_password_their_config_reads(compose: dict[str, Any]) -> None:
    services = compose["services"]
    nats_nodes = [s for s in services.values() if str(s.get("image", "")).startswith("nats:")]
    for node in nats_nodes:
        assert set(secret_variables()) <= set(node["environment"])
    init_script = INIT_DATABASES.read_text()
    assert "/docker-entrypoint-initdb.d/" in " ".join(services["postgres"]["volumes"])
    for name in SERVICE_NAMES:
        variable = f"WARD5S_{name.upper()}_DB_PASSWORD"
        assert variable in services["postgres"]["environment"]
        assert name in init_script


def test_prometheus_reads_the_metrics_token_compose_mounts(compose: dict[str, Any]) -> None:
    prometheus = compose["services"]["prometheus"]
    assert "metrics_token" in prometheus["secrets"]
    assert compose["secrets"]["metrics_token"] == {"environment": "WARD5S_METRICS_TOKEN"}
    for job in load(PROMETHEUS_CONFIG)["scrape_configs"]:
        if job["job_name"] in SERVICE_NAMES:
            assert job["authorization"]["credentials_file"] == "/run/secrets/metrics_token"


def test_nats_monitoring_is_not_published(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for mapping in service.get("ports", []):
            assert not mapping.endswith(":8222"), f"{name} publishes NATS monitoring"
            assert not mapping.endswith(":6222"), f"{name} publishes NATS routes"
            assert interpolate(mapping, example_env()).startswith("127.0.0.1:"), mapping


def test_no_secret_is_written_in_a_committed_file() -> None:
    for path in (COMPOSE, CLUSTER):
        for name, service in load(path)["services"].items():
            for key, value in (service.get("environment") or {}).items():
                if SECRET_NAME.search(key):
                    assert INTERPOLATION.fullmatch(str(value)), f"{path.name}: {name}.{key}"
                if "DATABASE_URL" in key:
                    password = re.search(r"://\w+:(.*)@postgres:", str(value))
                    assert password, f"{path.name}: {name}.{key} names no login"
                    assert INTERPOLATION.fullmatch(password.group(1)), f"{path.name}: {name}.{key}"
    for line in ENV_EXAMPLE.read_text().splitlines():
        name, _, value = line.partition("=")
        if not line.startswith("#") and SECRET_NAME.search(name):
            assert value == "", f".env.example must leave {name} empty"
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in ignored


def test_every_variable_compose_needs_is_documented() -> None:
    documented = set(example_env())
    needed = {
        match.group(1)
        for path in (COMPOSE, CLUSTER)
        for match in INTERPOLATION.finditer(path.read_text())
    }
    assert needed <= documented, needed - documented
    assert documented <= needed, f".env.example documents unused {documented - needed}"


def test_the_cluster_runs_three_nodes_and_three_replicas() -> None:
    cluster = COMPOSE_FILES["cluster"]["services"]
    nodes = [n for n, s in cluster.items() if str(s.get("image", "")).startswith("nats:")]
    names = sorted(cluster[n]["environment"]["NATS_SERVER_NAME"] for n in nodes)
    assert names == ["nats-1", "nats-2", "nats-3"]
    routes = re.findall(r"nats-route://([\w-]+):6222", CLUSTER_CONFIG.read_text())
    assert sorted(routes) == names
    assert cluster["streams"]["environment"]["WARD5S_STREAM_REPLICAS"] == "3"
    for name in SERVICE_NAMES:
        servers = cluster[name]["environment"]["WARD5S_NATS_URL"].split(",")
        assert sorted(urlsplit(s).hostname for s in servers) == names
    assert "nats-1" in cluster["nats"]["networks"]["default"]["aliases"]
    assert set(re.findall(r"\$(WARD5S_\w+)", ACCOUNTS.read_text())) == set(secret_variables())


@pytest.mark.postgres
def test_the_init_script_gives_each_service_its_own_database(postgres: Any, tmp_path: Path) -> None:
    uri = urlsplit(postgres.get_uri("postgres"))
    socket_dir = dict(part.split("=") for part in uri.query.split("&"))["host"]
    binaries = Path(pgserver.__file__).parent / "pginstall" / "bin"
    passwords = {f"WARD5S_{n.upper()}_DB_PASSWORD": secrets.token_hex(8) for n in SERVICE_NAMES}
    done = subprocess.run(
        ["sh", str(INIT_DATABASES)],
        env={
            "PATH": f"{binaries}:/usr/bin:/bin",
            "PGHOST": socket_dir,
            "POSTGRES_USER": "postgres",
            **passwords,
        },
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    for name in SERVICE_NAMES:
        owner = postgres.psql(
            f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{name}';"
        )
        assert name in owner
        # the others may not even connect to it
        other = next(n for n in SERVICE_NAMES if n != name)
        refused = subprocess.run(
            [str(binaries / "psql"), "-h", socket_dir, "-U", other, "-d", name, "-c", "SELECT 1"],
            capture_output=True,
            text=True,
        )
        assert refused.returncode != 0
        assert "permission denied" in refused.stderr, refused.stderr
