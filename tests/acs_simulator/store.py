"""SQLite-backed object store, seeded from YAML. One table of JSON documents keyed by (kind, uuid).

Every CloudStack entity the simulator knows (zones, VMs, jobs, ...) is a row; ``seq`` is the internal
numeric id CloudStack prints in messages such as "Cluster with ID [%d] cannot be found.".
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_NS = uuid.UUID("6b1f4a52-4f3e-4c2e-9a55-acd1c0a70003")

SCHEMA = """
CREATE TABLE IF NOT EXISTS obj (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  uuid TEXT NOT NULL,
  data TEXT NOT NULL,
  UNIQUE (kind, uuid)
);
CREATE INDEX IF NOT EXISTS obj_kind ON obj(kind);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def stable_uuid(kind: str, name: str) -> str:
    """Seeded objects get a UUID derived from kind and name so a re-seed reproduces the same ids."""
    return str(uuid.uuid5(_NS, f"{kind}/{name}"))


class Store:
    """Thread-safe access to the SQLite file; all writes of one logical change go in one transaction."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        # timeout: tests open the same file from their own process; wait for its lock, never fail.
        self._db = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- meta -------------------------------------------------------------------------------
    def meta(self, key: str, default: str | None = None) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # --- objects ----------------------------------------------------------------------------
    @staticmethod
    def _row(row: tuple[int, str]) -> dict[str, Any]:
        data = json.loads(row[1])
        data["_seq"] = row[0]
        return data

    def all(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT seq, data FROM obj WHERE kind=? ORDER BY seq", (kind,)).fetchall()
        return [self._row(r) for r in rows]

    def get(self, kind: str, obj_id: str | None) -> dict[str, Any] | None:
        if not obj_id:
            return None
        with self._lock:
            row = self._db.execute("SELECT seq, data FROM obj WHERE kind=? AND uuid=?", (kind, obj_id)).fetchone()
        return self._row(row) if row else None

    def find(self, kind: str, **equal: Any) -> list[dict[str, Any]]:
        return [o for o in self.all(kind) if all(o.get(k) == v for k, v in equal.items())]

    def first(self, kind: str, **equal: Any) -> dict[str, Any] | None:
        found = self.find(kind, **equal)
        return found[0] if found else None

    def put(self, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        """Insert or replace; assigns a random UUID when ``id`` is missing. Returns the stored document."""
        data = {k: v for k, v in data.items() if k != "_seq"}
        data.setdefault("id", str(uuid.uuid4()))
        text = json.dumps(data, sort_keys=True)
        with self._lock:
            cur = self._db.execute("UPDATE obj SET data=? WHERE kind=? AND uuid=?", (text, kind, data["id"]))
            if cur.rowcount == 0:
                self._db.execute("INSERT INTO obj(kind, uuid, data) VALUES (?, ?, ?)", (kind, data["id"], text))
        stored = self.get(kind, data["id"])
        assert stored is not None
        return stored

    def delete(self, kind: str, obj_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM obj WHERE kind=? AND uuid=?", (kind, obj_id))

    def next_seq(self) -> int:
        """The seq the next inserted row will get (CloudStack names volumes ROOT-<vm id> before inserting them)."""
        with self._lock:
            row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name='obj'").fetchone()
        return (row[0] if row else 0) + 1
