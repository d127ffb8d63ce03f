"""Events emitted by providers, on the `providers.events` exchange."""
SERVICE = "providers"

PLACES_RESERVED = "places_reserved"
RESERVATION_REFUSED = "reservation_refused"
PLACES_RELEASED = "places_released"
SLOT_WITHDRAWN = "slot_withdrawn"
SLOTS_PUBLISHED = "slots_published"
PROVIDER_APPROVED = "provider_approved"
PROVIDER_SUSPENDED = "provider_suspended"
# The searches a providers process recorded over a second or so, in one event: each one's
# filters and how many offers it found, never who searched.
SEARCHES_MADE = "searches_made"
# One search, one event: no longer emitted (searches_made replaced it); insight still reads
# those it kept, and any still queued when providers was upgraded.
SEARCH_MADE = "search_made"

# `reservation_refused.reason` (each also a booking rejection reason).
RESERVATION_REFUSAL_REASONS = ("sold_out", "slot_not_bookable", "provider_not_approved")

# What a provider publishes: how a slot's places are given (first come, the default, or a
# ballot of the carers who applied before `applications_close_at`), and the limits of a
# publication.
ALLOCATIONS = ("first_come", "ballot")
MAX_CAPACITY = 10_000
MAX_PRICE_PENCE = 10_000_000  # £100,000: far above any break's price
MAX_SLOTS_PER_PUBLICATION = 500
MAX_PATTERN_NIGHTS = 30
MAX_PATTERN_WEEKS = 104
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
