"""Property tests (hypothesis) for the planner: invariants over many generated inputs."""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._planner.build import build_import_plan, flatten_params
from ansible_collections.acs.ingest.plugins.module_utils._planner.disks import plan_disks
from ansible_collections.acs.ingest.plugins.module_utils._planner.hostname import is_valid_hostname, repair_hostname
from ansible_collections.acs.ingest.plugins.module_utils._planner.inputs import parse_catalog
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import GIB, Findings
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Bounded so the whole file stays well under a few seconds on the shared 2-core machine.
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CLOUDSTACK_RULE = re.compile(r"^(?![0-9-])[a-zA-Z0-9-]{1,63}(?<!-)$")


@FAST
@given(st.text(max_size=120))
def test_repaired_hostname_is_always_valid_and_stable(value: str) -> None:
    repaired, reasons = repair_hostname(value)
    assert CLOUDSTACK_RULE.match(repaired)
    assert is_valid_hostname(repaired)
    assert repair_hostname(repaired) == (repaired, [])
    assert (repaired == value) == (not reasons)


KEY = st.from_regex(r"[a-z][a-zA-Z]{0,8}", fullmatch=True)
SCALAR = st.one_of(st.text(max_size=10), st.integers(-5, 10**6), st.booleans())
PARAMS = st.dictionaries(
    KEY,
    st.one_of(SCALAR, st.lists(st.dictionaries(KEY, SCALAR, min_size=1, max_size=3), min_size=1, max_size=4)),
    max_size=6,
)


def unflatten(flat: dict[str, str]) -> dict[str, Any]:
    """Independent reader of the wire form, as CloudStack's map parameter parsing sees it."""
    result: dict[str, Any] = {}
    for key, value in flat.items():
        match = re.fullmatch(r"(\w+)\[(\d+)\]\.(\w+)", key)
        if match:
            entries = result.setdefault(match.group(1), {})
            entries.setdefault(int(match.group(2)), {})[match.group(3)] = value
        else:
            result[key] = value
    return {k: [v[i] for i in sorted(v)] if isinstance(v, dict) else v for k, v in result.items()}


def as_wire(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [{k: as_wire(v) for k, v in entry.items()} for entry in value]
    return str(value)


@FAST
@given(PARAMS)
def test_flatten_round_trips_through_an_independent_reader(params: dict[str, Any]) -> None:
    assert unflatten(flatten_params(params)) == {key: as_wire(value) for key, value in params.items()}


SIZES = st.integers(1, 2000)


@FAST
@given(st.integers(1, 600 * GIB), st.lists(SIZES, min_size=1, max_size=8, unique=True))
def test_smallest_fit_is_the_smallest_offering_not_below_the_disk(capacity: int, sizes: list[int]) -> None:
    findings = Findings()
    offerings = [{"id": f"o{size}", "name": f"O{size}", "disksize": size} for size in sizes]
    disks = [
        {"id": "0", "capacity": GIB, "controller": "virtio"},
        {"id": "1", "capacity": capacity, "controller": "virtio"},
    ]
    result = plan_disks(
        {"disk": disks},
        Wishes.from_mapping({"disk_offering_policy": "smallest_fit"}),
        parse_catalog({"disk_offerings": offerings}),
        findings,
    )
    fitting = [size for size in sizes if size * GIB >= capacity]
    if fitting:
        assert result == [{"disk": "1", "diskOffering": f"o{min(fitting)}"}]
        assert findings.problems == []
    else:
        assert result == [] and [p.code for p in findings.problems] == ["disk_no_fit"]


JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 300), st.text(max_size=8)),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)
FIELDS = ["name", "powerstate", "cpunumber", "memory", "cpuspeed", "disk", "nic", "clusterid"]
WISH_FIELDS = [
    "template",
    "service_offering",
    "nic_networks",
    "nic_ips",
    "disk_offerings",
    "disk_offering_policy",
    "details",
    "forced",
    "migrate_allowed",
    "hostname",
    "displayname",
    "root_disk",
    "account",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.sampled_from(FIELDS), JSONISH, max_size=8),
    st.dictionaries(st.sampled_from(WISH_FIELDS), JSONISH, max_size=8),
    st.dictionaries(
        st.sampled_from(["networks", "service_offerings", "disk_offerings", "templates", "macs_in_use"]),
        JSONISH,
        max_size=5,
    ),
    st.booleans(),
)
def test_any_input_gives_a_plan_never_an_exception(
    instance: dict[str, Any], wishes: dict[str, Any], catalog: dict[str, Any], for_import_vm: bool
) -> None:
    plan = build_import_plan(instance, Wishes.from_mapping(wishes), catalog, zone_id="z", for_import_vm=for_import_vm)
    assert plan.ok == (not plan.problems)
    assert CLOUDSTACK_RULE.match(plan.params["hostname"])
    for line in plan.problem_lines():
        assert ". Fix: " in line and len(line.splitlines()) == 1
    flatten_params(plan.params)
