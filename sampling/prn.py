"""Permanent random numbers: one number per child that depends only on a secret key, the child's
case reference and the seed stream, never on the rest of the list.

u = the first 53 bits of HMAC-SHA256(key, "qa-toolkit/prn/v1" NUL stream NUL case_ref), read as
a big-endian integer and divided by 2**53, so u is uniform on [0, 1) and exactly representable
as a float. Adding a child to the list, taking one off or reordering the file changes nobody
else's number; a new seed stream gives every child an independent new number.

The key is each organisation's own (32 random bytes from `secrets`), stored with it and never
shown: without it nobody can work out in advance which children a seed would select, so a
seed cannot be chosen to pick or avoid a child. Its fingerprint (a hash of the key, not the
key) is printed on the Method sheet so a reader can tell which key drew a sample.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

SCHEME = "qa-toolkit/prn/v1"
_SCALE = float(2**53)


def new_key() -> str:
    """A new organisation's sampling key: 32 random bytes, as 64 hex characters."""
    return secrets.token_hex(32)


def key_bytes(key: str) -> bytes:
    """The stored hex key as bytes; refuses anything that is not a 64-hex-character key."""
    try:
        raw = bytes.fromhex(key)
    except ValueError as exc:
        raise ValueError("the sampling key must be 64 hexadecimal characters") from exc
    if len(raw) != 32:
        raise ValueError("the sampling key must be 64 hexadecimal characters")
    return raw


def key_fingerprint(key: str) -> str:
    """16 hex characters that name a key without revealing it (SHA-256 of a labelled key)."""
    return hashlib.sha256(b"qa-toolkit sampling key fingerprint\x00" + key_bytes(key)).hexdigest()[
        :16
    ]


def _uniform(key: bytes, message: bytes) -> float:
    digest = hmac.digest(key, message, "sha256")
    return (int.from_bytes(digest[:8], "big") >> 11) / _SCALE


def number(key: str, stream: int, case_ref: str) -> float:
    """The permanent random number of one child in one seed stream."""
    return _uniform(key_bytes(key), f"{SCHEME}\x00{stream}\x00{case_ref}".encode())


def numbers(key: str, stream: int, case_refs: Iterable[str]) -> npt.NDArray[np.float64]:
    """The numbers of many children, in the order given.

    The same HMAC as `number`, with the message's common prefix (scheme and stream) taken in
    once and the state copied per child: half the time of one `hmac.digest` call each.
    """
    start_state = hmac.new(key_bytes(key), f"{SCHEME}\x00{stream}\x00".encode(), "sha256")

    def one(ref: str) -> float:
        state = start_state.copy()
        state.update(ref.encode())
        return (int.from_bytes(state.digest()[:8], "big") >> 11) / _SCALE

    return np.fromiter(map(one, case_refs), dtype=np.float64)


def start(key: str, stream: int, stratum: Sequence[str]) -> float:
    """A systematic draw's random start in one stratum, from the same key and stream."""
    label = json.dumps(list(stratum), ensure_ascii=False)
    return _uniform(key_bytes(key), f"{SCHEME}\x00{stream}\x00start\x00{label}".encode())
