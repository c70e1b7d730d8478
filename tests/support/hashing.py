"""Argon2id at a test cost. The production parameters (64 MiB, 3 passes, 4 lanes) spend a
large fraction of a second of a core on every hash and every check, on purpose; the suite
hashes each demo seeding's accounts and checks every sign-in through the form, hundreds of
times. Tests hash with the same algorithm at the smallest cost argon2 allows (a check reads
the cost from the stored hash, so both kinds verify); `test_auth` checks that the app's own
hasher still has the production parameters."""

from __future__ import annotations

from argon2 import PasswordHasher

from qa_toolkit.security import passwords

# The app's hasher as the app builds it, kept before any test swaps it.
PRODUCTION = passwords._hasher
# argon2's floor: 8 KiB per lane, one pass, one lane.
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def use(hasher: PasswordHasher) -> PasswordHasher:
    """Make `hasher` the one the app hashes and checks with; return the one it replaced."""
    previous = passwords._hasher
    passwords._hasher = hasher
    passwords._dummy_hash.cache_clear()  # The timing stand-in is made with the new cost.
    return previous
