"""Events emitted by bookings, on the `bookings.events` exchange."""
SERVICE = "bookings"

BOOKING_REQUESTED = "booking_requested"
BOOKING_AWAITING_APPROVAL = "booking_awaiting_approval"
BOOKING_CONFIRMED = "booking_confirmed"
BOOKING_REJECTED = "booking_rejected"
BOOKING_CANCELLED = "booking_cancelled"
BOOKING_EXPIRED = "booking_expired"
BOOKING_COMPLETED = "booking_completed"
# A ballot's draw gave an entrant no places (they keep their priority for the next ballot);
# the winners' bookings announce themselves as any other booking.
BALLOT_LOST = "ballot_lost"
# A waiting list's first in line is offered places that came free (a booking `offered`,
# whose places providers reserve as for a request), and the offer ran out unanswered (or
# its places were taken first): providers gives the places back, and the next in line
# gets them.
BOOKING_OFFERED = "booking_offered"
BOOKING_OFFER_EXPIRED = "booking_offer_expired"

# Every event that moves a booking to another status after booking_requested.
STATUS_CHANGED = (BOOKING_AWAITING_APPROVAL, BOOKING_CONFIRMED, BOOKING_REJECTED,
                  BOOKING_CANCELLED, BOOKING_EXPIRED, BOOKING_COMPLETED, BOOKING_OFFER_EXPIRED)
# The booking ended without its break: what the other services took is given back.
ENDED = (BOOKING_REJECTED, BOOKING_CANCELLED, BOOKING_EXPIRED)
