from seibiant_common.migrations import run_env
from tests.plumbing.notes_service import metadata

run_env(metadata)
