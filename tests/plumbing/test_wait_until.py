"""`wait_until` waits out a thing that is still starting, and nothing else."""
import time

import pytest
import requests
from nameko.exceptions import UnknownService

from devtools.processes import wait_until


def answers_after(errors, value="ready"):
    """A predicate that raises each of `errors` in turn, then returns `value`."""
    errors = list(errors)

    def predicate():
        if errors:
            raise errors.pop(0)
        return value
    return predicate


def test_the_errors_of_a_thing_still_starting_are_tried_again():
    starting = [ConnectionRefusedError(111, "refused"), requests.ConnectionError("no gateway"),
                UnknownService("budgets"), FileNotFoundError("the log is not there yet")]
    assert wait_until(answers_after(starting), 5, interval=0) == "ready"


@pytest.mark.parametrize("error", [KeyError("status"), AssertionError("wrong"),
                                   TypeError("a bug"), RuntimeError("exited 1")])
def test_any_other_error_is_raised_at_once(error):
    started = time.monotonic()
    with pytest.raises(type(error)) as raised:
        wait_until(answers_after([error]), 10, interval=0)
    assert raised.value is error
    assert time.monotonic() - started < 1  # not the 10 s deadline


def test_the_deadline_names_what_was_awaited_and_the_last_error():
    with pytest.raises(TimeoutError) as raised:
        wait_until(answers_after([ConnectionResetError("reset")] * 1000), 0.2, interval=0.01,
                   message="the gateway")
    assert str(raised.value) == ("timed out waiting for the gateway "
                                 "(last error: ConnectionResetError('reset'))")


def test_a_caller_may_name_what_it_waits_out():
    assert wait_until(answers_after([KeyError("late")]), 5, interval=0,
                      retry=(KeyError,)) == "ready"
