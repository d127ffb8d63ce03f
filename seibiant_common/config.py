"""Reading settings from a nameko config dict (filled from the environment by config.yaml)."""

from typing import Any, Callable, Mapping, TypeVar

T = TypeVar("T")

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"

# The services the system is made of, each with the module `nameko run` takes (the health
# check, docker-compose.yml and the developer's tools all name them from here).
SERVICE_MODULES = {
    "budgets": "services.budgets.service",
    "providers": "services.providers.service",
    "bookings": "services.bookings.service",
    "insight": "services.insight.service",
    "families": "services.families.service",
    "notifications": "services.notifications.service",
    "staycation": "services.staycation.service",
    "gateway": "gateway.service",
}


def database_url(config: Mapping[str, Any], service_name: str) -> str:
    return config["DATABASES"][service_name]


def setting(config: Mapping[str, Any], key: str, default: T, cast: Callable[[Any], T]) -> T:
    value = config.get(key)
    return default if value in (None, "") else cast(value)


def flag(value: object) -> bool:
    """A yes/no setting: true, 1, yes or on (YAML may have made it a bool or an int already)."""
    return str(value).strip().lower() in ("1", "true", "yes", "on")


class StartupRefused(RuntimeError):
    """A service that will not start as configured. Not nameko's ConfigurationError: `nameko
    run` prints that one and exits 0, so whatever started the service would not notice."""
