"""Helpers of the budgets service tests: start it, send it bookings' events, see what it
emitted (in its outbox, or as a listener on the broker) and check its ledger reconciles."""
import datetime
import json
import uuid

import sqlalchemy as sa
from nameko.standalone.events import event_dispatcher

from seibiant_common.contracts import budgets as events
from seibiant_common.messaging import event_handler
from seibiant_common.outbox import envelope
from services.budgets import domain
from services.budgets.models import PLUMBING_TABLES, budgets, ledger_entries
from services.budgets.models import holds as hold_rows
from services.budgets.service import BudgetsService

from .rules import END, START

OUTBOX, PROCESSED = PLUMBING_TABLES
RECEIVED = []  # (event_type, payload) as the listener got them from the broker


class BudgetsEventsListener:
    """Stands in for the bookings saga: records every event budgets publishes."""
    name = "budgets_events_listener"

    def _record(self, event):
        RECEIVED.append((event["event_type"], event["payload"]))

    @event_handler("budgets", events.FUNDS_HELD)
    def handle_funds_held(self, event):
        self._record(event)

    @event_handler("budgets", events.APPROVAL_REQUIRED)
    def handle_approval_required(self, event):
        self._record(event)

    @event_handler("budgets", events.SPEND_APPROVED)
    def handle_spend_approved(self, event):
        self._record(event)

    @event_handler("budgets", events.SPEND_DECLINED)
    def handle_spend_declined(self, event):
        self._record(event)

    @event_handler("budgets", events.HOLD_REFUSED)
    def handle_hold_refused(self, event):
        self._record(event)

    @event_handler("budgets", events.FUNDS_CAPTURED)
    def handle_funds_captured(self, event):
        self._record(event)

    @event_handler("budgets", events.FUNDS_RELEASED)
    def handle_funds_released(self, event):
        self._record(event)


def start_budgets(start_service, make_database_url, kind, instances=1, listener=False,
                  **config):
    """Tests ask for `make_database_url` before `start_service`, so that the containers stop
    before their database is dropped. `config`: more of the service's configuration."""
    url = make_database_url(kind, "budgets")
    config["DATABASES"] = {"budgets": url}
    if listener:
        del RECEIVED[:]
        start_service(BudgetsEventsListener, **config)
    for _ in range(instances):
        start_service(BudgetsService, **config)
    return url


def new_budget_data(family_id="family-1", allocated_pence=200_000, allowed=("overnight_stay",),
                    auto_limit=50_000, **extra):
    return dict({"family_id": family_id, "allocated_pence": allocated_pence,
                 "period_start": START.isoformat(), "period_end": END.isoformat(),
                 "allowed_categories": list(allowed), "auto_approve_limit_pence": auto_limit},
                **extra)


def hold_payload(budget, booking_id=None, amount_pence=10_000, category="overnight_stay",
                 days_in=30):
    start = START + datetime.timedelta(days=days_in)
    return {"booking_id": booking_id or uuid.uuid4().hex, "budget_id": budget["id"],
            "family_id": budget["family_id"], "amount_pence": amount_pence,
            "category": category, "break_start": start.isoformat(),
            "break_end": (start + datetime.timedelta(days=2)).isoformat()}


class Bookings:
    """Sends the bookings service's events, as its outbox would."""

    def __init__(self, config):
        self._dispatch = event_dispatcher(config)

    def send(self, event_type, payload, event=None):
        event = event or envelope(event_type, payload, payload["booking_id"], None)
        self._dispatch("bookings", event_type, event)
        return event


def _query(url, statement):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(statement).all()
    finally:
        engine.dispose()


def emitted(url, booking_id=None):
    """(event_type, payload) the service wrote to its outbox, in order."""
    query = sa.select(OUTBOX.c.event_type, OUTBOX.c.body).order_by(OUTBOX.c.seq)
    if booking_id:
        query = query.where(OUTBOX.c.aggregate_id == booking_id)
    return [(event_type, json.loads(body)["payload"]) for event_type, body in _query(url, query)]


def processed(url, handler):
    """How many events the handler (say "handle_booking_cancelled") has applied."""
    return _query(url, sa.select(sa.func.count()).select_from(PROCESSED).where(
        PROCESSED.c.handler == "budgets." + handler))[0][0]


def holds(url):
    return {row.booking_id: row for row in _query(url, sa.select(hold_rows))}


def check_ledger(url):
    """The cached balance of every budget equals the sum of its entries and is never below
    zero; every hold's entries add up to its state (resolved at most once). Returns the
    balances by budget id."""
    entries = _query(url, sa.select(ledger_entries).order_by(ledger_entries.c.seq))
    balances = {}
    for row in _query(url, sa.select(budgets)):
        cached = domain.Balance(row.allocated_pence, row.held_pence, row.spent_pence)
        derived = domain.Balance.of(e for e in entries if e.budget_id == row.id)
        assert cached == derived, (row.id, cached, derived)
        assert cached.is_sound(), cached
        balances[row.id] = cached
    for hold in holds(url).values():
        mine = [e for e in entries if e.hold_id == hold.id]
        held = sum(e.amount_pence for e in mine if e.kind == domain.HOLD)
        resolved = sum(e.amount_pence for e in mine
                       if e.kind in (domain.CAPTURE, domain.HOLD_RELEASE))
        if hold.status in (domain.REFUSED, domain.VOID):
            assert mine == [], hold.booking_id
            continue
        assert held == hold.amount_pence, hold.booking_id
        assert resolved == (0 if hold.status == domain.HELD else hold.amount_pence)
        assert hold.captured_pence + hold.released_pence == (
            0 if hold.status == domain.HELD else hold.amount_pence)
    return balances
