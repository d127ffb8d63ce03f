"""The names of the events each service emits, importable by any service or the gateway
without the producer's code (payloads: docs/contracts.md)."""
