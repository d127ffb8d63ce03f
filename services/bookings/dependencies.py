"""The bookings service's own extensions: its settings, its question to providers, its timer.

Settings (nameko config keys, filled from the environment by config.yaml):
- `APPROVAL_TIMEOUT_SECONDS` (default 72 hours): how long a spend may wait for an officer
  before the booking expires and everything is released;
- `STEP_TIMEOUT_SECONDS` (default 30) and `STEP_MAX_RETRIES` (default 5): how long the saga
  waits for providers' or budgets' answer before asking again, and how many times it asks
  again before rejecting the booking `timed_out`;
- `BOOKING_TIMER_SECONDS` (default 5): how often the timer wakes to look for late steps and
  approvals (it reads the database only once the soonest deadline it knows of may have
  come, or the shorter timeout has passed since it last read: `TimerSchedule`);
- `WAITING_LIST_OFFER_HOURS` (default 24): how long a waiting list's offer holds its
  places for the family to accept it (never past the break's start), and
  `WAITING_LIST_TIMER_SECONDS` (default 5) how often the offers run out;
- `RPC_TIMEOUT_SECONDS` (default 10): how long `request_booking` waits for providers' slot
  (asked only when bookings has not heard of it yet).
"""
import datetime

from nameko.extensions import DependencyProvider

from seibiant_common.config import setting
from seibiant_common.errors import NotFound
from seibiant_common.rpc import TimedRpcProxy

from . import domain, schemas

DEFAULT_APPROVAL_TIMEOUT_SECONDS = 72 * 3600


class SagaSettings(DependencyProvider):
    """The worker gets the saga's `domain.Timeouts`."""

    def setup(self):
        config = self.container.config
        self.timeouts = domain.Timeouts(
            step=datetime.timedelta(seconds=setting(config, "STEP_TIMEOUT_SECONDS", 30, float)),
            max_retries=setting(config, "STEP_MAX_RETRIES", 5, int),
            approval=datetime.timedelta(seconds=setting(
                config, "APPROVAL_TIMEOUT_SECONDS", DEFAULT_APPROVAL_TIMEOUT_SECONDS, float)),
            offer=datetime.timedelta(hours=setting(config, "WAITING_LIST_OFFER_HOURS", 24,
                                                   float)),
        )

    def get_dependency(self, worker_ctx):
        return self.timeouts


class SlotLookup:
    def __init__(self, providers):
        self._providers = providers

    def get(self, slot_id):
        """The slot as providers describe it now (`schemas.SlotAnswerSchema`), or None if there is
        no such slot; `Unavailable` if providers does not answer in time."""
        try:
            data = self._providers.get_slot(slot_id)
        except NotFound:
            return None
        return schemas.SlotAnswerSchema().load(data)


class ProvidersSlots(TimedRpcProxy):
    """providers' `get_slot` over RPC, with the deadline of every RPC (a request must not
    hang when providers is down)."""

    def __init__(self):
        super().__init__("providers")

    def get_dependency(self, worker_ctx):
        return SlotLookup(super().get_dependency(worker_ctx))


class Schedule:
    def __init__(self):
        self.next_look = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)


class TimerSchedule(DependencyProvider):
    """When the timer next needs to read the database (`domain.next_look`), shared by the
    container's workers; the first tick always reads."""

    def setup(self):
        self.schedule = Schedule()

    def get_dependency(self, worker_ctx):
        return self.schedule

