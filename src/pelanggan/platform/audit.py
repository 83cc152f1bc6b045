"""The audit trail: who did what to whom, when, through which request.

Event types are registered with dotted names (`customers.person.created`) by each context's
`audit_events.py`; recording an unregistered type is a bug and raises. Rows are append-only and
hash-chained: each carries the SHA-256 of the previous row's hash and its own canonical content,
so `verify_chain()` finds a row altered, removed or inserted out of order.

Old/new values never carry raw personal data: fields the registry marks personal are reduced
to `{"changed": true}` whatever the caller passes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import queue
import threading
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from pelanggan.platform import clock
from pelanggan.platform.bulk import db_value
from pelanggan.platform.context import current_request_id
from pelanggan.platform.models import AuditEvent

GENESIS_HASH = "0" * 64
_ADVISORY_LOCK_KEY = 0x5045_4C41  # "PELA": serialises chain appends on PostgreSQL


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    personal_fields: frozenset[str] = field(default_factory=frozenset)


_registry: dict[str, EventType] = {}


def register(name: str, description: str, *, personal_fields: Iterable[str] = ()) -> EventType:
    parts = name.split(".")
    if len(parts) < 3 or not all(p and p.replace("_", "").isalnum() for p in parts):
        raise ValueError(f"audit event names are dotted context.subject.verb: {name!r}")
    event = EventType(name, description, frozenset(personal_fields))
    existing = _registry.get(name)
    if existing is not None and existing != event:
        raise ValueError(f"audit event {name} registered twice with different definitions")
    _registry[name] = event
    return event


def registered_events() -> dict[str, EventType]:
    return dict(_registry)


@dataclass(frozen=True)
class Actor:
    """Who acted: a staff user, an API client, a customer, or the system itself."""

    kind: str
    id: int | None
    label: str

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls("system", None, label)


def change(old: Any, new: Any) -> dict[str, Any]:
    return {"old": old, "new": new}


def _redact(event: EventType, changes: Mapping[str, Any]) -> dict[str, Any]:
    redacted: dict[str, Any] = {}
    for name, value in changes.items():
        if name in event.personal_fields:
            redacted[name] = {"changed": True}
        else:
            redacted[name] = value
    return redacted


def _canonical(row: Mapping[str, Any]) -> bytes:
    return json.dumps(row, sort_keys=True, separators=(",", ":"), default=str).encode()


def _canonical_json(value: Any) -> str:
    """How JSON columns are stored: the same text the canonical row form embeds."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def row_hash(*, prev_hash: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"|" + _canonical(content)).hexdigest()


def _content(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(),
        "event_type": event.event_type,
        "actor_kind": event.actor_kind,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "subject_type": event.subject_type,
        "subject_ids": event.subject_ids,
        "request_id": event.request_id,
        "changes": event.changes,
        "reason": event.reason,
    }


_LAST_ROW_SQL = 'SELECT "seq", "row_hash" FROM "platform_auditevent" ORDER BY "seq" DESC LIMIT 1'
_INSERT_COLUMNS = (
    "seq", "occurred_at", "event_type", "actor_kind", "actor_id", "actor_label",
    "subject_type", "subject_ids", "request_id", "changes", "reason", "prev_hash", "row_hash",
)  # fmt: skip
_JSON_COLUMNS = frozenset({"subject_ids", "changes"})
_INSERT_SQL = (
    'INSERT INTO "platform_auditevent" ('  # noqa: S608 - constant column names
    + ", ".join(f'"{c}"' for c in _INSERT_COLUMNS)
    + ") VALUES ("
    + ", ".join(["%s"] * len(_INSERT_COLUMNS))
    + ') RETURNING "id"'
)


