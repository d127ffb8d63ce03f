from seibiant_common.migrations import run_env
from services.staycation.models import Base

run_env(Base.metadata)
