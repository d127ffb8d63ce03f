"""nameko's timer, with its interval read from the config (so tests can make it short)."""
from typing import Any

from nameko.timer import Timer

from .config import setting


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
