"""Builders shared by the budgets tests: a budget, a hold request, an actor."""
import datetime

from services.budgets import domain

UTC = datetime.timezone.utc
START = datetime.datetime(2027, 4, 1, tzinfo=UTC)
END = datetime.datetime(2028, 4, 1, tzinfo=UTC)
NOW = datetime.datetime(2027, 5, 1, 9, 30, tzinfo=UTC)


def budget(allocated_pence=100_000, allowed=("overnight_stay", "hospitality_stay"),
           auto_limit=50_000, family_id="family-1", council="powys"):
    return domain.Budget.open(
        family_id=family_id, council=council, allocated_pence=allocated_pence,
        period_start=START, period_end=END, allowed_categories=allowed,
        auto_approve_limit_pence=auto_limit, by="officer-1", now=NOW)


def request(account, booking_id="booking-1", amount_pence=10_000, category="overnight_stay",
            family_id=None, days_in=30, nights=2):
    start = START + datetime.timedelta(days=days_in)
    return domain.HoldRequest(
        booking_id=booking_id, budget_id=account.id, family_id=family_id or account.family_id,
        amount_pence=amount_pence, category=category, break_start=start,
        break_end=start + datetime.timedelta(days=nights))


def officer(council="powys", user_id="officer-1"):
    return {"user_id": user_id, "role": "officer", "council": council, "provider_id": None}


def family(user_id="family-1", council="powys"):
    return {"user_id": user_id, "role": "family", "council": council, "provider_id": None}
