# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Resolve one CloudStack object (zone, cluster, host, domain, project) from an id or a name.

Operators write names; the API wants UUIDs. A UUID is looked up with ``id=`` (one cheap
call, no list of the whole cloud); a name with ``name=`` and then compared exactly,
because CloudStack's ``name`` filters are substring matches on some list commands. When
nothing or more than one thing matches, the error lists the candidates so the operator can
copy the right value instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import CloudStackApiError, InputError

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
MAX_CANDIDATES = 10


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value.strip()))


def describe(item: dict[str, Any], name_key: str = "name") -> str:
    """``name (id)`` for messages."""
    return f"{item.get(name_key) or '?'} ({item.get('id') or '?'})"


def candidates_text(items: Iterable[dict[str, Any]], name_key: str = "name") -> str:
    shown = sorted(describe(item, name_key) for item in items)
    if not shown:
        return "none"
    extra = len(shown) - MAX_CANDIDATES
    text = ", ".join(shown[:MAX_CANDIDATES])
    return f"{text} and {extra} more" if extra > 0 else text


def _is_unknown_id(error: CloudStackApiError) -> bool:
    """CloudStack answers an unknown or malformed UUID with 431 before running the command."""
    return error.errorcode == 431


def resolve_one(
    client: Any,
    command: str,
    wanted: str,
    *,
    kind: str,
    field: str,
    name_key: str = "name",
    **filters: Any,
) -> dict[str, Any]:
    """The single ``command`` item whose id or ``name_key`` equals ``wanted``.

    ``filters`` narrow both the lookup and the candidate list (e.g. ``zoneid``).
    Raises ``InputError`` naming ``field`` when there is no match or more than one.
    """
    value = str(wanted or "").strip()
    if not value:
        raise InputError(field, f"no {kind} given", f"set {field} to the id or name of a {kind}")
    if is_uuid(value):
        try:
            found = client.list_all(command, id=value, **filters)
        except CloudStackApiError as error:
            if not _is_unknown_id(error):
                raise
            found = []
        if found:
            return found[0]
        everything = client.list_all(command, **filters)
        raise InputError(
            field,
            f"no {kind} with id {value}; available: {candidates_text(everything, name_key)}",
            f"use the id or name of an existing {kind}",
        )
    query = {name_key: value} if name_key == "name" else {}
    found = client.list_all(command, **query, **filters)
    exact = [item for item in found if str(item.get(name_key, "")) == value]
    everything = found
    if not exact:
        # A case slip (CSV edits) is forgiven when it names exactly one object; the server's
        # name filter may be case-sensitive, so compare against the unfiltered list.
        everything = client.list_all(command, **filters) if query else found
        exact = [item for item in everything if str(item.get(name_key, "")).lower() == value.lower()]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise InputError(
            field,
            f"{kind} name '{value}' is ambiguous: {candidates_text(exact, name_key)}",
            f"use the id of the {kind} you mean",
        )
    raise InputError(
        field,
        f"{kind} '{value}' not found; available: {candidates_text(everything, name_key)}",
        f"use the id or exact name of an existing {kind}",
    )


def find_zone(client: Any, wanted: str, field: str = "zone") -> dict[str, Any]:
    return resolve_one(client, "listZones", wanted, kind="zone", field=field)


def find_cluster(client: Any, wanted: str, field: str = "cluster", **filters: Any) -> dict[str, Any]:
    cluster = resolve_one(client, "listClusters", wanted, kind="cluster", field=field, **filters)
    hypervisor = str(cluster.get("hypervisortype", "KVM"))
    if hypervisor.upper() != "KVM":
        raise InputError(
            field,
            f"cluster {describe(cluster)} runs {hypervisor}; acs.ingest imports KVM instances only",
            "choose a KVM cluster",
        )
    return cluster


def find_host(client: Any, wanted: str, field: str = "host", **filters: Any) -> dict[str, Any]:
    return resolve_one(client, "listHosts", wanted, kind="host", field=field, type="Routing", **filters)


def find_domain(client: Any, wanted: str, field: str = "domain") -> dict[str, Any]:
    """A domain by id, name or path (``ROOT/customers/acme``)."""
    value = str(wanted or "").strip()
    if is_uuid(value) or "/" not in value:
        return resolve_one(client, "listDomains", value, kind="domain", field=field)
    domains = client.list_all("listDomains", listall=True)
    wanted_path = value.strip("/").lower()
    matches = [d for d in domains if str(d.get("path", "")).strip("/").lower() == wanted_path]
    if len(matches) == 1:
        return matches[0]
    raise InputError(
        field,
        f"domain path '{value}' not found; available: {candidates_text(domains, 'path')}",
        "use the domain id, its name, or its full path such as ROOT/customers",
    )


def find_project(client: Any, wanted: str, field: str = "project") -> dict[str, Any]:
    return resolve_one(client, "listProjects", wanted, kind="project", field=field, listall=True)
