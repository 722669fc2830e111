"""The common instance shape and the filters."""

from __future__ import annotations

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import InputError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.domain_xml import RuntimeFacts, domain_to_instance
from ansible_collections.acs.ingest.plugins.module_utils._services.instance_info import (
    DISK_KEYS,
    INSTANCE_KEYS,
    NIC_KEYS,
    filter_instances,
    normalize,
)

# As CloudStack's listUnmanagedInstances answers (facts §1.8): Gson omits nulls, vlanid -1 on KVM.
LISTED = {
    "name": "i-2-6-VM",
    "clusterid": "c1",
    "hostid": "h1",
    "hostname": "kvm1",
    "powerstate": "PowerOn",
    "cpunumber": 1,
    "cpuspeed": 250,
    "cpucorepersocket": 1,
    "memory": 512,
    "disk": [{"id": "0", "label": "vda", "capacity": 8589934592, "controller": "virtio", "position": 0}],
    "nic": [{"id": "0", "macaddress": "02:01:00:CC:00:02", "adaptertype": "virtio", "vlanid": -1}],
}
XML = (
    "<domain><name>i-2-6-VM</name><cputune><shares>250</shares></cputune><devices>"
    "<disk type='file' device='disk'><driver type='qcow2'/><source file='/p/a'/><target dev='vda' bus='virtio'/></disk>"
    "<interface type='bridge'><mac address='02:01:00:cc:00:02'/><source bridge='cloudbr0'/><model type='virtio'/>"
    "<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></interface></devices></domain>"
)


def test_every_source_has_the_same_keys() -> None:
    listed = normalize(LISTED, "cloudstack")
    external = normalize({k: v for k, v in LISTED.items() if k != "cpunumber"}, "external")
    from_xml = normalize(
        domain_to_instance(XML, RuntimeFacts(state=1, running_vcpus=1, max_memory_kib=524288)), "libvirt"
    )
    for inst in (listed, external, from_xml):
        assert tuple(inst) == INSTANCE_KEYS
        assert all(tuple(d) == DISK_KEYS for d in inst["disk"])
        assert all(tuple(n) == NIC_KEYS for n in inst["nic"])
    assert [i["source"] for i in (listed, external, from_xml)] == ["cloudstack", "external", "libvirt"]
    # Missing keys are None, lists are lists, MACs lower case.
    assert listed["osid"] is None and listed["nic"][0]["ipaddresses"] == []
    assert listed["nic"][0]["macaddress"] == "02:01:00:cc:00:02"
    # CloudStack's own value is passed through, not reinterpreted.
    assert listed["nic"][0]["vlanid"] == -1
    assert listed["importable"] is True and from_xml["importable"] is True


def test_listed_vm_server_side_problems() -> None:
    mixed = dict(LISTED, nic=[*LISTED["nic"], {"id": "1", "macaddress": "02:00:00:00:00:09", "adaptertype": "e1000"}])
    inst = normalize(mixed, "cloudstack")
    assert inst["importable"] is False
    assert [p["code"] for p in inst["import_problems"]] == ["nic_adapters_mixed"]
    assert any("the NICs use models e1000, virtio" in b for b in inst["import_blockers"])
    no_disk = normalize(dict(LISTED, disk=[]), "cloudstack")
    assert [p["code"] for p in no_disk["import_problems"]] == ["no_disks"]
    # The server version decides: a MAC CloudStack cannot parse fails importNic from 4.19.1 on.
    bad_mac = dict(LISTED, nic=[dict(LISTED["nic"][0], macaddress="02:01:00:cc:00")])
    assert normalize(bad_mac, "cloudstack", (4, 19, 0))["importable"] is True
    assert [p["code"] for p in normalize(bad_mac, "cloudstack", (4, 19, 1))["import_problems"]] == ["mac_invalid"]
    # listVmsForImport never has cpunumber: not a problem for the external source.
    external = normalize({k: v for k, v in LISTED.items() if k != "cpunumber"}, "external")
    assert external["importable"] is True


INSTANCES = [
    {"name": "web-1", "powerstate": "PowerOn"},
    {"name": "web-2", "powerstate": "PowerOff"},
    {"name": "db-1", "powerstate": "PowerOn"},
    {"name": "xweb-1", "powerstate": "PowerUnknown"},
]


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({}, ["web-1", "web-2", "db-1", "xweb-1"]),
        ({"name": "web-1"}, ["web-1"]),
        ({"name": "web"}, []),
        ({"regex": "^web-"}, ["web-1", "web-2"]),
        ({"regex": "web"}, ["web-1", "web-2", "xweb-1"]),
        ({"powerstate": "PowerOn"}, ["web-1", "db-1"]),
        ({"powerstate": "poweroff"}, ["web-2"]),
        ({"regex": "-1$", "powerstate": "PowerOn"}, ["web-1", "db-1"]),
    ],
)
def test_filters(kwargs: dict, names: list[str]) -> None:
    assert [i["name"] for i in filter_instances(INSTANCES, **kwargs)] == names


def test_bad_filters_name_the_field() -> None:
    with pytest.raises(InputError) as err:
        filter_instances(INSTANCES, regex="(")
    assert err.value.field == "regex"
    with pytest.raises(InputError) as err:
        filter_instances(INSTANCES, powerstate="running")
    assert err.value.field == "powerstate" and "PowerOn" in str(err.value)
