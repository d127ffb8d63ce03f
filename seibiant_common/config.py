"""Reading settings from a nameko config dict (filled from the environment by config.yaml)."""

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"


def database_url(config, service_name):
    return config["DATABASES"][service_name]


def setting(config, key, default, cast):
    value = config.get(key)
    return default if value in (None, "") else cast(value)


def flag(value):
    """A yes/no setting: true, 1, yes or on (YAML may have made it a bool or an int already)."""
    return str(value).strip().lower() in ("1", "true", "yes", "on")


class StartupRefused(RuntimeError):
    """A service that will not start as configured. Not nameko's ConfigurationError: `nameko
    run` prints that one and exits 0, so whatever started the service would not notice."""
