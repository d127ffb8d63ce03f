"""The one RPC with a deadline (seibiant_common.rpc.TimedRpcProxy), in real containers: a
service that does not answer in time is `Unavailable`, by name, for the caller's caller too."""
import datetime

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from seibiant_common.errors import Unavailable
from seibiant_common.fingerprints import fingerprint
from seibiant_common.rpc import TimedRpcProxy, rpc

from .notes_service import NotesService

UTC = datetime.timezone.utc


class CallerService:
    name = "caller"
    notes = TimedRpcProxy("notes")

    @rpc
    def ask_nap(self, seconds):
        return self.notes.nap(seconds)


def test_a_late_answer_is_unavailable_and_a_prompt_one_comes_through(
        start_service, make_database_url, service_config):
    start_service(NotesService, DATABASES={"notes": make_database_url("postgresql", "notes")})
    start_service(CallerService, RPC_TIMEOUT_SECONDS=0.5)
    with ServiceRpcProxy("caller", service_config) as caller:
        started, ended = caller.ask_nap(0)
        assert ended >= started
        with pytest.raises(Unavailable) as late:
            caller.ask_nap(3)
    assert late.value.detail == "notes.nap did not answer in time"


def test_the_fingerprint_keeps_the_form_stored_fingerprints_were_made_in():
    # The digests bookings (a dict) and budgets and the gateway (a list, times by str) stored
    # before there was one function: unchanged, or a retry with a key in flight would look
    # like a reused key.
    assert fingerprint({"slot_id": "s1", "places": 2, "budget_id": None}) == (
        "a4b02ad60c66750a7034c92806075febcf0fbf88d51c7c6735a1ca51ea7d710f")
    assert fingerprint(["create_budget", {"at": datetime.datetime(2026, 1, 1, tzinfo=UTC),
                                          "n": 1}]) == (
        "b2a06aff1cd1e7781f162038a38fb9ae242713b4611d9e968b96590a8087fa98")
