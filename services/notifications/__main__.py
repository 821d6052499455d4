"""``python -m services.notifications [serve|migrate]``."""

from services.notifications import bootstrap
from services.runtime.cli import main

if __name__ == "__main__":
    main(bootstrap)
