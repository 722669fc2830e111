# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: find a catalog entry (network, offering, template) by id or by name.

Users write names in plan files; CloudStack wants UUIDs. Names are matched
case-insensitively because CSV edits change case freely; an ambiguous name is an error,
never a silent pick, because two same-named offerings usually differ in storage or host tags.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.parse import text
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import Findings, describe, short_list


def unique_by_id(items: Iterable[Any]) -> list[dict[str, Any]]:
    """Drop non-dict rows and repeated ids (listTemplates returns one row per zone)."""
    seen: set[str] = set()
    result: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        ident = text(item.get("id")).lower()
        if ident and ident in seen:
            continue
        seen.add(ident)
        result.append(item)
    return result


def resolve(
    wanted: Any,
    items: Sequence[dict[str, Any]],
    *,
    kind: str,
    field: str,
    findings: Findings,
    prefer: Callable[[dict[str, Any]], bool] | None = None,
) -> dict[str, Any] | None:
    """The one entry whose id or name is `wanted`, or None after recording a problem.

    `prefer` narrows an ambiguous name match (e.g. KVM templates over others); it is only
    applied when the name alone is ambiguous.
    """
    key = text(wanted)
    if not key:
        findings.problem("missing", field, f"no {kind} given", f"set {field} to the id or name of a {kind}")
        return None
    lowered = key.lower()
    by_id = [item for item in items if text(item.get("id")).lower() == lowered]
    if by_id:
        return by_id[0]
    by_name = [item for item in items if text(item.get("name")).lower() == lowered]
    if len(by_name) > 1 and prefer is not None:
        preferred = [item for item in by_name if prefer(item)]
        if preferred:
            by_name = preferred
    if len(by_name) == 1:
        return by_name[0]
    if by_name:
        findings.problem(
            "ambiguous",
            field,
            f"{kind} name '{key}' is ambiguous: {short_list(describe(item) for item in by_name)}",
            f"use the id of the {kind} you mean",
        )
        return None
    findings.problem(
        "not_found",
        field,
        f"{kind} '{key}' not found; available: {short_list(sorted(describe(item) for item in items))}",
        f"use the id or exact name of an existing {kind}",
    )
    return None


def device_label(device: dict[str, Any], kind: str) -> str:
    """`NIC 0 (52:54:00:aa:bb:cc)` / `disk 1 (vdb)` for messages."""
    extra = text(device.get("macaddress") if kind == "NIC" else device.get("label"))
    ident = text(device.get("id"))
    return f"{kind} {ident} ({extra})" if extra else f"{kind} {ident}"


def map_device_keys(
    wanted: dict[str, str],
    devices: Sequence[dict[str, Any]],
    matchers: Sequence[Callable[[str, dict[str, Any]], bool]],
    *,
    kind: str,
    field: str,
    findings: Findings,
) -> dict[int, tuple[str, str]]:
    """Which device each user key means: device index → (key as written, value).

    Matchers are tried in priority order (id first, then MAC/label), and a plain integer
    is finally taken as a position in the list, so `0`, `"0"`, a MAC and `vdb` all work.
    Unknown keys and two keys naming one device with different values are problems.
    """
    chosen: dict[int, tuple[str, str]] = {}
    for key, value in wanted.items():
        index = _find_device(key, devices, matchers)
        if index is None:
            findings.problem(
                "unknown_key",
                f"{field}[{key}]",
                f"'{key}' matches no {kind} of this VM; its {kind}s are "
                f"{short_list(device_label(d, kind) for d in devices)}",
                f"key {field} by {kind} id, {'MAC' if kind == 'NIC' else 'label'} or position",
            )
            continue
        if index in chosen and chosen[index][1].lower() != value.lower():
            findings.problem(
                "duplicate_key",
                f"{field}[{key}]",
                f"{device_label(devices[index], kind)} is given twice: '{chosen[index][0]}' → "
                f"'{chosen[index][1]}' and '{key}' → '{value}'",
                f"keep one entry for {device_label(devices[index], kind)}",
            )
            continue
        chosen.setdefault(index, (key, value))
    return chosen


def _find_device(
    key: str, devices: Sequence[dict[str, Any]], matchers: Sequence[Callable[[str, dict[str, Any]], bool]]
) -> int | None:
    for matcher in matchers:
        for index, device in enumerate(devices):
            if matcher(key, device):
                return index
    if key.isdecimal() and int(key) < len(devices):  # isdigit() also accepts "²", which int() refuses
        return int(key)
    return None
