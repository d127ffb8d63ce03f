"""The shape every service shares, checked over the production code: one place that reads
the clock, one way an event is written."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
PRODUCTION = ("services", "gateway", "seibiant_common", "tools")


def _sources():
    for package in PRODUCTION:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), path.read_text()


def _where(pattern):
    return sorted(name for name, text in _sources() if re.search(pattern, text))


def test_only_seibiant_common_types_reads_the_clock():
    assert _where(r"datetime\.now\(|time\.time\(\)|date\.today\(") == ["seibiant_common/types.py"]


def test_the_domain_rules_take_now_rather_than_read_the_clock():
    assert [name for name in _where(r"\butcnow\b") if name.endswith("/domain.py")] == []


def test_only_the_contracts_write_an_event_into_the_outbox():
    # `uow.emit` is the outbox's; every use case goes through `payloads.emit` (its contract
    # checked, its schema version stamped) rather than calling it itself.
    assert _where(r"\buow\.emit\(") == ["seibiant_common/contracts/payloads.py"]
