"""``python -m services.web [serve|qr-link]``."""

from services.runtime.cli import main
from services.web import bootstrap

if __name__ == "__main__":
    main(bootstrap, bootstrap.COMMANDS)
