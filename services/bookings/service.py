"""The bookings service: nameko entrypoints only; the rules live in the domain modules.

Contract (docs/contracts.md, "bookings" and "The booking saga"):

RPC (every one takes `actor` first; something not the actor's is NotFound, and a role that
may never do the thing is Forbidden):
- `health()`
- `request_booking(actor, idempotency_key, data)` family, or a referrer for a carer of their
  centre (`family_id`, gifted breaks only, no budget); data `{slot_id, places, budget_id?,
  family_id?}` -> booking (status `requested`; `rejected` `allowance_used` for a gifted
  break past the council's allowance). The same key and body gives back the same booking; the
  same key with another body is `Conflict("idempotency_key_reused")`. An unknown slot is
  `InvalidInput({"slot_id"})`, a missing budget for a priced offer `InvalidInput({"budget_id"})`,
  a slot that cannot be booked `Conflict("slot_not_bookable")`.
- `get_booking(actor, booking_id)`: its family, the offer's provider, officers of the family's
  council.
- `list_bookings(actor, status=None, limit=50, cursor=None)`: family (own), provider (own
  offers), officer (own council); newest first -> `{items, next_cursor}`.
- `cancel_booking(actor, booking_id)`: the family or the provider, before the break starts
  (`Conflict("already_started" | "not_cancellable")`).
- `complete_booking(actor, booking_id, final_amount_pence=None)`: the provider, after the break
  has started (`Conflict("not_started" | "not_confirmed")`); charges all the held money or
  the lower `final_amount_pence`.
- `list_awaiting_approval(actor, limit=50, cursor=None)`: officer, own council, oldest first.
- `set_gifted_allowance(actor, council, breaks_per_12_months)`: an officer, own council ->
  `{council, breaks_per_12_months}`; `get_gifted_allowance(actor, family_id=None)`: a
  family's own, a referrer's carer's -> `{council, breaks_per_12_months, used, left}`.
  Bookings owns the allowance: it knows each family's gifted bookings.
- Ballots (`balloting.py`): `apply_for_places(actor, slot_id, places, family_id=None)` a
  family (or a referrer for a carer of their centre, `family_id`) ->
  `{application, created}`; `withdraw_application(actor, slot_id, family_id=None)` -> the
  application;
  `get_ballot(actor, slot_id)` -> the record (seed, entrants in order, outcome; who is named
  as `ballots.names` says). A ballot slot's `request_booking` is `Conflict("by_ballot")`;
  applying to a first-come slot `Conflict("not_a_ballot")`, after the close
  `Conflict("applications_closed")`. The timer draws each ballot once its applications close
  (`BALLOT_TIMER_SECONDS`): the winners' bookings go through the saga, the others are told
  (`ballot_lost`).
- Waiting lists (`waitlisting.py`): `join_waiting_list(actor, slot_id, places,
  family_id=None)` a family (or a referrer for a carer, gifted only) on a first-come slot
  with fewer than `places` left -> `{entry, created}` (`Conflict("places_available")` when it
  has enough: book it; `Conflict("by_ballot")` for a ballot slot; an unknown slot NotFound);
  `leave_waiting_list(actor, slot_id, family_id=None)` -> the entry (an offer it held is
  declined); `get_waiting_place(actor, slot_id, family_id=None)` -> the entry with its
  `place_in_line`. Places released on a slot (providers' `places_released`) are offered
  down its line: a booking `offered` (`booking_offered`; providers reserves its places) with
  `offer_expires_at` (`WAITING_LIST_OFFER_HOURS`); `accept_offer(actor, booking_id,
  budget_id=None)` makes it `requested` (the saga as usual: funds, approval, allowance);
  cancelling it declines it; the timer expires the unanswered ones (`booking_offer_expired`:
  the places go back, and on down the line).

A booking: `{id, status, reason, slot_id, offer_id, places, total_pence, budget_id,
created_at, updated_at, family_id, provider_id, council, category, unit_price_pence,
slot_start, slot_end, final_amount_pence, booked_by, transitions: [{from_status, to_status, at, why,
by}]}`. `reason` (on rejected) is one of `seibiant_common.vocabularies.REJECTION_REASONS`.

Events emitted: booking_requested (answered by providers and budgets at once),
booking_awaiting_approval `{booking_id, approval_deadline}`, booking_confirmed,
booking_rejected `{booking_id, reason}`, booking_cancelled `{booking_id, by}` (`by` is the
user id of whoever cancelled, or `system` when the provider withdrew the slot),
booking_expired, booking_completed; a waiting list's booking_offered `{booking_id, slot_id,
places, offer_expires_at}` and booking_offer_expired `{booking_id, slot_id, reason}`.
Handled: providers' places_reserved, reservation_refused, slot_withdrawn, places_released
(offered down the slot's waiting list), and slots_published, provider_approved,
provider_suspended (what bookings knows of slots, so a request needs no `get_slot`);
budgets' funds_held, approval_required, spend_approved, spend_declined, hold_refused
(`handlers.EVENT_HANDLERS` says which use case answers each). Timeouts: see `dependencies.py`.
"""
import os

