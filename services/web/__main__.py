"""``python -m services.web [serve|qr-link]`` (no ``migrate``: it has no database)."""

from services.runtime.cli import main
from services.web import bootstrap

if __name__ == "__main__":
    main(bootstrap, bootstrap.COMMANDS)
