# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: the wire form of import parameters, for check-mode display (facts §1.1).

The plan keeps map parameters as lists of dicts (`nicnetworklist=[{"nic": "0", ...}]`),
which is what the `cs` library expects. CloudStack itself receives `key[i].field=value`;
showing that exact form in check mode lets an operator compare it with the API docs or
replay it with `cmk`. The rules mirror cs.client.transform so the display matches what is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def flatten_params(params: Mapping[str, Any]) -> dict[str, str]:
    """`{"nicnetworklist": [{"nic": "0", "network": "u"}]}` → `{"nicnetworklist[0].nic": "0", ...}`.

    None and empty collections are dropped, booleans become `true`/`false`, lists of scalars
    are comma-joined and a single dict counts as a one-entry list.
    """
    flat: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, dict):
            value = [value]
        if isinstance(value, (list, tuple)):
            if not value:
                continue
            if all(isinstance(entry, Mapping) for entry in value):
                for index, entry in enumerate(value):
                    for sub_key, sub_value in entry.items():
                        if sub_value is not None:
                            flat[f"{key}[{index}].{sub_key}"] = _scalar(sub_value)
            else:
                flat[key] = ",".join(_scalar(entry) for entry in value)
            continue
        flat[key] = _scalar(value)
    return flat


def wire_lines(command: str, params: Mapping[str, Any]) -> list[str]:
    """`command=<cmd>` followed by one `name=value` per wire parameter, in plan order."""
    return [f"command={command}"] + [f"{key}={value}" for key, value in flatten_params(params).items()]
