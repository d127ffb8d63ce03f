"""Property-based tests: random sequences of holds, captures, releases, decisions, top-ups and
adjustments, checking after every step that available never goes below zero, that balances
are the sum of the entries, and that each hold is resolved at most once.

The first machine drives the domain alone (no database, no broker). The second drives the
same operations through the use cases and a real SQLite database, checking the cached balance
on the budget row against the ledger rows.
"""
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (Bundle, RuleBasedStateMachine, consumes, invariant, rule,
                                 run_state_machine_as_test)

from seibiant_common.database import Store, make_engine
from seibiant_common.errors import Conflict, NotFound
from seibiant_common.migrations import upgrade
from seibiant_common.vocabularies import CATEGORIES
from services.budgets import application as app
from services.budgets import domain
from services.budgets.models import PLUMBING_TABLES, budgets, holds, ledger_entries
from services.budgets.service import MIGRATIONS

from .rules import NOW, budget, officer, request

amounts = st.integers(min_value=0, max_value=60_000)
categories = st.sampled_from(CATEGORIES)
# None: capture all; otherwise a share of the hold, sometimes more than it
capture_shares = st.one_of(st.none(), st.integers(min_value=0, max_value=110))


class DomainLedger(RuleBasedStateMachine):
    bookings = Bundle("bookings")

    def __init__(self):
        super().__init__()
        self.budget = budget(allocated_pence=100_000, allowed=("overnight_stay",),
                             auto_limit=30_000)
        self.holds = {}
        self.resolutions = {}  # hold id -> how many times a capture or release changed it
        self.count = 0

    def _track(self, hold, result):
        if result is not None and result.changed:
            self.resolutions[hold.id] = self.resolutions.get(hold.id, 0) + 1

    @rule(target=bookings, amount=amounts, category=categories)
    def hold(self, amount, category):
        self.count += 1
        booking_id = "booking-{}".format(self.count)
        available = self.budget.balance.available_pence
        hold = self.budget.place_hold(request(self.budget, booking_id, amount, category),
                                      "bookings", NOW)
        assert (hold.status == domain.HELD) == (amount <= available)
        self.holds[booking_id] = hold
        return booking_id

    @rule(booking_id=bookings, other_amount=st.booleans())
    def repeat(self, booking_id, other_amount):
        hold = self.holds[booking_id]
        again = request(self.budget, booking_id, hold.amount_pence + other_amount, hold.category)
        entries = len(self.budget.new_entries)
        if other_amount:
            with pytest.raises(domain.NotAllowed):
                domain.check_repeat(hold, again)
        else:
            domain.check_repeat(hold, again)
        assert len(self.budget.new_entries) == entries

    @rule(booking_id=bookings, share=capture_shares)
    def capture(self, booking_id, share):
        hold = self.holds[booking_id]
        amount = None if share is None else hold.amount_pence * share // 100
        try:
            self._track(hold, self.budget.capture(hold, amount, "bookings", NOW))
        except domain.NotAllowed as refused:
            assert refused.code in ("approval_pending", "capture_exceeds_hold")

    @rule(booking_id=bookings)
    def release(self, booking_id):
        hold = self.holds[booking_id]
        self._track(hold, self.budget.release(hold, "bookings", NOW, "cancelled"))

    @rule(booking_id=bookings, approve=st.booleans())
    def decide(self, booking_id, approve):
        hold = self.holds[booking_id]
        try:
            self._track(hold, self.budget.decide(hold, approve, "officer-1", "why", NOW))
        except domain.NotAllowed as refused:
            assert refused.code == "approval_not_pending"

    @rule(amount=st.integers(min_value=1, max_value=50_000))
    def top_up(self, amount):
        self.budget.top_up(amount, None, "officer-1", NOW)

    @rule(amount=st.integers(min_value=-120_000, max_value=50_000).filter(bool))
    def adjust(self, amount):
        available = self.budget.balance.available_pence
        try:
            self.budget.adjust(amount, "correction", "officer-1", NOW)
        except domain.NotAllowed as refused:
            assert refused.code == "insufficient_funds" and available + amount < 0

    @invariant()
    def available_never_negative(self):
        assert self.budget.balance.is_sound()

    @invariant()
    def balance_is_the_sum_of_the_entries(self):
        assert domain.Balance.of(self.budget.new_entries) == self.budget.balance

    @invariant()
    def each_hold_resolved_at_most_once(self):
        assert all(count <= 1 for count in self.resolutions.values())
        by_hold = {}
        for entry in self.budget.new_entries:
            if entry.kind in (domain.CAPTURE, domain.HOLD_RELEASE):
                by_hold[entry.hold_id] = by_hold.get(entry.hold_id, 0) + entry.amount_pence
        for hold in self.holds.values():
            resolved = hold.status in (domain.CAPTURED, domain.RELEASED)
            assert by_hold.get(hold.id, 0) == (hold.amount_pence if resolved else 0)
            assert (self.resolutions.get(hold.id, 0) == 1) == resolved

    @invariant()
    def held_and_spent_match_the_holds(self):
        balance = self.budget.balance
        assert balance.held_pence == sum(h.amount_pence for h in self.holds.values()
                                         if h.status == domain.HELD)
        assert balance.spent_pence == sum(h.captured_pence for h in self.holds.values())


