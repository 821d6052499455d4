"""``python -m services.scoring [serve|migrate|rebuild]``."""

from services.runtime.cli import main
from services.scoring import bootstrap

if __name__ == "__main__":
    main(bootstrap, bootstrap.COMMANDS)
