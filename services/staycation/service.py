"""The staycation service: nameko entrypoints only; the rules live in `domain.py`
(docs/staycation.md, docs/contracts.md "staycation").

RPC (every one takes `actor` first; something not the actor's to see is NotFound, a role
that may never do the thing Forbidden, a state that forbids it Conflict with its code):
- `health()`
- `put_my_needs(actor, data)`, `get_my_needs(actor)`: a family's needs and must-haves.
- `verify_family(actor, family_id, referrer_knows=False)`,
  `withdraw_verification(actor, family_id, referrer_knows=False)`, `get_verification(...)`:
  an officer of the family's council, or a referrer the gateway says knows the family;
  `get_my_verification(actor)`: a family's own.
- `list_home(actor, data)`, `change_home`, `set_availability`, `withdraw_home`,
  `get_home`, `list_my_homes`, `home_matches(actor, home_id, from, to)`, `home_reviews`.
- `propose_swap`, `accept_swap`, `decline_swap`, `cancel_swap`, `get_swap`, `list_my_swaps`;
  `list_family_swaps(actor, family_id, referrer_knows=False, limit, cursor)`: a family's
  swaps (no messages, addresses or contacts) for those who may verify it.
- `post_message`, `list_messages`, `safeguarding_messages` (officers; recorded),
  `review_swap`.

Events emitted: staycation.py's. Handled: the gateway's account_details_changed. Timer:
`SWAP_TIMER_SECONDS` (default 60) completes agreed swaps whose last stay has ended.
"""
import os

from seibiant_common.database import Database
from seibiant_common.logs import Correlation
from seibiant_common.messaging import answering_in_batches
from seibiant_common.rpc import rpc
from seibiant_common.timers import timer
from seibiant_common.types import utcnow

from . import application, models, schemas
from .handlers import EVENT_HANDLERS

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


def _id(value):
    return schemas.parse(schemas.IdSchema, {"id": value})["id"]


def _actor(actor):
    return schemas.parse(schemas.ActorSchema, actor)


def _home(home, own):
    return (schemas.my_home_schema if own else schemas.home_schema).dump(home)


