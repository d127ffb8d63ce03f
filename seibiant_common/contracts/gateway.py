"""Events emitted by the gateway (which owns the accounts), on the `gateway.events` exchange."""
SERVICE = "gateway"

ACCOUNT_DETAILS_CHANGED = "account_details_changed"

# `account_details_changed.notify_by`: the ways a person agreed to be told (none: no message).
CHANNELS = ("email", "sms")
