from seibiant_common.migrations import run_env
from services.families.models import Base

run_env(Base.metadata)
