"""The families service: nameko entrypoints only; the rules live in `domain.py`.

Contract (docs/contracts.md, "families"). RPC (every one takes `actor` first; something not
the actor's to see is NotFound, a role that may never do the thing Forbidden):
- `health()`
- `get_my_profile(actor)`, `put_my_profile(actor, data)`: the family's own profile (an empty
  one until it tells something).
- `get_family_profile(actor, family_id)`: officers of the family's council; recorded.
- `get_booking_profile(actor, booking_id)`: what the family shared with the booking: its
  provider while the sharing window is open (recorded), its family at any time.
- `withdraw_consent(actor, booking_id)`: the family.
- `list_profile_reads(actor, limit=50, cursor=None)`: the family, newest first.
- `give_feedback(actor, booking_id, data)`, `get_booking_feedback(actor, booking_id)`: the
  booking's family, once it is completed (`Conflict("not_completed" | "feedback_given")`).
- `get_provider_feedback(actor, provider_id)`: the provider, officers (their council's),
  admin.
- `provider_ratings(provider_ids)` -> `[{provider_id, count, average_rating}]` of those with
  at least 5 reviews (what search shows families).
- `gifted_feedback(booking_ids)` -> `{count, average_rating, average_rested,
  would_book_again_count, items}` of those bookings (the gateway's, from insight's impact:
  a provider's gifted bookings made), no carer named; `count` "fewer than 5" (and nothing
  else) below 5.
- `post_response(actor, data)`, `list_responses(actor, provider_id=None, limit, cursor)`:
  officers post "you said, we did"; the council's families and officers read it.

Events emitted: feedback_given. Handled: bookings' booking_requested and every status
event after it (`handlers.EVENT_HANDLERS`), in batches. Settings: `PROFILE_SHARING_DAYS`
(default 7), how many days after a break ends its provider may still read what was shared;
`FAMILIES_EVENT_BATCH_SECONDS` (seibiant_common.messaging).
"""
import os

from nameko.extensions import DependencyProvider

from seibiant_common.config import setting
from seibiant_common.database import Database
from seibiant_common.logs import Correlation
from seibiant_common.messaging import answering_in_batches
from seibiant_common.rpc import rpc
from seibiant_common.types import utcnow

from . import application, domain, models, schemas
from .handlers import EVENT_HANDLERS

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


class SharingDays(DependencyProvider):
    """The worker gets `PROFILE_SHARING_DAYS`."""

    def setup(self):
        self.days = setting(self.container.config, "PROFILE_SHARING_DAYS",
                            domain.DEFAULT_SHARING_DAYS, float)

    def get_dependency(self, worker_ctx):
        return self.days


def _profile(profile):
    return schemas.profile_schema.dump(dict(vars(profile), needs=profile.needs))


