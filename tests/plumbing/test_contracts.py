"""The event contracts (seibiant_common.contracts) and the tables of which handler answers
which event: rules, no broker."""
import datetime
import subprocess
import sys

import pytest

from seibiant_common.contracts import (bookings, budgets, families, gateway, payloads, providers,
                                       staycation)
from seibiant_common.errors import InvalidInput
from seibiant_common.messaging import answering, event_handler
from services.bookings import handlers as bookings_handlers
from services.bookings.service import BookingsService
from services.budgets import handlers as budgets_handlers
from services.budgets.service import BudgetsService
from services.families import handlers as families_handlers
from services.families.service import FamiliesService
from services.notifications import handlers as notifications_handlers
from services.notifications.service import NotificationsService
from services.providers import handlers as providers_handlers
from services.providers.service import ProvidersService
from services.insight import handlers as insight_handlers
from services.insight.service import InsightService
from services.staycation import handlers as staycation_handlers
from services.staycation.service import StaycationService

NAMES = {bookings: payloads.bookings_payloads, budgets: payloads.budgets_payloads,
         providers: payloads.providers_payloads, families: payloads.families_payloads,
         gateway: payloads.gateway_payloads, staycation: payloads.staycation_payloads}
TABLES = {BookingsService: bookings_handlers.EVENT_HANDLERS,
          BudgetsService: budgets_handlers.EVENT_HANDLERS,
          ProvidersService: providers_handlers.EVENT_HANDLERS,
          InsightService: insight_handlers.EVENT_HANDLERS,
          FamiliesService: families_handlers.EVENT_HANDLERS,
          NotificationsService: notifications_handlers.EVENT_HANDLERS,
          StaycationService: staycation_handlers.EVENT_HANDLERS}
START = datetime.datetime(2030, 5, 4, 10, tzinfo=datetime.timezone.utc)


def names_of(module):
    return {value for key, value in vars(module).items() if key.isupper() and key != "SERVICE"
            and isinstance(value, str)}


def test_every_event_name_has_one_payload_schema_and_no_name_is_two_services():
    for names, schemas in NAMES.items():
        assert names_of(names) == set(schemas.PAYLOADS), names.__name__
    every = [name for schemas in NAMES.values() for name in schemas.PAYLOADS]
    assert len(every) == len(set(every)) == len(payloads.PAYLOADS)


def test_the_names_import_without_marshmallow():
    code = ("import sys; sys.modules['marshmallow'] = None; "
            "from seibiant_common.contracts import bookings, budgets, providers; "
            "from services.bookings import state_machine; print(bookings.BOOKING_REQUESTED)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (done.returncode, done.stdout.strip()) == (0, "booking_requested"), done.stderr


def envelope(event_type, payload, **extra):
    return dict({"event_id": "e1", "event_type": event_type, "schema_version": 1,
                 "occurred_at": START.isoformat(), "payload": payload}, **extra)


def requested(**changes):
    return dict({"booking_id": "b1", "family_id": "f1", "council": "powys", "slot_id": "s1",
                 "places": 2, "budget_id": None, "amount_pence": 3000,
                 "category": "overnight_stay", "break_start": START,
                 "break_end": START + datetime.timedelta(days=1), "provider_id": "p1",
                 "share_profile": None, "offer_id": "o1"}, **changes)


def test_a_payload_dumps_to_its_wire_form_and_loads_back_with_the_same_schema():
    wire = payloads.dump(bookings.BOOKING_REQUESTED, requested())
    assert wire["break_start"] == "2030-05-04T10:00:00+00:00"
    assert payloads.load(envelope(bookings.BOOKING_REQUESTED, wire)) == requested()


def test_a_field_added_within_a_version_is_none_in_an_older_producers_event():
    older = payloads.dump(bookings.BOOKING_REQUESTED, requested())
    del older["provider_id"], older["offer_id"]
    assert payloads.load(envelope(bookings.BOOKING_REQUESTED, older)) == requested(
        provider_id=None, offer_id=None)
    loaded = payloads.load(envelope(bookings.BOOKING_CONFIRMED, {"booking_id": "b1"}))
    assert loaded["booking_id"] == "b1" and loaded["family_id"] is None


def test_a_consumer_ignores_fields_a_producer_adds_and_reads_only_its_own():
    wire = dict(payloads.dump(bookings.BOOKING_REQUESTED, requested()), new_field="later")
    assert payloads.load(envelope(bookings.BOOKING_REQUESTED, wire)) == requested()
    # what providers reads: a payload without the hold's fields is enough for it
    assert payloads.load(envelope(bookings.BOOKING_REQUESTED,
                                  {"booking_id": "b1", "slot_id": "s1", "places": 2}),
                         "booking_id", "slot_id", "places") == {
        "booking_id": "b1", "slot_id": "s1", "places": 2}


@pytest.mark.parametrize("payload, field", [
    ({"booking_id": "b1"}, "unit_price_pence"),  # missing
    ({"booking_id": "b1", "unit_price_pence": "12"}, "unit_price_pence"),  # not an int
    ({"booking_id": "", "unit_price_pence": 12}, "booking_id"),  # empty id
])
def test_a_payload_that_breaks_the_contract_is_invalid_input_naming_the_field(payload, field):
    with pytest.raises(InvalidInput) as invalid:
        payloads.load(envelope(providers.PLACES_RESERVED, payload),
                      "booking_id", "unit_price_pence")
    assert list(invalid.value.errors) == [field]


def test_another_schema_version_is_refused():
    with pytest.raises(payloads.UnsupportedVersion):
        payloads.load(envelope(bookings.BOOKING_CONFIRMED, {"booking_id": "b1"},
                               schema_version=2))


def test_a_producer_cannot_write_a_payload_that_drifts_from_its_contract():
    with pytest.raises(payloads.ContractBroken, match="hold_refused.*reason"):
        payloads.dump(budgets.HOLD_REFUSED, {"booking_id": "b1", "budget_id": "x",
                                             "reason": "no_reason_we_know"})
    with pytest.raises(payloads.ContractBroken, match="approval_deadline"):
        payloads.dump(bookings.BOOKING_AWAITING_APPROVAL, {"booking_id": "b1"})


def test_the_envelope_time_is_read_aware():
    assert payloads.occurred_at(envelope(providers.PROVIDER_APPROVED, {})) == START
    with pytest.raises(InvalidInput) as invalid:
        payloads.occurred_at(envelope(providers.PROVIDER_APPROVED, {},
                                      occurred_at="2030-05-04T10:00:00"))
    assert list(invalid.value.errors) == ["occurred_at"]


@pytest.mark.parametrize("service", TABLES)
def test_each_service_hears_exactly_the_events_of_its_table(service):
    heard = {}
    for name, method in vars(service).items():
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if hasattr(entrypoint, "event_type"):
                heard[(entrypoint.source_service, entrypoint.event_type)] = name
    assert heard == {key: "handle_" + key[1] for key in TABLES[service]}


@pytest.mark.parametrize("service", TABLES)
def test_each_event_a_table_answers_is_one_its_producer_emits(service):
    producers = {names.SERVICE: names_of(names) for names in NAMES}
    for producer, event_type in TABLES[service]:
        assert event_type in producers[producer]


def test_a_handler_written_by_hand_and_in_the_table_is_refused():
    class Twice:
        @event_handler("bookings", "booking_confirmed")
        def handle_booking_confirmed(self, event):
            pass

    with pytest.raises(TypeError, match="handle_booking_confirmed"):
        answering({("bookings", "booking_confirmed"): lambda service, event: None})(Twice)
