"""The hash chain over the audit log: writing entries into it, and checking it.

Each entry has a place in one chain (`seq`, 1, 2, 3...) and carries the hash of the entry
before it; its own hash covers every column and that previous hash. Writers take their places
under one lock, the `audit_chain_head` row (a row lock on PostgreSQL; on SQLite the write lock
the UPDATE takes), held from just before the entries are inserted until the transaction commits,
so concurrent writers on either database form one chain in commit order. Archiving moves the
oldest entries to a file and records where the kept chain restarts (`audit_log_archive`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from qa_toolkit.models import Membership
from qa_toolkit.models.audit_log import (
    REF_KEPT,
    AuditChainHead,
    AuditEvent,
    AuditEventCase,
    AuditEventOrganisation,
    AuditLogArchive,
)

GENESIS = "0" * 64
# The columns an entry's hash covers, in this order (with its place and the previous hash).
HASHED = (
    "seq",
    "at",
    "user_id",
    "organisation_id",
    "action",
    "entity_type",
    "entity_id",
    "summary",
    "changes",
    "ip_address",
    "case_refs",
)


def _utc_text(at: datetime) -> str:
    """The instant as UTC text; a naive value (SQLite returns them) is already UTC."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def jsonable_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes exactly as the JSON column gives them back (string keys, lists not tuples)."""
    loaded: dict[str, Any] = json.loads(json.dumps(dict(changes), default=str))
    return loaded


def entry_hash(prev_hash: str, row: Mapping[Any, Any]) -> str:
    """The hash of one entry: SHA-256 of the previous hash and the entry's canonical JSON."""
    values = {name: row.get(name) for name in HASHED}
    values["at"] = _utc_text(row["at"])
    values["changes"] = row.get("changes") or {}
    values["case_refs"] = row.get("case_refs") or ""
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