@answering_in_batches(EVENT_HANDLERS)  # the events families hears, and what answers each
class FamiliesService:
    name = "families"

    db = Database(models.PLUMBING_TABLES, MIGRATIONS)
    correlation = Correlation()
    sharing_days = SharingDays()

    @rpc
    def health(self):
        self.db.ping()
        return {"service": self.name, "status": "ok"}

    # --- the profile --------------------------------------------------------------------

    @rpc
    def get_my_profile(self, actor):
        actor = schemas.parse(schemas.ActorSchema, actor)
        with self.db.unit_of_work() as uow:
            return _profile(application.my_profile(uow, actor))

    @rpc
    def put_my_profile(self, actor, data):
        actor = schemas.parse(schemas.ActorSchema, actor)
        data = schemas.parse(schemas.ProfileBodySchema, data)
        with self.db.unit_of_work() as uow:
            return _profile(application.write_profile(uow, actor, data, utcnow()))

    @rpc
    def get_family_profile(self, actor, family_id):
        actor = schemas.parse(schemas.ActorSchema, actor)
        family_id = schemas.parse(schemas.IdSchema, {"id": family_id})["id"]
        with self.db.unit_of_work() as uow:  # the answer and its read record together
            return _profile(application.family_profile(uow, actor, family_id, utcnow()))

    # --- sharing ------------------------------------------------------------------------

    @rpc
    def get_booking_profile(self, actor, booking_id):
        actor = schemas.parse(schemas.ActorSchema, actor)
        booking_id = schemas.parse(schemas.IdSchema, {"id": booking_id})["id"]
        with self.db.unit_of_work() as uow:  # the answer and its read record together
            return schemas.shared_schema.dump(application.booking_profile(
                uow, actor, booking_id, utcnow(), self.sharing_days))

    @rpc
    def withdraw_consent(self, actor, booking_id):
        actor = schemas.parse(schemas.ActorSchema, actor)
        booking_id = schemas.parse(schemas.IdSchema, {"id": booking_id})["id"]
        with self.db.unit_of_work() as uow:
            return schemas.consent_schema.dump(
                application.withdraw_consent(uow, actor, booking_id, utcnow()))

    @rpc
    def list_profile_reads(self, actor, limit=50, cursor=None):
        actor = schemas.parse(schemas.ActorSchema, actor)
        query = schemas.parse(schemas.PageSchema, {"limit": limit, "cursor": cursor})
        with self.db.unit_of_work() as uow:
            return schemas.read_page_schema.dump(
                application.profile_reads_of(uow, actor, **query))

    # --- feedback -----------------------------------------------------------------------

    @rpc
    def give_feedback(self, actor, booking_id, data):
        actor = schemas.parse(schemas.ActorSchema, actor)
        booking_id = schemas.parse(schemas.IdSchema, {"id": booking_id})["id"]
        data = schemas.parse(schemas.FeedbackBodySchema, data)
        with self.db.unit_of_work() as uow:
            return schemas.feedback_schema.dump(
                application.give_feedback(uow, actor, booking_id, data, utcnow()))

    @rpc
    def get_booking_feedback(self, actor, booking_id):
        """The family's feedback on its booking, or None when it has given none."""
        actor = schemas.parse(schemas.ActorSchema, actor)
        booking_id = schemas.parse(schemas.IdSchema, {"id": booking_id})["id"]
        with self.db.unit_of_work() as uow:
            given = application.feedback_of_booking(uow, actor, booking_id)
            return None if given is None else schemas.feedback_schema.dump(given)

    @rpc
    def get_provider_feedback(self, actor, provider_id):
        actor = schemas.parse(schemas.ActorSchema, actor)
        provider_id = schemas.parse(schemas.IdSchema, {"id": provider_id})["id"]
        with self.db.unit_of_work() as uow:
            return schemas.provider_feedback_schema.dump(
                application.provider_feedback(uow, actor, provider_id))

    @rpc
    def gifted_feedback(self, booking_ids):
        ids = schemas.parse(schemas.BookingIdsSchema, {"booking_ids": booking_ids})
        with self.db.unit_of_work() as uow:
            return schemas.gifted_feedback_schema.dump(
                application.gifted_feedback(uow, ids["booking_ids"]))

    @rpc
    def provider_ratings(self, provider_ids):
        ids = schemas.parse(schemas.ProviderIdsSchema, {"provider_ids": provider_ids})
        with self.db.unit_of_work() as uow:
            return schemas.ratings_schema.dump(
                application.provider_ratings(uow, ids["provider_ids"]))

    @rpc
    def post_response(self, actor, data):
        actor = schemas.parse(schemas.ActorSchema, actor)
        data = schemas.parse(schemas.FeedbackResponseBodySchema, data)
        with self.db.unit_of_work() as uow:
            return schemas.response_schema.dump(application.post_response(
                uow, actor, data["provider_id"], data["text"], utcnow()))

    @rpc
    def list_responses(self, actor, provider_id=None, limit=50, cursor=None):
        actor = schemas.parse(schemas.ActorSchema, actor)
        query = schemas.parse(schemas.ResponsesQuerySchema, {
            "provider_id": provider_id, "limit": limit, "cursor": cursor})
        with self.db.unit_of_work() as uow:
            return schemas.response_page_schema.dump(
                application.list_responses(uow, actor, **query))
