"""The one fingerprint of a request, by which a reused idempotency key is told apart from a
retry. Pure (standard library only), so the domain rules can use it too."""
import hashlib
import json


def fingerprint(request: object) -> str:
    """A SHA-256 of the request's canonical JSON (keys sorted; times and the like as text).
    The stored fingerprints depend on exactly this form: change it and every key in flight
    would look reused."""
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()
