"""Words for the values of the public vocabularies and of the API's statuses and codes, in
English; `Formatter.label` translates them where they are shown. A value with no words here is
shown as it is (a value added to a vocabulary later still renders)."""
from .i18n import N_

CATEGORIES = {
    "overnight_stay": N_("Overnight stay"),
    "family_based_care": N_("Family-based care"),
    "group_specialist": N_("Specialist group activity"),
    "group_non_specialist": N_("Group activity"),
    "home_based_care": N_("Care at home"),
    "hospitality_stay": N_("Hotel or holiday stay"),
    "hospitality_meal": N_("Meal out"),
    "hospitality_activity": N_("Day out or activity"),
}

ACCESSIBILITY = {
    "wheelchair_access": N_("Wheelchair access"),
    "hoist": N_("Hoist"),
    "changing_places_toilet": N_("Changing Places toilet"),
    "quiet_space": N_("Quiet space"),
    "sensory_friendly": N_("Sensory friendly"),
    "ground_floor": N_("Ground floor"),
    "hearing_loop": N_("Hearing loop"),
    "assistance_dogs": N_("Assistance dogs welcome"),
}

NEEDS = {
    "complex_health": N_("Complex health needs"),
    "challenging_behaviour": N_("Behaviour that challenges"),
    "autism": N_("Autism"),
    "learning_disability": N_("Learning disability"),
    "physical_disability": N_("Physical disability"),
    "sensory_impairment": N_("Sensory impairment"),
    "dementia": N_("Dementia"),
    "mental_health": N_("Mental health"),
}

# A home's adaptations for a swap (seibiant_common.vocabularies.ADAPTATIONS, docs/staycation.md)
ADAPTATIONS = {
    "hoist": N_("Mobile hoist"),
    "ceiling_track_hoist": N_("Ceiling track hoist"),
    "profiling_bed": N_("Profiling bed"),
    "wet_room": N_("Wet room"),
    "level_access_shower": N_("Level access shower"),
    "ramp": N_("Ramp to the entrance"),
    "stairlift": N_("Stairlift"),
    "through_floor_lift": N_("Through-floor lift"),
    "sensory_room": N_("Sensory room"),
    "fenced_garden": N_("Fenced garden"),
    "blackout_blinds": N_("Blackout blinds"),
    "quiet_garden": N_("Quiet garden"),
    "accessible_parking": N_("Accessible parking"),
    "wide_doorways": N_("Wide doorways"),
}

# Everything a home may have: its accessibility features and its adaptations.
FEATURES = dict(ACCESSIBILITY, **ADAPTATIONS)

HOME_STATUSES = {
    "listed": N_("Listed"),
    "paused": N_("Paused"),
    "withdrawn": N_("Withdrawn"),
}

SWAP_STATUSES = {
    "proposed": N_("Proposed"),
    "agreed": N_("Agreed"),
    "declined": N_("Declined"),
    "cancelled": N_("Cancelled"),
    "completed": N_("Completed"),
}

# The staycation service's refusals (its codes clash with others': `not_verified` there is a
# family's verification for swaps, not a carer's request to join).
SWAP_CONFLICTS = {
    "not_verified": N_("Your family must be verified for home swaps by your carers' centre "
                       "or an officer of your council first."),
    "dates_taken": N_("One of the homes has been agreed for those dates in another swap "
                      "already."),
    "home_not_listed": N_("One of the homes is no longer listed."),
    "home_withdrawn": N_("This home has been withdrawn, so it cannot be changed."),
    "not_partner": N_("Only the family who was asked can accept or decline."),
    "not_proposed": N_("This swap has been decided already."),
    "stay_started": N_("The first stay has started, so the swap can no longer be "
                       "cancelled."),
    "swap_ended": N_("This swap has ended."),
    "not_completed": N_("You can review a swap once it is over."),
    "review_given": N_("You have reviewed this swap already. Thank you."),
    "may_not_verify": N_("Only an officer of the family's council or its carers' centre can "
                         "verify it for home swaps, or withdraw its verification."),
}

