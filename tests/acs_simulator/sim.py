"""The simulator's state: store, knobs, jobs, profile, libvirt connections, and request dispatch."""

from __future__ import annotations

import re
import threading
import traceback
import uuid
from pathlib import Path
from typing import Any

from . import commands  # noqa: F401 - registers every command module
from .agent import Agent
from .errors import ApiError, error_body, invalid_value, server_error, unauthorized
from .jobs import JobManager
from .knobs import Knobs
from .params import parse
from .profiles import get_profile
from .registry import REGISTRY, AsyncWork
from .seed import apply_seed, ensure_pool_dirs, load_seed
from .signing import verify
from .store import Store

UNKNOWN_COMMAND = "The given command does not exist or it is not available for user"
LOWER_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class Simulator:
    def __init__(
        self,
        db: str | Path,
        seed: str | Path | dict[str, Any] | None,
        profile: str = "4.22",
        knobs: dict[str, Any] | None = None,
        proc_root: str | None = None,
        agent_version: str | None = None,
    ) -> None:
        self.profile = get_profile(profile, agent_version)
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
        self.agent = Agent(proc_root=proc_root, default_version=self.profile["agent"])
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
        """A behaviour of the server's release (versions.SERVER_FEATURES) or of the profile."""
        return bool(self.profile[feature])

    @property
    def version(self) -> str:
        return str(self.profile["name"])

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
        response_name = (cmd.response_name or f"{name.lower()}response") if cmd else "errorresponse"
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
        except Exception:  # noqa: BLE001 - CloudStack maps anything unexpected to 530
            traceback.print_exc()
            err = ApiError(530, "Internal error executing command, please contact your system administrator")
            return err.code, error_body(response_name, err)
        if cmd.is_async:
            assert isinstance(result, AsyncWork)
            try:
                custom = self._custom_job_id(parsed.get("customjobid"))
            except ApiError as err:
                return err.code, error_body(response_name, err)
            jobid = self.jobs.submit(cmd.java_class, caller, result, job_id=custom)
            if result.created_id:
                return 200, {response_name: {"id": result.created_id, "jobid": jobid}}
            return 200, {response_name: {"jobid": jobid}}
        if cmd.list_key is not None:
            try:
                body = self._list_body(cmd.list_key, result, parsed.values if cmd.paginate else None)
            except ApiError as err:
                return err.code, error_body(response_name, err)
            return 200, {response_name: body}
        return 200, {response_name: result}

    def _custom_job_id(self, wanted: str | None) -> str | None:
        """A caller-chosen job id, checked as ApiServer.queueCommand does before it creates the job:
        UUIDManagerImpl.checkUuidSimple wants a lower-case UUID that no job has yet, else
        InvalidParameterValueException (431), synchronously
        (server/src/main/java/com/cloud/uuididentity/UUIDManagerImpl.java ``checkUuidSimple``, 4.19-4.22)."""
        if wanted is None:
            return None
        if not LOWER_UUID.match(wanted):
            raise invalid_value(f"UUID: {wanted} doesn't follow the UUID format")
        if self.store.get("job", wanted) is not None:
            raise invalid_value(f"UUID: {wanted} already exists so can't create/update with custom id")
        return wanted

    def _list_body(self, key: str, items: list[dict[str, Any]], paging: dict[str, Any] | None) -> dict[str, Any]:
        """BaseListCmd paging: default and maximum page size = default.page.size (500), -1 = unlimited."""
        total = len(items)
        if paging is not None:
            max_size = int(self.config("default.page.size", "500") or 500)
            page, size = paging.get("page"), paging.get("pagesize")
            if size is not None and max_size != -1 and size > max_size:
                raise invalid_value(f"Page size can't exceed max allowed page size value: {max_size}")
            if size == -1 and page is not None:
                raise invalid_value("Can't specify page parameter when pagesize is -1 (Unlimited)")
            size = max_size if size is None else size
            if size != -1:
                start = (page - 1) * size if page and page > 0 else 0
                items = items[start : start + size]
        if not items:
            # ApiResponseSerializer: no array for an empty page, and no count when nothing matched (facts §1.2).
            return {"count": total} if total else {}
        return {"count": total, key: items}