def lock(connection: Connection) -> tuple[int, str]:
    """Take the chain's lock and read its last place and hash (rebuilding a lost head row)."""
    # One statement: the no-op UPDATE takes the row lock (waiting for any other writer) and
    # RETURNING reads the head as that writer left it (every logged page pays for this).
    row = connection.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(last_seq=AuditChainHead.last_seq)
        .returning(AuditChainHead.last_seq, AuditChainHead.last_hash)
    ).first()
    if row is not None:
        return int(row[0]), str(row[1])
    # No head row (an emptied database): the chain continues from its newest entry.
    tail = connection.execute(
        select(AuditEvent.seq, AuditEvent.row_hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    if tail is None:
        archived = connection.execute(
            select(AuditLogArchive.last_seq, AuditLogArchive.last_hash)
            .order_by(AuditLogArchive.last_seq.desc())
            .limit(1)
        ).first()
        tail = archived
    last_seq, last_hash = (int(tail[0]), str(tail[1])) if tail else (0, GENESIS)
    connection.execute(insert(AuditChainHead).values(id=1, last_seq=last_seq, last_hash=last_hash))
    return last_seq, last_hash


def append(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert entries at the end of the chain (inside the caller's transaction)."""
    if not rows:
        return
    last_seq, last_hash = lock(connection)
    refs_of: dict[int, list[str]] = {}
    for row in rows:
        last_seq += 1
        refs = sorted({ref for ref in row.pop("case_ref_list", ()) if ref})
        row["case_refs"] = " ".join(refs)
        row["changes"] = jsonable_changes(row.get("changes") or {})
        row["seq"] = last_seq
        row["prev_hash"] = last_hash
        row["row_hash"] = last_hash = entry_hash(last_hash, row)
        if refs:
            # The look-up keeps a reference's first REF_KEPT characters: two references alike
            # that far (a garbled file under review) are filed once.
            refs_of[last_seq] = list(dict.fromkeys(ref[:REF_KEPT] for ref in refs))
    inserted = connection.execute(
        insert(AuditEvent).returning(AuditEvent.id, AuditEvent.seq), rows
    ).all()
    links = [
        {"event_id": event_id, "case_ref": ref, "organisation_id": row["organisation_id"]}
        for (event_id, seq), row in zip(sorted(inserted, key=lambda r: r[1]), rows, strict=True)
        for ref in refs_of.get(seq, ())
    ]
    if links:
        connection.execute(insert(AuditEventCase), links)
    filed = _file_under_organisations(connection, inserted, rows)
    if filed:
        connection.execute(insert(AuditEventOrganisation), filed)
    connection.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(last_seq=last_seq, last_hash=last_hash)
    )


def _file_under_organisations(
    connection: Connection, inserted: Sequence[Any], rows: list[dict[str, Any]]
) -> list[dict[str, int]]:
    """Entries of no organisation, filed under each organisation of the account they concern."""
    seq_to_id = {int(seq): int(event_id) for event_id, seq in inserted}
    people: dict[int, set[int]] = {}
    for row in rows:
        if row["organisation_id"] is not None:
            continue
        concerned = {row["user_id"]} if row["user_id"] is not None else set()
        entity = row.get("entity_id")
        if row["entity_type"] == "user_account" and entity and str(entity).isdigit():
            concerned.add(int(entity))
        if concerned:
            people[seq_to_id[row["seq"]]] = concerned
    if not people:
        return []
    everyone = sorted(set().union(*people.values()))
    orgs_of: dict[int, set[int]] = {}
    for user_id, org_id in connection.execute(
        select(Membership.user_id, Membership.organisation_id).where(
            Membership.user_id.in_(everyone)
        )
    ):
        orgs_of.setdefault(int(user_id), set()).add(int(org_id))
    return [
        {"organisation_id": org, "event_id": event_id}
        for event_id, concerned in people.items()
        for org in sorted(set().union(*(orgs_of.get(u, set()) for u in concerned)))
    ]


@dataclass(frozen=True)
class Verdict:
    """What `verify` found: `ok`, how many entries it checked, and the first break if any."""

    checked: int
    problem: str | None = None
    bad_seq: int | None = None
    bad_id: int | None = None
    restarts_at: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


_COLUMNS = (AuditEvent.id, AuditEvent.prev_hash, AuditEvent.row_hash) + tuple(
    getattr(AuditEvent, name) for name in HASHED
)


def _entries(connection: Connection, batch: int = 5_000) -> Iterator[Mapping[Any, Any]]:
    """Every entry in chain order, read in batches (keyset on seq)."""
    after = -1
    while True:
        found = connection.execute(
            select(*_COLUMNS).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not found:
            return
        for row in found:
            yield row._mapping
        after = int(found[-1].seq)


def start_of_chain(connection: Connection) -> tuple[int, str]:
    """Where the kept chain starts: after the last archived entry, or at the beginning."""
    archived = connection.execute(
        select(AuditLogArchive.last_seq, AuditLogArchive.last_hash)
        .order_by(AuditLogArchive.last_seq.desc())
        .limit(1)
    ).first()
    return (int(archived[0]), str(archived[1])) if archived else (0, GENESIS)


def verify_rows(
    rows: Iterable[Mapping[Any, Any]], start_seq: int = 0, start_hash: str = GENESIS
) -> Verdict:
    """Check entries given in chain order, starting after place `start_seq` with its hash."""
    expected_seq, expected_prev, checked = start_seq + 1, start_hash, 0
    for row in rows:
        seq, event_id = int(row["seq"]), row.get("id")
        where = f"entry #{event_id} (place {seq})" if event_id is not None else f"place {seq}"
        if seq != expected_seq:
            missing = (
                f"entry at place {expected_seq}"
                if seq == expected_seq + 1
                else f"entries at places {expected_seq} to {seq - 1}"
            )
            return Verdict(
                checked, f"The {missing} was removed: the chain jumps to {where}.",
                expected_seq, event_id, start_seq + 1,
            )  # fmt: skip
        if row["prev_hash"] != expected_prev:
            return Verdict(
                checked,
                f"{where.capitalize()} does not follow the entry before it: that entry was "
                "changed, or removed and replaced.",
                seq,
                event_id,
                start_seq + 1,
            )
        if entry_hash(row["prev_hash"], row) != row["row_hash"]:
            return Verdict(
                checked, f"{where.capitalize()} was changed after it was written.",
                seq, event_id, start_seq + 1,
            )  # fmt: skip
        expected_seq, expected_prev, checked = seq + 1, row["row_hash"], checked + 1
    return Verdict(checked, restarts_at=start_seq + 1)


def verify(connection: Connection) -> Verdict:
    """Check the whole kept chain in the database, and that its newest entries are all there."""
    start_seq, start_hash = start_of_chain(connection)
    verdict = verify_rows(_entries(connection), start_seq, start_hash)
    if not verdict.ok:
        return verdict
    head = connection.execute(
        select(AuditChainHead.last_seq, AuditChainHead.last_hash).where(AuditChainHead.id == 1)
    ).first()
    newest = connection.execute(select(func.max(AuditEvent.seq))).scalar()
    last = int(newest) if newest is not None else start_seq
    if head is not None and int(head[0]) > last:
        return Verdict(
            verdict.checked,
            f"The newest entries were removed: the chain ends at place {last}, "
            f"but place {int(head[0])} was written.",
            last + 1,
            None,
            verdict.restarts_at,
        )
    return verdict