PROVIDER_KINDS = {
    "hospitality": N_("Hospitality business"),
    "short_break": N_("Short break provider"),
}

# Names in English; the Welsh catalogue has the official Welsh names (Sir y Fflint, Ynys Môn, ...)
COUNCIL_AREAS = {
    "blaenau-gwent": N_("Blaenau Gwent"),
    "bridgend": N_("Bridgend"),
    "caerphilly": N_("Caerphilly"),
    "cardiff": N_("Cardiff"),
    "carmarthenshire": N_("Carmarthenshire"),
    "ceredigion": N_("Ceredigion"),
    "conwy": N_("Conwy"),
    "denbighshire": N_("Denbighshire"),
    "flintshire": N_("Flintshire"),
    "gwynedd": N_("Gwynedd"),
    "isle-of-anglesey": N_("Isle of Anglesey"),
    "merthyr-tydfil": N_("Merthyr Tydfil"),
    "monmouthshire": N_("Monmouthshire"),
    "neath-port-talbot": N_("Neath Port Talbot"),
    "newport": N_("Newport"),
    "pembrokeshire": N_("Pembrokeshire"),
    "powys": N_("Powys"),
    "rhondda-cynon-taf": N_("Rhondda Cynon Taf"),
    "swansea": N_("Swansea"),
    "torfaen": N_("Torfaen"),
    "vale-of-glamorgan": N_("Vale of Glamorgan"),
    "wrexham": N_("Wrexham"),
}

PROVIDER_STATUSES = {
    "pending": N_("Waiting for approval"),
    "approved": N_("Approved"),
    "suspended": N_("Suspended"),
}

BALLOT_OUTCOMES = {
    "won": N_("Given a place"),
    "lost": N_("Not drawn"),
    "allowance_used": N_("Passed over: no gifted break left"),
}

BOOKING_STATUSES = {
    "requested": N_("Requested"),
    "awaiting_approval": N_("Waiting for approval"),
    "confirmed": N_("Confirmed"),
    "completed": N_("Completed"),
    "rejected": N_("Not booked"),
    "cancelled": N_("Cancelled"),
    "expired": N_("Expired"),
    "offered": N_("Offered"),
}

# GOV.UK tag colours, so a status reads at a glance (never by colour alone: the words show).
STATUS_TAG_CLASSES = {
    "requested": "govuk-tag--light-blue",
    "awaiting_approval": "govuk-tag--yellow",
    "confirmed": "govuk-tag--green",
    "completed": "govuk-tag--grey",
    "rejected": "govuk-tag--red",
    "cancelled": "govuk-tag--grey",
    "expired": "govuk-tag--orange",
    "offered": "govuk-tag--purple",
}

BOOKING_REASONS = {
    "sold_out": N_("There were not enough places left."),
    "insufficient_funds": N_("There was not enough money left in the budget."),
    "declined": N_("A council officer declined the spend."),
    "budget_inactive": N_("The budget is not active."),
    "provider_not_approved": N_("The provider is not approved yet."),
    "slot_not_bookable": N_("This time can no longer be booked."),
    "outside_budget_period": N_("The break is outside the budget's dates."),
    "budget_not_found": N_("The budget could not be found."),
    "price_changed": N_("The price changed while you were booking."),
    "timed_out": N_("The booking took too long to complete."),
    "allowance_used": N_("You have had all the gifted breaks your council allows in 12 "
                         "months."),
}

# Why bookings were not made, as the insight page counts them: a rejection's reason, or expiry.
NOT_MADE_REASONS = dict(BOOKING_REASONS,
                        expired=N_("The spend waited too long for an officer's decision."))

