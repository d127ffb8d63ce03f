"""nameko's timer, with its interval read from the config (so tests can make it short), and
`NextLook`: when a timer needs to read the database at all."""
import datetime
from typing import Any, Optional

from nameko.timer import Timer

from .config import setting

NEVER = datetime.datetime.max.replace(tzinfo=datetime.timezone.utc)


class ConfiguredTimer(Timer):
    """`@timer("SETTING_SECONDS", default_seconds)` on a service method."""

    def __init__(self, setting_key: str, default_seconds: float, **kwargs: Any) -> None:
        self.setting_key = setting_key
        self.default_seconds = default_seconds
        super().__init__(interval=default_seconds, **kwargs)

    def setup(self) -> None:
        super().setup()
        self.interval = setting(self.container.config, self.setting_key,
                                self.default_seconds, float)


timer = ConfiguredTimer.decorator


class NextLook:
    """When a timer next needs to read the database, so that an idle service's ticks read
    (and commit) nothing: the soonest due time its last look found, sooner when this process
    has made something due since (`due_by`, called after the commit that made it), and no
    later than `ceiling` after the last look (what another instance made due, or left when
    it died). The first tick always looks. A service's units of work say what they made due
    (`UnitOfWork.due_by`); its timers ask `db.next_look(name)` (seibiant_common.database)."""

    def __init__(self, ceiling: datetime.timedelta) -> None:
        self.ceiling = ceiling
        self._next = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
        self._woken = NEVER  # the soonest `due_by` since the current look began

    def due(self, now: datetime.datetime) -> bool:
        """Whether a tick at `now` must look; if so, the look begins."""
        if now < self._next:
            return False
        self._woken = NEVER
        return True

    def looked(self, now: datetime.datetime, soonest: Optional[datetime.datetime]) -> None:
        """The look begun at `now` found `soonest` the soonest due time (None: nothing due).
        A `due_by` during the look may be of a row it read before that row was committed:
        it still counts."""
        found = now + self.ceiling if soonest is None else min(soonest, now + self.ceiling)
        self._next = min(found, self._woken)

    def due_by(self, at: datetime.datetime) -> None:
        self._next = min(self._next, at)
        self._woken = min(self._woken, at)
