"""The bench's aims beside their figures (bench/aims.py): a rule, no broker."""
from bench import aims


def phase(families, per_s, p95, machine_cpu, polls):
    return {"families": families, "confirmed": 10, "confirmed_per_s": per_s, "p95_ms": p95,
            "polls_per_booking": polls, "cpu_ms_per_confirmed": {"machine": machine_cpu}}


def by_name(rows):
    return {row["name"]: row for row in rows}


def test_each_aim_is_judged_on_its_figure_and_a_missing_one_is_not_measured():
    results = {"bookings": [phase(1, 10, 60, 30, 1.0), phase(10, 90, 99, 20, 1.3)],
               "messages_per_booking": 6.0,
               "transactions_per_booking": {"bookings": 4.4, "providers": 1.1, "budgets": 1.1},
               "search": {"slots": 1, "quick": {"p50_ms": 9, "p95_ms": 50.0},
                          "slow": {"p50_ms": 9, "p95_ms": 50.1},
                          "all_queries": {"p50_ms": 9, "p95_ms": 80}},
               "offers_10_connections": {"requests_per_second": 286.0}}
    rows = by_name(aims.evaluate(results))
    assert rows["machine CPU ms per confirmed booking (worst step)"] == {
        "name": "machine CPU ms per confirmed booking (worst step)", "figure": 30,
        "aim": "<= 25", "met": False}
    assert rows["messages published per confirmed booking"]["met"] is True
    transactions = rows["transactions committed per confirmed booking (all databases)"]
    assert (transactions["figure"], transactions["met"]) == (6.6, False)
    polls = rows["requests per booking after the POST (worst step)"]
    assert (polls["figure"], polls["met"]) == (1.3, False)
    assert rows["p95 ms request to confirmed, 10 families"]["met"] is True
    at_50 = rows["confirmed bookings per second, 50 families (3 x 27.8)"]
    assert at_50 == {"name": at_50["name"], "figure": None, "aim": ">= 83.4", "met": None}
    assert rows["search p95 ms, quick"]["met"] is True
    assert rows["search p95 ms, slow"]["met"] is False
    assert "search p95 ms, all_queries" not in rows  # pooled, not a query
    offers = rows["GET /api/v1/offers requests per second, 10 connections (2 x 143)"]
    assert (offers["aim"], offers["met"]) == (">= 286", True)
    insight = rows["GET /api/v1/insight p95 ms, 100,000 searches and 10,000 bookings"]
    assert (insight["figure"], insight["met"]) == (None, None)  # not measured in this run
    results["insight"] = {"searches": 100_000, "bookings": 10_000, "p95_ms": 200.5}
    insight = by_name(aims.evaluate(results))[insight["name"]]
    assert (insight["aim"], insight["met"]) == ("<= 200", False)
