from seibiant_common.migrations import run_env
from services.bookings.models import Base

run_env(Base.metadata)