# Why a spend needs the council's approval (an approval's reasons), for the family and officer.
APPROVAL_REASONS = {
    "category_not_allowed": N_("The kind of break is not in the agreed plan."),
    "over_auto_approve_limit": N_("The cost is over the limit agreed for spending without "
                                  "asking."),
}

LEDGER_KINDS = {
    "allocation": N_("Money allocated"),
    "top_up": N_("Top-up"),
    "adjustment": N_("Adjustment"),
    "hold": N_("Held for a booking"),
    "hold_release": N_("Hold released"),
    "capture": N_("Spent"),
}

# What a budget's history shows beside the ledger's kinds: its audit records' actions.
HISTORY_ACTIONS = dict(LEDGER_KINDS, **{
    "created": N_("Budget created"),
    "suspended": N_("Suspended"),
    "reinstated": N_("Reinstated"),
    "spend_approved": N_("Spend approved"),
    "spend_declined": N_("Spend declined"),
})

BUDGET_STATUSES = {
    "active": N_("Active"),
    "suspended": N_("Suspended"),
    "closed": N_("Closed"),
}

WEEKDAYS = {
    "monday": N_("Monday"),
    "tuesday": N_("Tuesday"),
    "wednesday": N_("Wednesday"),
    "thursday": N_("Thursday"),
    "friday": N_("Friday"),
    "saturday": N_("Saturday"),
    "sunday": N_("Sunday"),
}

# The family profile: who a person is to the family, and the parts of it a family may share.
RELATIONSHIPS = {
    "cared_for": N_("The person cared for"),
    "carer": N_("A carer"),
}

PROFILE_SECTIONS = {
    "date_of_birth": N_("Date of birth"),
    "needs": N_("Needs"),
    "communication": N_("How they communicate"),
    "routines": N_("Routines"),
    "diet": N_("What they eat"),
    "medication_notes": N_("Medication"),
    "mobility": N_("Getting about"),
    "likes_and_triggers": N_("Likes, dislikes and triggers"),
    "other": N_("Anything else"),
    "emergency_contact": N_("Emergency contact"),
}

# Who read a family's profile, as the family is told.
READERS = {
    "booking": N_("The provider of a booking you shared it with"),
    "council": N_("An officer of your council"),
}

# Refusals (Conflict codes) of the services and the gateway, in plain words.
CONFLICTS = {
    "username_unavailable": N_("That username is taken. Choose another one."),
    "not_verified": N_("A carers' centre has not checked your request to join yet. You can "
                       "book once it has."),
    "provider_exists": N_("This account has registered a provider already."),
    "provider_not_approved": N_("Your provider account is waiting for a council officer to "
                                "approve it. You can publish offers once it is approved."),
    "slot_not_bookable": N_("This time can no longer be booked. Choose another time."),
    "already_started": N_("This break has started, so it can no longer be cancelled."),
    "not_cancellable": N_("This booking can no longer be cancelled."),
    "not_started": N_("You can mark a break as delivered once it has started."),
    "not_confirmed": N_("Only a confirmed booking can be marked as delivered."),
    "places_available": N_("This time has places left, so there is no waiting list: book it "
                           "instead."),
    "by_ballot": N_("The places of this time are given by ballot: apply for them instead."),
    "not_offered": N_("This place is no longer offered to you."),
    "offer_expired": N_("The time to accept this place is over: it has gone to the next "
                        "family in line."),
    "approval_not_pending": N_("This request has been decided already."),
    "insufficient_funds": N_("There is not enough money left in the budget."),
    "budget_inactive": N_("The budget is not active."),
    "invalid_period": N_("The end date must be after the start date."),
    "idempotency_key_reused": N_("This form was sent already. Check the result before "
                                 "trying again."),
    "request_in_progress": N_("This form is being sent already. Wait a moment and check "
                              "the result."),
    "not_completed": N_("You can tell us how the break went once it is over."),
    "feedback_given": N_("You have told us how this break went already. Thank you."),
}