@answering_in_batches(EVENT_HANDLERS)
class StaycationService:
    name = "staycation"

    db = Database(models.PLUMBING_TABLES, MIGRATIONS)
    correlation = Correlation()

    @rpc
    def health(self):
        self.db.ping()
        return {"service": self.name, "status": "ok"}

    # --- families -----------------------------------------------------------------------

    @rpc
    def put_my_needs(self, actor, data):
        actor, data = _actor(actor), schemas.parse(schemas.NeedsInSchema, data)
        with self.db.unit_of_work() as uow:
            return schemas.needs_schema.dump(application.put_my_needs(uow, actor, data))

    @rpc
    def get_my_needs(self, actor):
        actor = _actor(actor)
        with self.db.unit_of_work() as uow:
            return schemas.needs_schema.dump(application.my_needs(uow, actor))

    def _verification(self, use, actor, family_id, referrer_knows, *now):
        actor, family_id = _actor(actor), _id(family_id)
        with self.db.unit_of_work() as uow:
            family = use(uow, actor, family_id, bool(referrer_knows), *now)
            return schemas.verification_schema.dump(
                dict(vars(family), verified=family.verified))

    @rpc
    def verify_family(self, actor, family_id, referrer_knows=False):
        return self._verification(application.verify, actor, family_id, referrer_knows,
                                  utcnow())

    @rpc
    def withdraw_verification(self, actor, family_id, referrer_knows=False):
        return self._verification(application.withdraw_verification, actor, family_id,
                                  referrer_knows, utcnow())

    @rpc
    def get_verification(self, actor, family_id, referrer_knows=False):
        return self._verification(application.verification_of, actor, family_id,
                                  referrer_knows)

    @rpc
    def get_my_verification(self, actor):
        actor = _actor(actor)
        with self.db.unit_of_work() as uow:
            family = application.my_verification(uow, actor)
            return schemas.verification_schema.dump(
                dict(vars(family), verified=family.verified))

    # --- homes --------------------------------------------------------------------------

    @rpc
    def list_home(self, actor, data):
        actor, data = _actor(actor), schemas.parse(schemas.HomeInSchema, data)
        with self.db.unit_of_work() as uow:
            return _home(application.list_home(uow, actor, data, utcnow()), True)

    @rpc
    def change_home(self, actor, home_id, data):
        actor, home_id = _actor(actor), _id(home_id)
        data = schemas.parse(schemas.HomeInSchema(partial=True), data)
        with self.db.unit_of_work() as uow:
            return _home(application.change_home(uow, actor, home_id, data, utcnow()), True)

    @rpc
    def set_availability(self, actor, home_id, data):
        actor, home_id = _actor(actor), _id(home_id)
        data = schemas.parse(schemas.AvailabilityInSchema, data)
        with self.db.unit_of_work() as uow:
            return _home(application.set_availability(
                uow, actor, home_id, data["ranges"], utcnow()), True)

    @rpc
    def withdraw_home(self, actor, home_id):
        actor, home_id = _actor(actor), _id(home_id)
        with self.db.unit_of_work() as uow:
            return _home(application.withdraw_home(uow, actor, home_id, utcnow()), True)

    @rpc
    def get_home(self, actor, home_id):
        actor, home_id = _actor(actor), _id(home_id)
        with self.db.unit_of_work() as uow:
            return _home(*application.get_home(uow, actor, home_id))

    @rpc
    def list_my_homes(self, actor, limit=50, cursor=None):
        actor = _actor(actor)
        query = schemas.parse(schemas.PageSchema, {"limit": limit, "cursor": cursor})
        with self.db.unit_of_work() as uow:
            return schemas.homes_schema.dump(application.my_homes(uow, actor, **query))

    @rpc
    def home_matches(self, actor, home_id, start, end):
        actor = _actor(actor)
        query = schemas.parse(schemas.MatchesQuerySchema,
                              {"home_id": home_id, "from": start, "to": end})
        with self.db.unit_of_work() as uow:
            return schemas.matches_schema.dump({"items": application.matches(
                uow, actor, query["home_id"], query["from_"], query["to"])})

    @rpc
    def home_reviews(self, actor, home_id):
        actor, home_id = _actor(actor), _id(home_id)
        with self.db.unit_of_work() as uow:
            return schemas.reviews_schema.dump(
                {"items": application.home_reviews(uow, actor, home_id, utcnow())})

    # --- swaps --------------------------------------------------------------------------

    def _swap(self, use, actor, swap_id, *now):
        actor, swap_id = _actor(actor), _id(swap_id)
        with self.db.unit_of_work() as uow:
            swap = use(uow, actor, swap_id, *now)
            return schemas.swap_schema.dump(application.swap_view(uow, actor, swap))

    @rpc
    def propose_swap(self, actor, data):
        actor, data = _actor(actor), schemas.parse(schemas.SwapInSchema, data)
        with self.db.unit_of_work() as uow:
            swap = application.propose(uow, actor, data, utcnow())
            return schemas.swap_schema.dump(application.swap_view(uow, actor, swap))

    @rpc
    def accept_swap(self, actor, swap_id):
        return self._swap(application.accept, actor, swap_id, utcnow())

    @rpc
    def decline_swap(self, actor, swap_id):
        return self._swap(application.decline, actor, swap_id, utcnow())

    @rpc
    def cancel_swap(self, actor, swap_id):
        return self._swap(application.cancel, actor, swap_id, utcnow())

    @rpc
    def get_swap(self, actor, swap_id):
        return self._swap(application.get_swap, actor, swap_id)

    @rpc
    def list_my_swaps(self, actor, limit=50, cursor=None):
        actor = _actor(actor)
        query = schemas.parse(schemas.PageSchema, {"limit": limit, "cursor": cursor})
        with self.db.unit_of_work() as uow:
            return schemas.swap_page_schema.dump(application.my_swaps(uow, actor, **query))

    @rpc
    def list_family_swaps(self, actor, family_id, referrer_knows=False, limit=50,
                          cursor=None):
        actor, family_id = _actor(actor), _id(family_id)
        query = schemas.parse(schemas.PageSchema, {"limit": limit, "cursor": cursor})
        with self.db.unit_of_work() as uow:
            return schemas.family_swap_page_schema.dump(application.family_swaps(
                uow, actor, family_id, bool(referrer_knows), **query))

    @timer("SWAP_TIMER_SECONDS", 60)
    def complete_swaps(self):
        """Agreed swaps whose last stay has ended are completed, once each."""
        self.db.in_batches(lambda uow: application.complete_due(uow, utcnow()),
                           application.COMPLETE_BATCH)

    # --- messages and reviews -----------------------------------------------------------

    @rpc
    def post_message(self, actor, swap_id, data):
        actor, swap_id = _actor(actor), _id(swap_id)
        data = schemas.parse(schemas.MessageInSchema, data)
        with self.db.unit_of_work() as uow:
            return schemas.message_schema.dump(
                application.post_message(uow, actor, swap_id, data["text"], utcnow()))

    @rpc
    def list_messages(self, actor, swap_id, limit=50, cursor=None):
        actor, swap_id = _actor(actor), _id(swap_id)
        query = schemas.parse(schemas.PageSchema, {"limit": limit, "cursor": cursor})
        with self.db.unit_of_work() as uow:
            return schemas.message_page_schema.dump(
                application.messages_of(uow, actor, swap_id, **query))

    @rpc
    def safeguarding_messages(self, actor, swap_id, reason, limit=50, cursor=None):
        actor, swap_id = _actor(actor), _id(swap_id)
        query = schemas.parse(schemas.SafeguardingInSchema,
                              {"reason": reason, "limit": limit, "cursor": cursor})
        with self.db.unit_of_work() as uow:  # the answer and its record together
            return schemas.message_page_schema.dump(application.safeguarding_read(
                uow, actor, swap_id, now=utcnow(), **query))

    @rpc
    def review_swap(self, actor, swap_id, data):
        actor, swap_id = _actor(actor), _id(swap_id)
        data = schemas.parse(schemas.ReviewInSchema, data)
        with self.db.unit_of_work() as uow:
            return schemas.review_schema.dump(
                application.review(uow, actor, swap_id, data, utcnow()))
