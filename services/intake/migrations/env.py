from services.intake.adapters.tables import metadata
from shared.migrations_env import run_env

run_env(metadata)
