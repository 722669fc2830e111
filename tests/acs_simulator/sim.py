"""The simulator's state: store, knobs, jobs, profile, libvirt connections, and request dispatch."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

from . import commands  # noqa: F401 - registers every command module
from .agent import Agent
from .errors import ApiError, error_body, server_error, unauthorized
from .jobs import JobManager
from .knobs import Knobs
from .params import parse
from .profiles import get_profile
from .registry import REGISTRY, AsyncWork
from .seed import apply_seed, ensure_pool_dirs, load_seed
from .signing import verify
from .store import Store

UNKNOWN_COMMAND = "The given command does not exist or it is not available for user"


class Simulator:
    def __init__(
        self,
        db: str | Path,
        seed: str | Path | dict[str, Any] | None,
        profile: str = "4.22",
        knobs: dict[str, Any] | None = None,
        proc_root: str | None = None,
    ) -> None:
        self.profile = get_profile(profile)
        self.store = Store(db)
        if self.store.meta("seeded") != "yes":
            if seed is None:
                raise ValueError("database is empty and no seed was given. Fix: pass --seed SEED.yaml")
            apply_seed(self.store, load_seed(seed))
        ensure_pool_dirs(self.store)
        self.knobs = Knobs(knobs)
        msid = self.store.meta("msid") or str(int(uuid.uuid4().int % 2**40))
        self.store.set_meta("msid", msid)
        self.jobs = JobManager(self.store, self.knobs, msid, "acs-simulator")
        self.agent = Agent(proc_root=proc_root)
        self.lock = threading.RLock()  # serialises state-changing job bodies (CloudStack's VM locks)

    def close(self) -> None:
        self.jobs.stop()
        self.agent.close()
        self.store.close()

    # --- helpers used by commands -----------------------------------------------------------
    def config(self, name: str, default: str = "") -> str:
        row = self.store.first("configuration", name=name)
        return row["value"] if row else default

    def has(self, feature: str) -> bool:
        return bool(self.profile[feature])

    # --- dispatch -----------------------------------------------------------------------------
    def authenticate(self, raw: dict[str, str]) -> dict[str, Any]:
        apikey = next((v for k, v in raw.items() if k.lower() == "apikey"), None)
        user = self.store.first("user", apikey=apikey) if apikey else None
        enforce = self.config("enforce.post.requests.and.timestamps", "false").lower() == "true"
        if user is None or not verify(raw, user["secretkey"], enforce_timestamps=enforce):
            raise unauthorized()
        account = self.store.get("account", user["accountid"]) or {}
        return {**user, "accounttype": account.get("accounttype", 0)}

    def handle(self, raw: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """One API request → (HTTP status, JSON document)."""
        name = raw.get("command", "")
        cmd = REGISTRY.get(name.lower())
        response_name = f"{name.lower()}response" if cmd else "errorresponse"
        try:
            caller = self.authenticate(raw)
            if cmd is None or (cmd.admin_only and caller["accounttype"] != 1):
                raise server_error(UNKNOWN_COMMAND, 432)
            if cmd.since and tuple(map(int, self.profile["name"].split("."))) < tuple(map(int, cmd.since.split("."))):
                raise server_error(UNKNOWN_COMMAND, 432)
            parsed = parse(cmd.name, cmd.params, raw, self.store, self.profile["name"])
            result = cmd.handler(self, caller, parsed)
        except ApiError as err:
            return err.code, error_body(response_name, err)
        if cmd.is_async:
            assert isinstance(result, AsyncWork)
            jobid = self.jobs.submit(cmd.java_class, caller, result.body, result.instance_type, result.instance_id)
            return 200, {response_name: {"jobid": jobid}}
        if cmd.list_key is not None:
            return 200, {response_name: self._list_body(cmd.list_key, result, parsed.values if cmd.paginate else {})}
        return 200, {response_name: result}

    @staticmethod
    def _list_body(key: str, items: list[dict[str, Any]], paging: dict[str, Any]) -> dict[str, Any]:
        if not items:
            return {}  # ApiResponseSerializer writes an empty object for an empty list (facts §1.2)
        total = len(items)
        page, size = paging.get("page"), paging.get("pagesize")
        if size and size > 0:
            start = (max(page or 1, 1) - 1) * size
            items = items[start : start + size]
            if not items:
                return {"count": total}
        return {"count": total, key: items}
