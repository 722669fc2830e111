"""Version profiles: the differences between CloudStack releases the collection has to cope with."""

from __future__ import annotations

from typing import Any

PROFILES: dict[str, dict[str, Any]] = {
    "4.19": {
        "cloudstackversion": "4.19.1.0",
        "unmanage_hostid_forced": False,
        "unmanage_persists_domain": False,
        "unmanaged_clustername": False,
        "unmanaged_boot": False,
        "job_msname": False,
    },
    "4.20": {
        "cloudstackversion": "4.20.1.0",
        "unmanage_hostid_forced": False,
        "unmanage_persists_domain": False,
        "unmanaged_clustername": True,
        "unmanaged_boot": True,
        "job_msname": False,
    },
    "4.22": {
        "cloudstackversion": "4.22.0.0",
        "unmanage_hostid_forced": True,
        "unmanage_persists_domain": True,
        "unmanaged_clustername": True,
        "unmanaged_boot": True,
        "job_msname": True,
    },
}


def get_profile(name: str) -> dict[str, Any]:
    if name not in PROFILES:
        raise ValueError(f"profile '{name}' is unknown. Fix: use one of {', '.join(PROFILES)}")
    return {"name": name, **PROFILES[name]}