from seibiant_common.database import Database
from seibiant_common.errors import Conflict, NotFound
from seibiant_common.logs import Correlation
from seibiant_common.messaging import answering
from seibiant_common.rpc import rpc
from seibiant_common.timers import timer
from seibiant_common.types import utcnow

from . import application, balloting, domain, models, schemas, waitlisting
from .dependencies import ProvidersSlots, SagaSettings, TimerSchedule
from .handlers import EVENT_HANDLERS

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


@answering(EVENT_HANDLERS)  # the events bookings hears, and what answers each
class BookingsService:
    name = "bookings"

    db = Database(models.PLUMBING_TABLES, MIGRATIONS)
    correlation = Correlation()
    slots = ProvidersSlots()
    timeouts = SagaSettings()
    schedule = TimerSchedule()

    @rpc
    def health(self):
        self.db.ping()
        return {"service": self.name, "status": "ok"}

    # --- requests -----------------------------------------------------------------------

    @rpc
    def request_booking(self, actor, idempotency_key, data):
        actor = schemas.parse(schemas.ActorSchema, actor)
        request = schemas.parse(schemas.RequestBookingSchema,
                                dict(data or {}, idempotency_key=idempotency_key)
                                if isinstance(data, dict) else data)
        with self.db.unit_of_work() as uow:
            booking = application.request_known_slot(uow, actor, request, utcnow(),
                                                     self.timeouts)
        if booking is None:
            # A slot bookings has not heard of (its announcement may be on its way): ask
            # providers, outside any transaction, so no lock is held while it answers.
            answer = self.slots.get(request["slot_id"])
            with self.db.unit_of_work() as uow:
                balloting.slot_answered(uow, answer)
                booking = application.request_booking(uow, actor, request, answer, utcnow(),
                                                      self.timeouts)
        return schemas.booking_schema.dump(booking)

    @rpc
    def cancel_booking(self, actor, booking_id):
        actor = schemas.parse(schemas.ActorSchema, actor)
        booking_id = schemas.parse(schemas.BookingIdSchema, {"booking_id": booking_id})
        with self.db.unit_of_work() as uow:
            now = utcnow()
            booking = application.cancel_booking(uow, actor, booking_id["booking_id"], now)
            waitlisting.offer_answered(uow, booking, now)  # an offer declined
        return schemas.booking_schema.dump(booking)

    @rpc
    def complete_booking(self, actor, booking_id, final_amount_pence=None):
        actor = schemas.parse(schemas.ActorSchema, actor)
        request = schemas.parse(schemas.CompleteBookingSchema, {
            "booking_id": booking_id, "final_amount_pence": final_amount_pence})
        with self.db.unit_of_work() as uow:
            booking = application.complete_booking(
                uow, actor, request["booking_id"], request["final_amount_pence"], utcnow())
        return schemas.booking_schema.dump(booking)

    # --- gifted allowances --------------------------------------------------------------

    @rpc
    def set_gifted_allowance(self, actor, council, breaks_per_12_months):
        actor = schemas.parse(schemas.ActorSchema, actor)
        data = schemas.parse(schemas.SetGiftedAllowanceSchema, {
            "council": council, "breaks_per_12_months": breaks_per_12_months})
        with self.db.unit_of_work() as uow:
            return application.set_gifted_allowance(uow, actor, data["council"],
                                                    data["breaks_per_12_months"], utcnow())

    @rpc
    def get_gifted_allowance(self, actor, family_id=None):
        actor = schemas.parse(schemas.ActorSchema, actor)
        query = schemas.parse(schemas.CarerQuery, {"family_id": family_id})
        with self.db.unit_of_work() as uow:
            return application.gifted_allowance(uow, actor, query["family_id"], utcnow())

    # --- ballots ------------------------------------------------------------------------

    @rpc
    def apply_for_places(self, actor, slot_id, places, family_id=None):
        actor = schemas.parse(schemas.ActorSchema, actor)
        data = schemas.parse(schemas.ApplySchema, {"slot_id": slot_id, "places": places,
                                                     "family_id": family_id})
        with self.db.unit_of_work() as uow:
            applied = balloting.apply(uow, actor, data["slot_id"], data["places"], utcnow(),
                                      data["family_id"])
        if applied is None:  # a slot bookings has not heard of yet: ask providers
            answer = self.slots.get(data["slot_id"])
            if answer is None:
                raise NotFound("no such slot")
            with self.db.unit_of_work() as uow:
                application.remember_slot(uow, answer)
                balloting.slot_answered(uow, answer)
                applied = balloting.apply(uow, actor, data["slot_id"], data["places"],
                                          utcnow(), data["family_id"])
            if applied is None:
                raise Conflict("not_a_ballot", "this slot is booked first come")
        view, created = applied
        return {"application": schemas.application_schema.dump(view), "created": created}

    @rpc
    def withdraw_application(self, actor, slot_id, family_id=None):
        actor = schemas.parse(schemas.ActorSchema, actor)
        data = schemas.parse(schemas.SlotForCarerSchema, {"slot_id": slot_id,
                                                        "family_id": family_id})
        with self.db.unit_of_work() as uow:
            return schemas.application_schema.dump(
                balloting.withdraw(uow, actor, data["slot_id"], utcnow(), data["family_id"]))

    @rpc
    def get_ballot(self, actor, slot_id):
        actor = schemas.parse(schemas.ActorSchema, actor)
        data = schemas.parse(schemas.SlotIdSchema, {"slot_id": slot_id})
        with self.db.unit_of_work() as uow:
            return schemas.ballot_schema.dump(balloting.record(uow, actor, data["slot_id"]))

    # --- waiting lists ------------------------------------------------------------------

    @rpc
    def join_waiting_list(self, actor, slot_id, places, family_id=None):
        actor = schemas.parse(schemas.ActorSchema, actor)
        data = schemas.parse(schemas.JoinWaitingListSchema, {
            "slot_id": slot_id, "places": places, "family_id": family_id})
        # how many places are left is providers' to say: asked outside any transaction
        answer = self.slots.get(data["slot_id"])
        if answer is None:
            raise NotFound("no such slot")
        waitlisting.refuse_ballot_slot(answer)
        if not answer["bookable"]:
            raise Conflict("slot_not_bookable", "this slot cannot be booked")
        with self.db.unit_of_work() as uow:
            application.remember_slot(uow, answer)
            entry, created = waitlisting.join(uow, actor, data["slot_id"], data["places"],
                                              data["family_id"], answer["remaining"] or 0,
                                              utcnow())
        return {"entry": schemas.waiting_entry_schema.dump(entry), "created": created}

    @rpc
    def leave_waiting_list(self, actor, slot_id, family_id=None):
        actor = schemas.parse(schemas.ActorSchema, actor)
        data = schemas.parse(schemas.SlotForCarerSchema, {"slot_id": slot_id,
                                                           "family_id": family_id})
        with self.db.unit_of_work() as uow:
            return schemas.waiting_entry_schema.dump(waitlisting.leave(
                uow, actor, data["slot_id"], data["family_id"], utcnow()))

    @rpc
    def get_waiting_place(self, actor, slot_id, family_id=None):
        actor = schemas.parse(schemas.ActorSchema, actor)
        data = schemas.parse(schemas.SlotForCarerSchema, {"slot_id": slot_id,
                                                           "family_id": family_id})
        with self.db.unit_of_work() as uow:
            return schemas.waiting_entry_schema.dump(waitlisting.place(
                uow, actor, data["slot_id"], data["family_id"]))

    @rpc
    def accept_offer(self, actor, booking_id, budget_id=None):
        actor = schemas.parse(schemas.ActorSchema, actor)
        data = schemas.parse(schemas.AcceptOfferSchema, {"booking_id": booking_id,
                                                           "budget_id": budget_id})
        with self.db.unit_of_work() as uow:
            booking = waitlisting.accept(uow, actor, data["booking_id"], data["budget_id"],
                                         utcnow(), self.timeouts)
            return schemas.booking_schema.dump(booking)

    # --- queries ------------------------------------------------------------------------

    @rpc
    def get_booking(self, actor, booking_id):
        actor = schemas.parse(schemas.ActorSchema, actor)
        booking_id = schemas.parse(schemas.BookingIdSchema, {"booking_id": booking_id})
        with self.db.reading() as reading:
            booking = application.get_booking(reading, actor, booking_id["booking_id"])
            return schemas.booking_schema.dump(booking)

    @rpc
    def list_bookings(self, actor, status=None, limit=50, cursor=None):
        actor = schemas.parse(schemas.ActorSchema, actor)
        query = schemas.parse(schemas.ListBookingsSchema,
                              {"status": status, "limit": limit, "cursor": cursor})
        with self.db.unit_of_work() as uow:
            page = application.list_bookings(uow, actor, **query)
            return schemas.page_schema.dump(page)

    @rpc
    def list_awaiting_approval(self, actor, limit=50, cursor=None):
        actor = schemas.parse(schemas.ActorSchema, actor)
        query = schemas.parse(schemas.PageSchema, {"limit": limit, "cursor": cursor})
        with self.db.unit_of_work() as uow:
            page = application.list_awaiting_approval(uow, actor, **query)
            return schemas.page_schema.dump(page)

    # --- time ---------------------------------------------------------------------------

    @timer("BOOKING_TIMER_SECONDS", 5)
    def handle_timeouts(self):
        """Late steps are asked again or given up; approvals waiting too long expire."""
        looked_at = utcnow()
        if looked_at < self.schedule.next_look:
            return  # no deadline can have come yet: nothing to read
        done = application.TIMER_BATCH
        while done == application.TIMER_BATCH:  # a full batch: there may be more
            with self.db.unit_of_work() as uow:  # one transaction a tick when little is due
                done = application.handle_due(uow, utcnow(), self.timeouts)
                if done < application.TIMER_BATCH:
                    self.schedule.next_look = domain.next_look(
                        looked_at, application.earliest_deadline(uow), self.timeouts)

    @timer("WAITING_LIST_TIMER_SECONDS", 5)
    def expire_offers(self):
        """Offers not answered in time expire; their places go on down the line. Reads only
        once one may have expired."""
        self.db.in_batches(lambda uow: waitlisting.expire_due(uow, utcnow()),
                           waitlisting.EXPIRY_BATCH,
                           (waitlisting.EXPIRY, waitlisting.soonest_expiry))

    @timer("BALLOT_TIMER_SECONDS", 5)
    def draw_ballots(self):
        """Each ballot whose applications have closed is drawn, once (balloting.py). Reads
        only once one may have closed."""
        self.db.in_batches(lambda uow: balloting.draw_due(uow, utcnow(), self.timeouts),
                           balloting.DRAW_BATCH, (balloting.DRAWS, balloting.soonest_close))
