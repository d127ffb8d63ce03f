"""The events each service emits, written once for producers and consumers alike.

`<service>.py` holds the names (plain strings: importable without marshmallow, by the domain
modules too); `<service>_payloads.py` beside it holds each event's payload schema, the one a
producer dumps with and a consumer loads with (`payloads.load`). The wire contract, in words,
is docs/contracts.md.
"""