def record(
    event_type: str,
    *,
    actor: Actor,
    subject_type: str,
    subject_ids: Iterable[str | int],
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    occurred_at: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction (or a new one)."""
    event = _registry.get(event_type)
    if event is None:
        raise ValueError(f"audit event type {event_type!r} is not registered")
    with transaction.atomic(), connection.cursor() as cursor:
        # Every search and record view writes one of these: plain SQL keeps it cheap.
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        cursor.execute(_LAST_ROW_SQL)
        last = cursor.fetchone()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        row = AuditEvent(
            seq=seq,
            occurred_at=occurred_at or clock.now(),
            event_type=event_type,
            actor_kind=actor.kind,
            actor_id=actor.id,
            actor_label=actor.label,
            subject_type=subject_type,
            subject_ids=[str(s) for s in subject_ids],
            request_id=current_request_id() or "",
            changes=_redact(event, changes or {}),
            reason=reason,
            prev_hash=prev_hash,
        )
        row.row_hash = row_hash(prev_hash=prev_hash, content=_content(row))
        values = [
            getattr(row, name) if name not in _JSON_COLUMNS else _canonical_json(getattr(row, name))
            for name in _INSERT_COLUMNS
        ]
        values[_INSERT_COLUMNS.index("occurred_at")] = db_value(row.occurred_at)
        cursor.execute(_INSERT_SQL, values)
        row.pk = cursor.fetchone()[0]
        row._state.adding = False
    return row


@dataclass(frozen=True)
class ChainReport:
    rows_checked: int
    first_broken_seq: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


# Verification reads raw rows in seq order (keyset batches over the unique seq index), never
# model instances, and rebuilds each row's canonical text (`_canonical(_content(row))`) with
# string formatting. PostgreSQL first hashes, in C, the rows whose canonical text it can build
# with plain concatenation (compact JSON, strings without quotes, backslashes or non-ASCII: the
# usual record-view row) and sends only the others' columns. A row that still does not match is
# checked once more the slow, exact way (through the ORM) before it is called broken, so no fast
# path can report a false break.
_CANONICAL = (
    '{"actor_id":%s,"actor_kind":%s,"actor_label":%s,"changes":%s,"event_type":%s,'
    '"occurred_at":%s,"reason":%s,"request_id":%s,"seq":%d,"subject_ids":%s,"subject_type":%s}'
)
_TEXT_COLUMNS = ("actor_kind", "actor_label", "event_type", "reason", "request_id", "subject_type")
_RAW_COLUMNS = (
    "actor_id, actor_kind, actor_label, {changes}, event_type, {occurred}, reason, request_id, "
    "{subject_ids}, subject_type"
)
_PG_OCCURRED = (
    """replace(to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), """
    "'.000000', '')"
)


# Printable ASCII without '"' and '\\': text that JSON quotes as itself.
_PLAIN_ASCII = r"^[ -!#-\[\]-~]*$"


def _pg_server_hash() -> str:
    def quoted(column: str) -> str:
        return f"""'"' || {column} || '"'"""

    text = (
        f"""prev_hash || '|{{"actor_id":' || COALESCE(actor_id::text, 'null') """
        f"""|| ',"actor_kind":' || {quoted("actor_kind")} """
        f"""|| ',"actor_label":' || {quoted("actor_label")} || ',"changes":' || changes::text """
        f"""|| ',"event_type":' || {quoted("event_type")} """
        f"""|| ',"occurred_at":"' || {_PG_OCCURRED} || '+00:00","reason":' || {quoted("reason")} """
        f"""|| ',"request_id":' || {quoted("request_id")} || ',"seq":' || seq::text """
        f"""|| ',"subject_ids":' || subject_ids::text """
        f"""|| ',"subject_type":' || {quoted("subject_type")} || '}}'"""
    )
    plain = " AND ".join(f"{c} ~ '{_PLAIN_ASCII}'" for c in _TEXT_COLUMNS)
    compact = "position(' ' in changes::text) = 0 AND position(' ' in subject_ids::text) = 0"
    return (
        f"CASE WHEN {compact} AND {plain} THEN "
        f"encode(sha256(convert_to({text}, 'UTF8')), 'hex') = row_hash END"
    )


def _verify_sql() -> str:
    if connection.vendor != "postgresql":
        raw = _RAW_COLUMNS.format(
            # CAST: no declared type, so the driver's datetime converter leaves the text alone.
            changes="changes", occurred="replace(CAST(occurred_at AS TEXT), ' ', 'T')",
            subject_ids="subject_ids",
        )  # fmt: skip
        return (
            f"SELECT seq, prev_hash, row_hash, NULL, {raw} FROM platform_auditevent "  # noqa: S608 - constant SQL
            "WHERE seq > %s AND seq <= %s ORDER BY seq LIMIT %s"
        )
    raw = _RAW_COLUMNS.format(
        changes="changes::text AS changes", occurred=f"{_PG_OCCURRED} AS occurred",
        subject_ids="subject_ids::text AS subject_ids",
    )  # fmt: skip
    names = (
        "actor_id", "actor_kind", "actor_label", "changes", "event_type", "occurred",
        "reason", "request_id", "subject_ids", "subject_type",
    )  # fmt: skip
    unless_ok = ", ".join(f"CASE WHEN ok THEN NULL ELSE {name} END" for name in names)
    return f"""
        WITH checked AS (
            SELECT seq, prev_hash, row_hash, {_pg_server_hash()} AS ok, {raw}
            FROM platform_auditevent WHERE seq > %s AND seq <= %s ORDER BY seq LIMIT %s
        )
        SELECT seq, prev_hash, row_hash, ok, {unless_ok} FROM checked ORDER BY seq
    """  # noqa: S608 - constant SQL


def _json_text(text: str) -> str:
    return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"), default=str)


def _slow_row_hash(seq: int) -> str:
    """The reference computation of row `seq`'s hash, through the ORM as `record()` built it."""
    event = AuditEvent.objects.get(seq=seq)
    return row_hash(prev_hash=event.prev_hash, content=_content(event))


_NO_UPPER_BOUND = 2**62
Rows = list[tuple[Any, ...]]


def _batches(cursor: Any, sql: str, *, first: int, last: int, size: int) -> Iterator[Rows]:
    after = first - 1
    while True:
        cursor.execute(sql, [after, last, size])
        rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _driver_sql(sql: str, vendor: str) -> str:
    return sql.replace("%s", "?") if vendor == "sqlite" else sql


def _batches_prefetched(sql: str, *, first: int, last: int, size: int) -> Generator[Rows]:
    """The same batches, read one ahead by a thread on its own connection.

    The database (and the driver, which releases the GIL while it waits) works on the next batch
    while this thread hashes the current one. A second connection sees only committed rows, so
    this is used outside transactions only (the CLI, the benchmark).
    """
    raw = connection.get_new_connection(connection.get_connection_params())
    driver_sql = _driver_sql(sql, connection.vendor)
    batches: queue.Queue[Rows | BaseException] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def produce() -> None:
        try:
            for rows in _batches(raw.cursor(), driver_sql, first=first, last=last, size=size):
                batches.put(rows)
                if stop.is_set():
                    return
            batches.put([])
        except BaseException as exc:  # handed to the consumer, which raises it
            batches.put(exc)

    worker = threading.Thread(target=produce, name="audit-verify-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = batches.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                batches.get(timeout=0.05)
        raw.close()


@dataclass
class _Walk:
    """The state of a walk over consecutive rows (a whole chain or one range of it)."""

    expected_seq: int
    prev_hash: str | None  # None: the first row's link is checked by the caller (a range)
    first_prev_hash: str | None = None
    rows: int = 0
    broken_seq: int | None = None
    problem: str = ""
    suspects: list[int] = field(default_factory=list)  # fast hash differs: check the exact way
    max_suspects: int | None = None  # a range stops here and leaves the rest to a plain walk
    truncated: bool = False


def _walk_rows(walk: _Walk, rows: Rows) -> bool:
    """Check `rows` in order; False once a definite break is found (and recorded)."""
    sha256 = hashlib.sha256
    quote = json.encoder.encode_basestring_ascii
    canonical = _CANONICAL
    expected_seq, prev_hash = walk.expected_seq, walk.prev_hash
    for row in rows:
        seq = row[0]
        if seq != expected_seq:
            walk.broken_seq, walk.problem = seq, f"expected row {expected_seq}, found {seq}"
            break
        if prev_hash is None:
            walk.first_prev_hash = row[1]
        elif row[1] != prev_hash:
            walk.broken_seq, walk.problem = seq, "link to the previous row is broken"
            break
        prev_hash = row[2]
        expected_seq += 1
        if row[3]:
            continue  # hashed and matched by the database
        changes, occurred, subject_ids = row[7], row[9], row[12]
        if " " in changes:
            changes = _json_text(changes)
        if " " in subject_ids:
            subject_ids = _json_text(subject_ids)
        if occurred.endswith(".000000"):
            occurred = occurred[:-7]
        body = canonical % (
            "null" if row[4] is None else row[4],
            quote(row[5]),
            quote(row[6]),
            changes,
            quote(row[8]),
            quote(occurred + "+00:00"),
            quote(row[10]),
            quote(row[11]),
            seq,
            subject_ids,
            quote(row[13]),
        )
        if sha256(f"{row[1]}|{body}".encode()).hexdigest() != row[2]:
            walk.suspects.append(seq)
            if walk.max_suspects is not None and len(walk.suspects) >= walk.max_suspects:
                walk.truncated = True
                break
    walk.rows += expected_seq - walk.expected_seq
    walk.expected_seq, walk.prev_hash = expected_seq, prev_hash
    return walk.broken_seq is None and not walk.truncated


# A range reports at most this many rows for the exact re-check; past it the parent walks the
# chain on one connection instead (only old rows in another JSON layout, or tampering, do that).
_MAX_SUSPECTS = 1000


def _verify_range(task: tuple[str, int, int, int]) -> _Walk:
    """In a worker process: walk seq range [first, last] on a connection of its own."""
    sql, first, last, size = task
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        walk = _Walk(expected_seq=first, prev_hash=None, max_suspects=_MAX_SUSPECTS)
        driver_sql = _driver_sql(sql, connection.vendor)
        for rows in _batches(raw.cursor(), driver_sql, first=first, last=last, size=size):
            if not _walk_rows(walk, rows):
                break
        return walk
    finally:
        raw.close()


def _first_confirmed(walk: _Walk) -> tuple[int, int, str] | None:
    """The first real break of a range: (rows checked before it, its seq, the problem)."""
    for seq in walk.suspects:
        if _slow_row_hash(seq) != _stored_hash(seq):
            return seq - 1, seq, "row content does not match its hash"
    if walk.broken_seq is not None:
        return walk.expected_seq - 1, walk.broken_seq, walk.problem
    return None


def _verify_in_processes(sql: str, *, workers: int, size: int) -> ChainReport | None:
    """Split the chain into seq ranges walked by `workers` processes.

    None when the chain is too short to split or a range needs the plain walk.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(seq) FROM platform_auditevent")
        highest = cursor.fetchone()[0] or 0
    chunk = max(size, -(-highest // (workers * 4)))
    if highest < 2 * chunk:
        return None
    tasks = [(sql, a, min(a + chunk - 1, highest), size) for a in range(1, highest + 1, chunk)]
    # fork: workers inherit the configured Django; each opens its own connection and leaves the
    # parent's alone (they end with os._exit, so nothing of the parent's is closed there).
    with multiprocessing.get_context("fork").Pool(processes=workers) as pool:
        prev_hash = GENESIS_HASH
        for (_, first, last, _), walk in zip(tasks, pool.imap(_verify_range, tasks), strict=True):
            if walk.rows and walk.first_prev_hash != prev_hash:
                return ChainReport(first - 1, first, "link to the previous row is broken")
            confirmed = _first_confirmed(walk)
            if confirmed is not None:
                return ChainReport(*confirmed)
            if walk.truncated:
                return None
            if walk.expected_seq != last + 1:  # the range's last rows are missing
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT MIN(seq) FROM platform_auditevent WHERE seq > %s",
                        [walk.expected_seq],
                    )
                    found = cursor.fetchone()[0]
                return ChainReport(
                    walk.expected_seq - 1, found, f"expected row {walk.expected_seq}, found {found}"
                )
            prev_hash = walk.prev_hash or prev_hash
    return ChainReport(highest, None, "")


def default_workers() -> int:
    """Worker processes for a verification run from a command: one per CPU, at most 8."""
    return min(os.cpu_count() or 1, 8)


def verify_chain(
    *, batch_size: int = 50_000, prefetch: bool | None = None, workers: int = 1
) -> ChainReport:
    """Walk the chain in order; report the first row whose link or content does not check out.

    Outside a transaction, batches are read ahead on a second connection (`prefetch`). With
    `workers` > 1, seq ranges are walked in that many forked processes, each on its own
    connection: only for single-threaded processes such as `pelanggan audit verify` (forking a
    process that runs other threads — a server, a test run with a live server — can deadlock
    the children on a lock some other thread held at the fork), hence one worker by default.
    """
    sql = _verify_sql()
    if prefetch is None:
        prefetch = not connection.in_atomic_block
    # Worker processes need a database they can open themselves: not an in-memory SQLite one.
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()  # type: ignore[attr-defined]
    if workers > 1 and not connection.in_atomic_block and not in_memory:
        report = _verify_in_processes(sql, workers=workers, size=batch_size)
        if report is not None:
            return report
    walk = _Walk(expected_seq=1, prev_hash=GENESIS_HASH)
    if prefetch:
        batches: Iterator[Rows] = _batches_prefetched(
            sql, first=1, last=_NO_UPPER_BOUND, size=batch_size
        )
    else:
        batches = _batches(connection.cursor(), sql, first=1, last=_NO_UPPER_BOUND, size=batch_size)
    try:
        for rows in batches:
            suspects_before = len(walk.suspects)
            intact = _walk_rows(walk, rows)
            for seq in walk.suspects[suspects_before:]:
                if _slow_row_hash(seq) != _stored_hash(seq):
                    return ChainReport(seq - 1, seq, "row content does not match its hash")
            del walk.suspects[:]
            if not intact:
                assert walk.broken_seq is not None  # noqa: S101 - set with intact False
                return ChainReport(walk.expected_seq - 1, walk.broken_seq, walk.problem)
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    return ChainReport(walk.expected_seq - 1, None, "")


def _stored_hash(seq: int) -> str:
    return str(AuditEvent.objects.filter(seq=seq).values_list("row_hash", flat=True).get())
