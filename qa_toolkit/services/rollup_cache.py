"""A programme's roll-up, kept between requests for as long as what it was made from is unchanged.

Why: rolling up 5,000 finalised audits reads and decodes 200,000 answers (a third of a second
on PostgreSQL), and the findings page, the overview and the workbook are read far more often
than an audit is finalised or moderated. A cached figure must never be a stale one, so the
key is the state of everything the roll-up reads that can change:

* the programme's findings state, a random token renewed in the same transaction as every
  ORM write of one of its audits (qa_toolkit/models/findings_state.py): finalising,
  moderating, reopening or editing any audit changes the key;
* the programme's template version and its stratum populations (its allocation).

The case records and sample cases joined in are written once, at import and draw, and never
updated. The token is read from the programme's row each time the roll-up is asked for, so
every gunicorn worker, and every thread of the development server, sees a change at its next
request with no message between processes. A session that has written an audit in its open
transaction neither uses nor fills the cache: its view may yet be rolled back. One cache per
database engine (a test's new app starts empty); the least recently used programmes are
dropped beyond `MAX_PROGRAMMES`. Behind it, the roll-up stored in the database for every
process (qa_toolkit.services.rollup_store), made by a background job after each change.
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qa_toolkit.models import Programme
from qa_toolkit.models.findings_state import WROTE_AUDITS
from qa_toolkit.services import rollup_store
from reports.rollup import Rollup

MAX_PROGRAMMES = 32

_Key = tuple[int, str]


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[_Key, Rollup] = OrderedDict()

    def get(self, key: _Key) -> Rollup | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: _Key, value: Rollup) -> None:
        with self.lock:
            # An older state of the same programme is of no further use.
            for old in [k for k in self.entries if k[0] == key[0]]:
                del self.entries[old]
            self.entries[key] = value
            while len(self.entries) > MAX_PROGRAMMES:
                self.entries.popitem(last=False)


_CACHES: weakref.WeakKeyDictionary[Engine, _Cache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def _cache_for(session: Session) -> _Cache | None:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else getattr(bind, "engine", None)
    if not isinstance(engine, Engine):
        return None
    with _CACHES_LOCK:
        cache = _CACHES.get(engine)
        if cache is None:
            cache = _CACHES[engine] = _Cache()
        return cache


def state_of(session: Session, programme: Programme) -> str:
    """What the programme's roll-up depends on that can change (see above), as one string."""
    token = session.scalar(select(Programme.findings_state).where(Programme.id == programme.id))
    shape = json.dumps([programme.template_version_id, programme.allocation], sort_keys=True)
    return f"{token}:{hashlib.blake2b(shape.encode(), digest_size=16).hexdigest()}"


def cached_rollup(session: Session, programme: Programme, compute: Callable[[], Rollup]) -> Rollup:
    """The programme's roll-up: `compute()`'s result, reused until the programme's state moves.

    Callers must treat the roll-up as read-only: it is shared between requests.
    """
    cache = _cache_for(session)
    if cache is None or session.info.get(WROTE_AUDITS):
        return compute()
    key = (programme.id, state_of(session, programme))
    found = cache.get(key)
    if found is None:
        found = rollup_store.load(session, programme.id, key[1])
        if found is None:
            found = compute()
            rollup_store.ask_for(programme.id)  # so the other processes need not
        cache.put(key, found)
    return found


def clear() -> None:
    """Forget every cached roll-up (for the benchmark's cold runs and for tests)."""
    with _CACHES_LOCK:
        for cache in _CACHES.values():
            with cache.lock:
                cache.entries.clear()