def test_the_ledger_rules_hold_under_random_sequences():
    run_state_machine_as_test(DomainLedger, settings=settings(
        max_examples=200, stateful_step_count=40, deadline=None))


class StoredLedger(RuleBasedStateMachine):
    """The same operations through the use cases, on a real database; one budget per run."""
    store = None
    bookings = Bundle("bookings")

    def __init__(self):
        super().__init__()
        with self.store.unit_of_work() as uow:
            data = {"family_id": "family-1", "family_council": None, "allocated_pence": 50_000,
                    "period_start": NOW, "period_end": NOW.replace(year=2028),
                    "allowed_categories": ["overnight_stay"], "auto_approve_limit_pence": 30_000}
            self.budget_id = app.create_budget(uow, officer(), data).id
        self.count = 0

    def _run(self, use_case, *args):
        try:
            with self.store.unit_of_work() as uow:
                return use_case(uow, *args)
        except (Conflict, NotFound) as refused:  # a rule said no: nothing may have changed
            return refused

    @rule(target=bookings, amount=amounts, category=categories)
    def hold(self, amount, category):
        self.count += 1
        booking_id = "{}-{}".format(self.budget_id, self.count)
        start = NOW.replace(month=6)
        self._run(app.hold_funds, domain.HoldRequest(
            booking_id, self.budget_id, "family-1", amount, category, start,
            start.replace(day=3)))
        return booking_id

    @rule(booking_id=bookings, share=capture_shares)
    def capture(self, booking_id, share):
        self._run(app.capture_funds, booking_id, None if share is None else share * 300)

    @rule(booking_id=bookings)
    def release(self, booking_id):
        self._run(app.release_funds, booking_id, "cancelled")

    @rule(booking_id=bookings, approve=st.booleans())
    def decide(self, booking_id, approve):
        self._run(app.decide_spend, officer(), booking_id, approve, "why")

    @rule(booking_id=consumes(bookings))
    def end_without_a_hold(self, booking_id):
        """A booking id nobody held for: leaves a void marker, moves nothing."""
        self._run(app.release_funds, booking_id + "-never", "rejected")

    @rule(amount=st.integers(min_value=-60_000, max_value=30_000).filter(bool))
    def adjust(self, amount):
        self._run(app.adjust, officer(), self.budget_id, amount, "correction")

    @invariant()
    def the_cached_balance_is_the_sum_of_the_rows_and_never_negative(self):
        with self.store.engine.connect() as connection:
            row = connection.execute(sa.select(budgets).where(
                budgets.c.id == self.budget_id)).one()
            entries = connection.execute(sa.select(ledger_entries).where(
                ledger_entries.c.budget_id == self.budget_id)).all()
            hold_rows = connection.execute(sa.select(holds).where(
                holds.c.budget_id == self.budget_id)).all()
        cached = domain.Balance(row.allocated_pence, row.held_pence, row.spent_pence)
        assert cached == domain.Balance.of(entries)
        assert cached.is_sound()
        for hold in hold_rows:
            resolutions = [e for e in entries if e.hold_id == hold.id
                           and e.kind in (domain.CAPTURE, domain.HOLD_RELEASE)]
            resolved = hold.status in (domain.CAPTURED, domain.RELEASED)
            assert sum(e.amount_pence for e in resolutions) == (
                hold.amount_pence if resolved else 0)
            assert len(resolutions) <= 2  # one capture and its released rest, at most


def test_the_stored_ledger_reconciles_under_random_sequences(tmp_path):
    engine = make_engine("sqlite:///{}".format(tmp_path / "budgets.sqlite3"))
    upgrade(engine, MIGRATIONS)
    store = Store(engine, *PLUMBING_TABLES)  # no relay: this test is about the ledger
    StoredLedger.store = store
    try:
        run_state_machine_as_test(StoredLedger, settings=settings(
            max_examples=25, stateful_step_count=25, deadline=None,
            suppress_health_check=[HealthCheck.too_slow]))
    finally:
        engine.dispose()
