"""The public vocabularies (docs/design.md), in one place. Values may be added, never renamed.

Add new values at the END of a tuple and never reorder one: providers stores the accessibility
features and care needs of an offer as bit masks by position (services/providers/domain.py),
and staycation a home's features and what a family requires by position in `HOME_FEATURES`,
so a value moved would change the meaning of what is stored.
"""

SHORT_BREAK_CATEGORIES = (
    "overnight_stay", "family_based_care", "group_specialist", "group_non_specialist",
    "home_based_care",
)
HOSPITALITY_CATEGORIES = ("hospitality_stay", "hospitality_meal", "hospitality_activity")
CATEGORIES = SHORT_BREAK_CATEGORIES + HOSPITALITY_CATEGORIES

# Accessibility features of a place.
ACCESSIBILITY_FEATURES = (
    "wheelchair_access", "hoist", "changing_places_toilet", "quiet_space", "sensory_friendly",
    "ground_floor", "hearing_loop", "assistance_dogs",
)

# Care needs a provider supports, and a family may record.
CARE_NEEDS = (
    "complex_health", "challenging_behaviour", "autism", "learning_disability",
    "physical_disability", "sensory_impairment", "dementia", "mental_health",
)

PROVIDER_KINDS = ("hospitality", "short_break")

# The council areas: Wales's 22 principal areas (Local Government (Wales) Act 1994), the values
# of an officer's or a family's `council` and of a provider's `regions` and an offer's `region`.
# The forms offer these; the API takes any slug (a council it does not list yet is shown by its
# slug), so this list may grow without a change of contract.
COUNCIL_AREAS = (
    "blaenau-gwent", "bridgend", "caerphilly", "cardiff", "carmarthenshire", "ceredigion",
    "conwy", "denbighshire", "flintshire", "gwynedd", "isle-of-anglesey", "merthyr-tydfil",
    "monmouthshire", "neath-port-talbot", "newport", "pembrokeshire", "powys",
    "rhondda-cynon-taf", "swansea", "torfaen", "vale-of-glamorgan", "wrexham",
)

# The time zones a recurring pattern of slots may be given in: its times of day stay the
# same on the clock through the changes to and from summer time (British Summer Time).
PATTERN_TIME_ZONES = ("UTC", "Europe/London")

# Booking rejection reasons of docs/api-v1.md, then the ones the saga added (docs/contracts.md):
# the budget's period does not cover the break, the budget does not exist or is not the
# family's, the provider's price changed between the request and the reservation, a step
# of the saga got no answer after its retries, and a gifted break past the council's
# allowance of them.
REJECTION_REASONS = (
    "sold_out", "insufficient_funds", "declined", "budget_inactive", "provider_not_approved",
    "slot_not_bookable",
    "outside_budget_period", "budget_not_found", "price_changed", "timed_out",
    "allowance_used",
)

# A booking's statuses (their order of transitions: services/bookings/state_machine.py).
BOOKING_STATUSES = ("requested", "awaiting_approval", "confirmed", "completed", "rejected",
                    "cancelled", "expired", "offered")
# The saga is still deciding: a page showing one of these waits for the next status.
LIVE = frozenset({"requested", "awaiting_approval"})
# The family or the provider may still cancel it (before the break starts); a withdrawal of
# its slot or a late compensation acts on it too. An `offered` booking (places a waiting
# list offers a family, held until it answers) is declined by cancelling it.
CANCELLABLE = frozenset({"requested", "awaiting_approval", "confirmed", "offered"})

# Adaptations of a home offered for a staycation swap (services/staycation, docs/staycation.md
# describes each), beside the accessibility features a home may also have.
ADAPTATIONS = (
    "hoist", "ceiling_track_hoist", "profiling_bed", "wet_room", "level_access_shower",
    "ramp", "stairlift", "through_floor_lift", "sensory_room", "fenced_garden",
    "blackout_blinds", "quiet_garden", "accessible_parking", "wide_doorways",
)

# A home's features: the accessibility features and the adaptations together, each once, in
# the order staycation stores them as bit masks (services/staycation/domain.py). A value added
# to either vocabulary is added at the END here too (tests/staycation/test_domain.py checks).
# (Written out: an accessibility feature added later goes after "wide_doorways", not before
# the adaptations.)
HOME_FEATURES = (
    "wheelchair_access", "hoist", "changing_places_toilet", "quiet_space", "sensory_friendly",
    "ground_floor", "hearing_loop", "assistance_dogs", "ceiling_track_hoist", "profiling_bed",
    "wet_room", "level_access_shower", "ramp", "stairlift", "through_floor_lift",
    "sensory_room", "fenced_garden", "blackout_blinds", "quiet_garden", "accessible_parking",
    "wide_doorways",
)

# What each care need requires of a home a family stays in (docs/staycation.md): a home meets
# a need when it has every feature listed (an accessibility feature or an adaptation).
NEEDS_REQUIRE = {
    "complex_health": ("profiling_bed",),
    "challenging_behaviour": ("fenced_garden",),
    "autism": ("quiet_space", "blackout_blinds"),
    "learning_disability": ("fenced_garden",),
    "physical_disability": ("wheelchair_access", "level_access_shower"),
    "sensory_impairment": ("sensory_room",),
    "dementia": ("ground_floor",),
    "mental_health": ("quiet_space",),
}
