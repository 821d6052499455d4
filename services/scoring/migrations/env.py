from services.runtime.migrations import run_env
from services.scoring.adapters.tables import metadata

run_env(metadata)
