"""Password hashes: scrypt (memory-hard, from the standard library) with a salt per user.

A hash is stored as `scrypt$<n>$<r>$<p>$<salt hex>$<key hex>`, so the cost can be raised later
without invalidating old hashes. Comparisons are constant-time.
"""
import hashlib
import hmac
import os

DEFAULT_COST = 2 ** 14  # scrypt's n: with r=8 that is 16 MiB of memory per hash
BLOCK_SIZE = 8
PARALLELISM = 1
KEY_BYTES = 32
SALT_BYTES = 16


def _derive(password, salt, n, r, p):
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * n * r, dklen=KEY_BYTES)


def hash_password(password, cost=DEFAULT_COST):
    salt = os.urandom(SALT_BYTES)
    key = _derive(password, salt, cost, BLOCK_SIZE, PARALLELISM)
    return "scrypt${}${}${}${}${}".format(cost, BLOCK_SIZE, PARALLELISM, salt.hex(), key.hex())


def verify_password(password, stored):
    """True if `password` matches `stored`; False for a malformed hash as well."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = _derive(password, bytes.fromhex(salt), int(n), int(r), int(p))
        return hmac.compare_digest(candidate, bytes.fromhex(key))
    except (ValueError, TypeError):
        return False


def needs_rehash(stored, cost):
    try:
        return int(stored.split("$")[1]) != cost
    except (IndexError, ValueError):
        return True
