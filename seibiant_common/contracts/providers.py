"""Events emitted by providers, on the `providers.events` exchange."""
SERVICE = "providers"

PLACES_RESERVED = "places_reserved"
RESERVATION_REFUSED = "reservation_refused"
PLACES_RELEASED = "places_released"
SLOT_WITHDRAWN = "slot_withdrawn"
SLOTS_PUBLISHED = "slots_published"
PROVIDER_APPROVED = "provider_approved"
PROVIDER_SUSPENDED = "provider_suspended"
# A family (or anyone) searched: the filters and how many offers it found, never who.
SEARCH_MADE = "search_made"

# `reservation_refused.reason` (each also a booking rejection reason).
RESERVATION_REFUSAL_REASONS = ("sold_out", "slot_not_bookable", "provider_not_approved")
