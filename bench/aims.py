"""The performance issue's aims, each beside the figure `make bench` measured: one list of
{name, figure, aim, met} that the printed table and bench/results/latest.json both show.

They are judged on the main table (BENCH_PROCESSES' configuration); a per-booking figure on
its worst step. `met` is None when the run did not measure the figure (e.g. no 50-family
step in BENCH_CONCURRENCIES)."""
import operator

# The previous design's confirmed bookings a second at 50 families on this machine: 20.8 and
# 27.8 in two `make bench` runs of 2026-11-27 (docs/performance.md, "Latest figures"). The
# aim is three times the better of them.
PREVIOUS_CONFIRMED_PER_S_AT_50 = 27.8
# The previous design's `GET /api/v1/offers?region=powys` at 10 connections (wrk, as
# bench.gateway_load measures it): 107 to 143 requests a second on this machine (the
# performance issue's figures). The aim is twice the better of them.
PREVIOUS_OFFERS_PER_S_AT_10 = 143

AT_MOST, AT_LEAST = (operator.le, "<="), (operator.ge, ">=")


def aim(name, figure, bound, target):
    compare, sign = bound
    return {"name": name, "figure": figure, "aim": "{} {:g}".format(sign, target),
            "met": None if figure is None else compare(figure, target)}


def step(results, families):
    return next((phase for phase in results["bookings"] if phase["families"] == families), {})


def evaluate(results):
    phases = results["bookings"]
    worst_cpu = max((phase["cpu_ms_per_confirmed"]["machine"] for phase in phases
                     if phase["confirmed"]), default=None)
    offers = results.get("offers_10_connections") or {}
    rows = [
        aim("machine CPU ms per confirmed booking (worst step)", worst_cpu, AT_MOST, 25),
        aim("messages published per confirmed booking", results.get("messages_per_booking"),
            AT_MOST, 6),
        aim("transactions committed per confirmed booking (all databases)",
            round(sum(results["transactions_per_booking"].values()), 1)
            if "transactions_per_booking" in results else None, AT_MOST, 6),
        aim("requests per booking after the POST (worst step)",
            max((phase["polls_per_booking"] for phase in phases), default=None), AT_MOST, 1.2),
        aim("p95 ms request to confirmed, 10 families", step(results, 10).get("p95_ms"),
            AT_MOST, 100),
        aim("confirmed bookings per second, 50 families (3 x {:g})".format(
            PREVIOUS_CONFIRMED_PER_S_AT_50), step(results, 50).get("confirmed_per_s"),
            AT_LEAST, round(3 * PREVIOUS_CONFIRMED_PER_S_AT_50, 1)),
    ]
    rows += [aim("search p95 ms, {}".format(name), figures["p95_ms"], AT_MOST, 50)
             for name, figures in results.get("search", {}).items()
             if isinstance(figures, dict) and name != "all_queries"]
    rows.append(aim("GET /api/v1/offers requests per second, 10 connections (2 x {:g})".format(
        PREVIOUS_OFFERS_PER_S_AT_10), offers.get("requests_per_second"), AT_LEAST,
        2 * PREVIOUS_OFFERS_PER_S_AT_10))
    insight = results.get("insight") or {}
    rows.append(aim("GET /api/v1/insight p95 ms, {:,} searches and {:,} bookings".format(
        insight.get("searches", 100_000), insight.get("bookings", 10_000)),
        insight.get("p95_ms"), AT_MOST, 200))
    matches = results.get("staycation_matches") or {}
    rows.append(aim("staycation matches p95 ms, {:,} homes".format(
        matches.get("homes", 10_000)), matches.get("p95_ms"), AT_MOST, 100))
    return rows


def print_aims(rows):
    print("\n== aims ==")
    print("  {:70} {:>9} {:>9}  {}".format("", "figure", "aim", ""))
    for row in rows:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[row["met"]]
        print("  {:70} {!s:>9} {:>9}  {}".format(row["name"], row["figure"], row["aim"],
                                                 verdict))
