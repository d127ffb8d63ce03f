"""The database dependency on PostgreSQL, in a real service container."""
from nameko.standalone.rpc import ServiceRpcProxy
from psycopg2 import extensions

from .notes_service import NotesService


def test_two_slow_queries_of_one_service_process_run_at_the_same_time(
        start_service, make_database_url, service_config):
    url = make_database_url("postgresql", "notes")
    # As in a process whose launcher left psycopg2 alone (`nameko run` and this suite's
    # eventlet.monkey_patch() make it green; the dependency must not rely on that).
    launcher_callback = extensions.get_wait_callback()
    extensions.set_wait_callback(None)
    try:
        start_service(NotesService, DATABASES={"notes": url})
        with ServiceRpcProxy("notes", service_config) as proxy:
            calls = [proxy.nap.call_async(0.5) for _ in range(2)]
            (first_start, first_end), (second_start, second_end) = [c.result() for c in calls]
    finally:
        extensions.set_wait_callback(launcher_callback)
    # Each began before the other ended: one worker's query did not hold the process.
    assert max(first_start, second_start) < min(first_end, second_end)
    assert max(first_end, second_end) - min(first_start, second_start) < 0.8  # not 1 s
