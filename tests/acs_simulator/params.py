"""Parameter processing as ParamProcessWorker does it, before any command code runs (facts §5.2/§5.3).

Missing or malformed parameters fail synchronously with 431/9999, also for async commands.
Parameters a command does not declare are ignored, as CloudStack ignores them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_param_value, missing_param, server_error
from .store import Store

_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_MAP_KEY = re.compile(r"^([A-Za-z0-9_]+)\[(\d+)\]\.(.+)$")


@dataclass
class Param:
    kind: str = "string"  # string | boolean | integer | uuid | map | list
    entity: str | None = None  # store kind a uuid refers to
    required: bool = False
    since: str | None = None  # profile that introduced it; older profiles ignore it


@dataclass
class Parsed:
    values: dict[str, Any] = field(default_factory=dict)
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


def collect_maps(raw: dict[str, str]) -> dict[str, list[dict[str, str]]]:
    """``nicnetworklist[0].nic=0`` style keys grouped into ordered lists of dicts."""
    maps: dict[str, dict[int, dict[str, str]]] = {}
    for key, value in raw.items():
        m = _MAP_KEY.match(key)
        if m:
            maps.setdefault(m.group(1).lower(), {}).setdefault(int(m.group(2)), {})[m.group(3)] = value
    return {name: [entries[i] for i in sorted(entries)] for name, entries in maps.items()}


def _profile_tuple(p: str) -> tuple[int, ...]:
    return tuple(int(x) for x in p.split("."))


def _invalid_uuid(command: str, name: str, value: str) -> ApiError:
    # Both a malformed UUID and one that names no entity produce this text (ParamProcessWorker + translateUuid).
    return server_error(
        f"Unable to execute API command {command.lower()} due to invalid value. Invalid parameter {name} "
        f"value={value} due to incorrect long value format, or entity does not exist or due to incorrect "
        "parameter annotation for the field in api cmd class.",
        431,
    )


def parse(command: str, spec: dict[str, Param], raw: dict[str, str], store: Store, profile: str) -> Parsed:
    """Validate and convert raw request values into a Parsed bag; raises ApiError (431) on problems."""
    lowered = {k.lower(): v for k, v in raw.items()}
    maps = collect_maps(raw)
    out = Parsed()
    for name, p in spec.items():
        if p.since and _profile_tuple(profile) < _profile_tuple(p.since):
            continue
        if p.kind == "map":
            if name in maps:
                out.values[name] = maps[name]
            elif p.required:
                raise missing_param(command, name)
            continue
        value = lowered.get(name)
        if value is None or value == "":
            if p.required:
                raise missing_param(command, name)
            continue
        if p.kind == "boolean":
            if value.lower() not in ("true", "false"):
                raise bad_param_value(command, name, value)
            out.values[name] = value.lower() == "true"
        elif p.kind == "integer":
            try:
                out.values[name] = int(value)
            except ValueError:
                raise bad_param_value(command, name, value) from None
        elif p.kind == "uuid":
            if not _UUID_RE.match(value):
                raise _invalid_uuid(command, name, value)
            entity = store.get(p.entity or "", value) if p.entity else None
            if p.entity and entity is None:  # removed rows still resolve (findByUuidIncludingRemoved)
                raise _invalid_uuid(command, name, value)
            out.values[name] = value
            if entity is not None:
                out.entities[name] = entity
        elif p.kind == "list":
            out.values[name] = [v for v in value.split(",") if v]
        else:
            out.values[name] = value
    return out
