# ruff: noqa: E501  (CloudStack's messages are compared verbatim; splitting them would hide what is expected)
"""importUnmanagedInstance: the management server's rules, one test per rule (and per release where it differs).

Expected texts and codes are CloudStack's (server-rules.md, checked against UnmanagedVMsManagerImpl and the
classes it calls); the domains are test-driver domains (server_bed), so the rules cost no QEMU.
"""

from __future__ import annotations

from typing import Any

import pytest

from acs_simulator.fixtures import SimApiError

from .helpers import ids, import_params
from .server_bed import POOL, Dom, dom, fail, ok, seq

rule = pytest.mark.rule
GIB = 1024**3

DOMAINS = [
    dom("h3s-basic"),
    dom("h3s-ok1"),
    dom("h3s-ok2"),
    dom("h3s-ok3"),
    dom("h3s-ok4"),
    dom("h3s-ok5"),
    dom("h3s-ok6"),
    dom("h3s-ok7"),
    dom("h3s-two-vcpu", vcpus=2),
    dom("h3s-notune", shares=None),
    dom("h3s-nodisk", disks=0),
    dom("h3s-twodisks", disks=2),
    dom(
        "h3s-mixed",
        disk_specs=(
            (f"{POOL}/m0.qcow2", 1, "virtio"),
            (f"{POOL}/m1.qcow2", 1, "virtio"),
            (f"{POOL}/m2.qcow2", 1, "scsi"),
        ),
    ),
    dom("h3s-elsewhere", disk_specs=(("/var/lib/acs-ingest-sim/elsewhere/x.qcow2", 1, "virtio"),)),
    dom("h3s-subdir", disk_specs=((f"{POOL}/sub/x.qcow2", 1, "virtio"),)),
    dom("h3s-ancestor", disk_specs=(("/var/lib/acs-ingest-sim/anc.qcow2", 1, "virtio"),)),
    dom(
        "h3s-twonics",
        nics=2,
        nic_specs=(("52:54:00:aa:00:01", "cloudbr0", "virtio"), ("52:54:00:aa:00:02", "cloudbr0", "e1000")),
    ),
    dom("h3s-vlan77", nic_specs=(("52:54:00:aa:00:77", "cloudbr1", "virtio"),)),
    dom("h3s-mac1", nic_specs=(("52:54:00:aa:01:01", "cloudbr0", "virtio"),)),
    dom("h3s-mac2", nic_specs=(("52:54:00:aa:01:01", "cloudbr0", "virtio"),)),
    dom(
        "h3s-uefi",
        os_xml="<os><type arch='x86_64'>hvm</type><loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.secboot.fd</loader></os>",
    ),
    Dom(
        "h3s-bad_name", disks=((f"{POOL}/bad.qcow2", 1, "virtio"),), nics=(("52:54:00:aa:02:01", "cloudbr0", "virtio"),)
    ),
    dom("h3s-managed"),
    dom("h3s-block", disk_specs=(("/var/lib/acs-ingest-sim/blk/lv0", 1, "virtio"),)),
    dom("h3s-maint"),
]


@pytest.fixture(scope="module")
def bed(server_bed_factory):  # type: ignore[no-untyped-def]
    return server_bed_factory(DOMAINS)


@pytest.fixture(scope="module")
def s422(bed):  # type: ignore[no-untyped-def]
    return bed.sim("4.22")


# --- caller, owner, parameters ----------------------------------------------------------------------------
@rule("caller_not_root_admin")
def test_user_key_cannot_import(bed) -> None:
    sim = bed.sim("4.22")
    request = import_params(ids(sim), "h3s-basic")
    sim.api_key, sim.api_secret = "acs-sim-user1-apikey", "acs-sim-user1-secretkey"
    with pytest.raises(SimApiError) as err:
        sim.call("importUnmanagedInstance", **request)
    assert err.value.status == 432  # the command's authorized roles: the API layer refuses before any job


@rule("import_name_empty", "domain_without_account")
def test_name_and_domain_without_account(s422) -> None:
    i = ids(s422)
    code, text = fail(s422, "importUnmanagedInstance", **import_params(i, ""))
    assert (code, text) == (431, "Unable to execute API command importunmanagedinstance due to missing parameter name")
    domain = s422.first("listDomains", "domain")["id"]
    assert fail(s422, "importUnmanagedInstance", **import_params(i, "h3s-basic", domainid=domain)) == (
        431,
        "domainid parameter must be specified with account parameter",
    )


@rule("account_without_domain", "owner_account_not_found", "project_not_found")
def test_owner_resolution_is_synchronous(s422) -> None:
    i = ids(s422)
    domain = s422.first("listDomains", "domain")["id"]
    for extra, text in (
        ({"account": "admin"}, "Account must be specified with domainId parameter"),
        (
            {"account": "nobody", "domainid": domain},
            "Unable to find account by name nobody in domain with specified id",
        ),
    ):
        with pytest.raises(SimApiError) as err:
            s422.call("importUnmanagedInstance", **import_params(i, "h3s-basic", **extra))
        assert (err.value.status, err.value.errortext) == (431, text)
    with pytest.raises(SimApiError) as err:
        s422.call(
            "importUnmanagedInstance", **import_params(i, "h3s-basic", projectid="00000000-0000-0000-0000-0000000000aa")
        )
    assert err.value.status == 431 and "Invalid parameter projectid value=" in err.value.errortext


@rule("owner_inactive", "project_inactive")
@pytest.mark.parametrize("version", ["4.19", "4.22"])
def test_disabled_account_and_suspended_project(bed, version: str) -> None:
    def tweak(seed: dict[str, Any]) -> None:
        seed["accounts"][1]["state"] = "disabled"
        seed["projects"] = [{"name": "p-suspended", "state": "Suspended"}]

    sim = bed.sim(version, tweak)
    i = ids(sim)
    domain = sim.first("listDomains", "domain")["id"]
    with pytest.raises(SimApiError) as err:
        sim.call("importUnmanagedInstance", **import_params(i, "h3s-basic", account="user1", domainid=domain))
    assert err.value.status == 531
    assert err.value.errortext.startswith("Can't add resources to the account ")
    assert err.value.errortext.endswith("in state=disabled as it's no longer active")
    assert ("id=" in err.value.errortext) == (version == "4.19")  # 4.21+ print the AccountVO
    project = next(p for p in sim.store().all("project") if p["name"] == "p-suspended")["id"]
    with pytest.raises(SimApiError) as err:
        sim.call("importUnmanagedInstance", **import_params(i, "h3s-basic", projectid=project))
    assert (err.value.status, err.value.errortext) == (
        531,
        "Can't add resources to the project with specified projectId in state=Suspended as it's no longer active",
    )


@rule("account_overrides_project")
def test_account_wins_over_project(bed) -> None:
    sim = bed.sim("4.22", lambda s: s.__setitem__("projects", [{"name": "p1"}]))
    i = ids(sim)
    domain = sim.first("listDomains", "domain")["id"]
    project = next(p for p in sim.store().all("project") if p["name"] == "p1")["id"]
    vm = ok(
        sim,
        "importUnmanagedInstance",
        **import_params(i, "h3s-ok1", account="admin", domainid=domain, projectid=project),
    )
    assert vm["account"] == "admin"


@rule("offering_not_accessible", "service_offering_not_found", "template_not_found")
def test_offering_and_template_lookups(bed) -> None:
    sim = bed.sim("4.22")
    i = ids(sim)
    store = {o["name"]: o for o in sim.store().all("serviceoffering")}
    sim.admin_put("serviceoffering", dict(store["small-1c-128m"], zoneid="00000000-0000-0000-0000-00000000dead"))
    code, text = fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", offering="small-1c-128m"))
    assert code == 530 and text.startswith("There's no way to confirm ") and " has access to Service offering " in text
    sim.admin_put("serviceoffering", dict(store["tiny-1c-64m"], removed="2025-01-01T00:00:00+0000"))
    assert fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-basic")) == (
        431,
        f"Service offering ID: {store['tiny-1c-64m']['_seq']} cannot be found",
    )
    template = next(t for t in sim.store().all("template") if t["name"] == "kvm-template")
    sim.admin_put("template", dict(template, removed="2025-01-01T00:00:00+0000"))
    assert fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", offering="custom-constrained")) == (
        431,
        f"Template ID: {template['_seq']} cannot be found",
    )


# --- cluster and lookup -----------------------------------------------------------------------------------
@rule("cluster_not_found_or_unsupported")
def test_cluster_hypervisor(bed) -> None:
    sim = bed.sim("4.22", lambda s: s["zones"][0]["clusters"].append({"name": "xen", "hypervisor": "XenServer"}))
    i = ids(sim)
    xen = next(c["id"] for c in sim.call("listClusters")["cluster"] if c["name"] == "xen")
    assert fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", clusterid=xen)) == (
        431,
        "VM import is currently not supported for hypervisor [XenServer].",
    )


@rule("cluster_not_enabled")
@pytest.mark.parametrize("version", ["4.19", "4.19.2", "4.20", "4.20.1", "4.21", "4.22"])
def test_disabled_cluster(bed, version: str) -> None:
    sim = bed.sim(version, lambda s: s["zones"][0]["clusters"][0].__setitem__("allocationstate", "Disabled"))
    i = ids(sim)
    code, text = fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-nosuchdomain"))
    if version in ("4.19", "4.20"):  # no check before 37eec06166 (4.19.2, 4.20.1, 4.21)
        assert text.startswith("Failed to find unmanaged vm with name: h3s-nosuchdomain")
    else:
        assert (code, text) == (
            431,
            f'Cluster [Cluster {{id: "{seq(sim, "cluster", i["cluster"])}", name: "cluster1", uuid: "{i["cluster"]}"}}] is not enabled.',
        )


@rule("vm_not_found_in_cluster", "managed_instance_name", "agent_answer_failed")
def test_lookup_and_managed_names(s422) -> None:
    i = ids(s422)
    assert fail(s422, "importUnmanagedInstance", **import_params(i, "h3s-none")) == (
        530,
        f"Failed to find unmanaged vm with name: h3s-none in cluster: {i['cluster']}",
    )
    # a CloudStack VM (any state, not removed) whose last host is in the cluster hides a domain of its instance name
    s422.admin_put("vm", {"name": "x", "instancename": "h3s-managed", "state": "Stopped", "lasthostid": i["host"],
                          "zoneid": i["zone"], "account": "admin"})  # fmt: skip
    names = {u["name"] for u in s422.call("listUnmanagedInstances", clusterid=i["cluster"])["unmanagedinstance"]}
    assert "h3s-managed" not in names and "h3s-basic" in names
    assert fail(s422, "importUnmanagedInstance", **import_params(i, "h3s-managed"))[1].startswith(
        "Failed to find unmanaged vm"
    )
    # name= must be exact: another case makes the agent's answer fail, so nothing is listed
    assert s422.call("listUnmanagedInstances", clusterid=i["cluster"], name="H3S-BASIC") == {}


@rule("host_not_up_or_in_maintenance", "name_and_keyword_filters")
def test_host_maintenance_and_keyword(bed) -> None:
    sim = bed.sim("4.22")
    i = ids(sim)
    found = sim.call("listUnmanagedInstances", clusterid=i["cluster"], keyword="H3S-MAINT")["unmanagedinstance"]
    assert [u["name"] for u in found] == ["h3s-maint"]  # keyword: lower-cased substring
    host = sim.store().all("host")[0]
    sim.admin_put("host", dict(host, resourcestate="PrepareForMaintenance"))
    assert sim.call("listUnmanagedInstances", clusterid=i["cluster"]) == {}


# --- template ---------------------------------------------------------------------------------------------
@rule("template_required_kvm")
@pytest.mark.parametrize("version", ["4.19", "4.20", "4.20.2", "4.21", "4.22"])
def test_import_without_template(bed, version: str) -> None:
    sim = bed.sim(version)
    i = ids(sim)
    code, text = fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", templateid=None))
    if version in ("4.20.2", "4.22"):  # the KVM dummy is created removed; commitUserVm cannot find it
        assert code == 431 and text.startswith("Unable to look up template by id ")
        # once the .iso dummy exists (an older release or a VMware import made it), it is refused as before
        sim.admin_put("template", {"name": "system-default-vm-import-dummy-template.iso", "format": "ISO"})
        code, text = fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", templateid=None))
    assert (code, text) == (431, "Template is needed and unable to use default template for hypervisor KVM")


@rule("root_disk_smaller_than_template", "template_properties_applied", "instance_name_kept")
def test_template_size_and_properties(bed) -> None:
    big_size = 2 * 1024 * GIB  # test-driver disks are ~1 TiB: rootdisksize comes out as 1024 GB
    sim = bed.sim(
        "4.22",
        lambda s: s["templates"].append({"name": "big", "size": big_size, "ostype": "Debian GNU/Linux 12 (64-bit)"}),
    )
    i = ids(sim)
    big = next(t["id"] for t in sim.call("listTemplates", templatefilter="all")["template"] if t["name"] == "big")
    assert fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", templateid=big)) == (
        431,
        f"Unsupported: rootdisksize override (1024 GB) is smaller than template size (2.0000 TB) {big_size}",
    )
    sim.admin_put("template", dict(next(t for t in sim.store().all("template") if t["name"] == "big"), size=GIB))
    vm = ok(sim, "importUnmanagedInstance", **import_params(i, "h3s-ok2", templateid=big))
    assert vm["osdisplayname"] == "Debian GNU/Linux 12 (64-bit)" and vm["instancename"] == "h3s-ok2"


# --- service offering vs the VM ---------------------------------------------------------------------------
def _offering_wrapper(text: str) -> str:
    """The inner reason of importVirtualMachineInternal's "... is not compatible due to [<reason>]."."""
    assert (
        text.startswith("Failed to import Unmanaged VM [")
        and text.endswith("].")
        and "is not compatible due to [" in text
    ), text
    return text[text.index("is not compatible due to [") + len("is not compatible due to [") : -2]


@rule("offering_cpu_mismatch_running", "offering_memory_mismatch_running")
def test_fixed_offering_against_running_vm(s422) -> None:
    i = ids(s422)
    code, text = fail(s422, "importUnmanagedInstance", **import_params(i, "h3s-two-vcpu"))
    assert code == 530 and _offering_wrapper(text) == (
        f"Service offering ({i['tiny-1c-64m']}) 1 CPU cores do not match VM CPU cores 2 and VM is not in powered off "
        "state (Power state: PowerOn)"
    )
    code, text = fail(s422, "importUnmanagedInstance", **import_params(i, "h3s-basic", offering="small-1c-128m"))
    assert code == 530 and _offering_wrapper(text).startswith(f"Service offering ({i['small-1c-128m']}) 128MB memory")


@rule("offering_cpuspeed_mismatch", "details_stored_on_fixed_offering")
def test_kvm_never_compares_cpu_speed(bed) -> None:
    sim = bed.sim("4.22")
    i = ids(sim)  # tiny-1c-64m runs at 500 MHz; the domain's shares say 500 per vCPU too, details say 4 vCPUs
    vm = ok(sim, "importUnmanagedInstance", **import_params(i, "h3s-ok3", **{"details[0].cpuNumber": "4"}))
    assert vm["cpunumber"] == 1 and vm["cpuspeed"] == 500
    stored = next(v for v in sim.store().all("vm") if v["id"] == vm["id"])
    assert stored["details"]["cpuNumber"] == "4"  # kept as a VM detail, the offering decides the size


@rule("custom_offering_cpu_out_of_range", "custom_offering_memory_out_of_range")
def test_custom_offering_ranges(bed) -> None:
    def tweak(seed: dict[str, Any]) -> None:
        seed["serviceofferings"].append({"name": "mem-16-32", "customized": True, "minmemory": 16, "maxmemory": 32})
        seed["configurations"].append({"name": "vm.serviceoffering.cpu.cores.max", "value": "1"})

    sim = bed.sim("4.22", tweak)
    i = ids(sim)
    code, text = fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-two-vcpu", offering="custom-constrained"))
    assert _offering_wrapper(text) == "Invalid cpu cores value, specify a value between 1 and 1"  # min(cap, max)
    code, text = fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", offering="mem-16-32"))
    assert _offering_wrapper(text) == "Invalid memory value, specify a value between 16 and 32"


@rule("custom_offering_partly_fixed", "custom_offering_cpuspeed_missing")
def test_custom_offering_shape(bed) -> None:
    sim = bed.sim(
        "4.22",
        lambda s: s["serviceofferings"].append(
            {"name": "cpu-fixed", "customized": True, "cpunumber": 1, "cpuspeed": 500}
        ),
    )
    i = ids(sim)
    text = fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", offering="cpu-fixed"))[1]
    assert _offering_wrapper(text) == (
        f"The cpu cores of this offering id:{i['cpu-fixed']} is not customizable. This is predefined in the template."
    )
    # no <cputune>: no cpuspeed listed, no details: the open speed cannot be filled
    text = fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-notune", offering="custom-unconstrained"))[1]
    assert _offering_wrapper(text) == "Invalid cpu speed value, specify a value between 1 and 2147483647"


@rule("details_cpuspeed_malformed", "details_numeric_malformed", "details_only_first_entry")
def test_details_as_java_ints(bed) -> None:
    sim = bed.sim("4.22")
    i = ids(sim)
    # no fixed speed: a malformed cpuSpeed is only logged, the VM's speed (shares / vCPUs) is used and stored
    vm = ok(sim, "importUnmanagedInstance", **import_params(i, "h3s-ok4", offering="custom-unconstrained",
                                                     **{"details[0].cpuSpeed": "2 GHz", "details[1].memory": "x"}))  # fmt: skip
    assert vm["cpuspeed"] == 500
    # a fixed offering keeps the string and commitUserVm's Integer.parseInt fails on it
    assert fail(
        sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", **{"details[0].cpuSpeed": "2 GHz"})
    ) == (
        530,
        'For input string: "2 GHz"',
    )
    assert fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", **{"details[0].memory": "+64x"})) == (
        530,
        'For input string: "+64x"',
    )
    code, text = fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", **{"details[0].minIops": "lots"}))
    assert (code, text) == (530, 'Failed to import volumes while importing vm: h3s-basic. For input string: "lots"')
    assert "h3s-basic" not in {v["instancename"] for v in sim.store().all("vm")}  # cleaned up


@rule("vm_cpu_or_memory_zero", "offering_overrides_powered_off_vm")
def test_offering_rules_libvirt_cannot_reach(tmp_path) -> None:
    """A listed domain is always running with vCPUs and memory: the rule itself, in process."""
    from acs_simulator.commands import offerings
    from acs_simulator.errors import ApiError
    from acs_simulator.fixtures import EMBEDDED_SEED
    from acs_simulator.sim import Simulator

    sim = Simulator(tmp_path / "db.sqlite", EMBEDDED_SEED, "4.22")
    try:
        fixed = next(o for o in sim.store.all("serviceoffering") if o["name"] == "small-1c-128m")
        with pytest.raises(ApiError) as err:
            offerings.offering_for_vm(
                sim, {"name": "v", "cpunumber": 0, "memory": 64, "powerstate": "PowerOn"}, fixed, {}
            )
        assert err.value.text == "CPU cores [0] is not valid for importing VM [v]."
        with pytest.raises(ApiError) as err:
            offerings.offering_for_vm(
                sim, {"name": "v", "cpunumber": 1, "memory": None, "powerstate": "PowerOn"}, fixed, {}
            )
        assert err.value.text == "Memory [None] is not valid for importing VM [v]."
        off = {"name": "v", "cpunumber": 4, "memory": 4096, "powerstate": "PowerOff"}
        assert offerings.offering_for_vm(sim, off, fixed, {}) == {"cpunumber": 1, "memory": 128, "cpuspeed": 500}
    finally:
        sim.close()


# --- host tags and migrateallowed ------------------------------------------------------------------------
def _tagged(seed: dict[str, Any], strict: bool) -> None:
    seed["serviceofferings"].append(
        {"name": "gpu-1c-64m", "cpunumber": 1, "cpuspeed": 500, "memory": 64, "hosttags": "gpu"}
    )
    if strict:
        seed["configurations"].append({"name": "vm.strict.host.tags", "value": "gpu"})


@rule("host_tags_incompatible", "import_migration_failed")
@pytest.mark.parametrize("version", ["4.19", "4.22"])
def test_host_tags(bed, version: str) -> None:
    sim = bed.sim(version, lambda s: _tagged(s, strict=False))
    i = ids(sim)
    p = import_params(i, "h3s-ok5", offering="gpu-1c-64m")
    if version == "4.19":  # HostVO.checkHostServiceOfferingTags: every offering tag must be on the host
        assert fail(sim, "importUnmanagedInstance", **p) == (
            431,
            f"Service offering: {i['gpu-1c-64m']} is not compatible with host: {i['host']} of unmanaged VM: h3s-ok5",
        )
        code, text = fail(sim, "importUnmanagedInstance", **p, migrateallowed="true")
        assert (code, text) == (
            530,
            "VM import failed for unmanaged vm: h3s-ok5 during vm migration, no deployment destination found",
        )
        return
    assert ok(sim, "importUnmanagedInstance", **p)["instancename"] == "h3s-ok5"  # 4.20+: strict tags only (none)
    strict = bed.sim(version, lambda s: _tagged(s, strict=True))
    j = ids(strict)
    assert fail(strict, "importUnmanagedInstance", **import_params(j, "h3s-ok6", offering="gpu-1c-64m")) == (
        431,
        f"Service offering: {j['gpu-1c-64m']} or template: {j['template']} is not compatible with host: {j['host']} "
        "of unmanaged VM: h3s-ok6",
    )


# --- disks, offerings, pools -------------------------------------------------------------------------------
@rule("no_disks", "datadisk_mapping_count_mismatch", "root_disk_ambiguous", "disk_offering_mapping_invalid")
def test_disk_mappings(s422) -> None:
    i = ids(s422)
    assert fail(s422, "importUnmanagedInstance", **import_params(i, "h3s-nodisk")) == (
        530,
        "No attached disks found for the unmanaged VM: h3s-nodisk",
    )
    assert fail(s422, "importUnmanagedInstance", **import_params(i, "h3s-twodisks")) == (
        530,
        "VM has total 2 disks for which 0 disk offering mappings provided. 1 disks need a disk offering for import",
    )
    wrong = {"datadiskofferinglist[0].disk": "5", "datadiskofferinglist[0].diskOffering": i["custom-size"]}
    assert fail(s422, "importUnmanagedInstance", **import_params(i, "h3s-twodisks", **wrong)) == (
        530,
        "VM has total 2 disks, disk offering mapping not provided for 1 disks. Disk IDs that may need a disk offering - 0, 1",
    )
    bogus = {
        "datadiskofferinglist[0].disk": "1",
        "datadiskofferinglist[0].diskOffering": "00000000-0000-0000-0000-00000000beef",
    }
    assert fail(s422, "importUnmanagedInstance", **import_params(i, "h3s-twodisks", **bogus)) == (
        431,
        "Disk offering ID: 00000000-0000-0000-0000-00000000beef for disk ID: 1 is invalid",
    )


@rule(
    "disk_size_invalid",
    "data_disk_offering_fixed_size_zero",
    "data_disk_offering_too_small",
    "data_disk_controllers_mixed",
)
def test_data_disk_sizes_and_controllers(bed) -> None:
    sim = bed.sim(
        "4.22",
        lambda s: s["diskofferings"].extend([{"name": "zero", "disksize": 0}, {"name": "two-tb", "disksize": 2048}]),
    )
    i = ids(sim)

    def data(offering: str, disk: str = "1") -> dict[str, str]:
        return {"datadiskofferinglist[0].disk": disk, "datadiskofferinglist[0].diskOffering": i[offering]}

    assert fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-twodisks", **data("zero"))) == (
        530,
        f"Size of fixed disk offering(ID: {i['zero']}) is found invalid during VM import",
    )
    assert fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-twodisks", **data("fixed-1g"))) == (
        530,  # test-driver disks are ~1 TiB; the offering 1 GiB
        f"Size of disk offering(ID: {i['fixed-1g']}) 1GB is found less than the size of disk(ID: 1) 1023GB during VM import",
    )
    mixed = {**data("two-tb"), "datadiskofferinglist[1].disk": "2", "datadiskofferinglist[1].diskOffering": i["two-tb"]}
    assert fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-mixed", **mixed)) == (
        530,
        "Multiple data disk controllers of different type (virtio, scsi) are not supported for import. Please make sure "
        "that all data disk controllers are of the same type",
    )
    from acs_simulator.commands import pools

    with pytest.raises(Exception) as err:  # a listed disk always has a capacity from libvirt: the rule in process
        pools.check_disk(None, {"accounttype": 1}, {"id": "0", "capacity": 0}, None, None, {}, {}, False)  # type: ignore[arg-type]
    assert str(err.value) == "Size of disk(ID: 0) is found invalid during VM import"


@rule("disk_outside_storage_pools", "disk_pool_wrong_match", "volume_format_recorded_qcow2")
def test_storage_pool_matching(s422) -> None:
    i = ids(s422)
    for name, directory in (("h3s-elsewhere", "/var/lib/acs-ingest-sim/elsewhere"), ("h3s-subdir", f"{POOL}/sub")):
        assert fail(s422, "importUnmanagedInstance", **import_params(i, name)) == (
            530,
            f"Storage pool for disk vda(0) with datastore: {directory} not found in zone ID: {i['zone']}",
        )
    # a disk in an ancestor directory of pool1's path still "matches" pool1 (StringUtils.contains on the path)
    vm = ok(s422, "importUnmanagedInstance", **import_params(i, "h3s-ancestor"))
    [vol] = s422.call("listVolumes", virtualmachineid=vm["id"])["volume"]
    assert vol["storageid"] == i["pool1"] and vol["path"] == "anc.qcow2"
    assert next(v for v in s422.store().all("volume") if v["id"] == vol["id"])["format"] == "QCOW2"


@rule("storage_tags_incompatible")
@pytest.mark.parametrize("version", ["4.19", "4.22"])
def test_storage_tags(bed, version: str) -> None:
    sim = bed.sim(version, lambda s: s["diskofferings"].append({"name": "ssd", "disksize": 2048, "tags": "ssd"}))
    i = ids(sim)
    p = import_params(
        i, "h3s-twodisks", **{"datadiskofferinglist[0].disk": "1", "datadiskofferinglist[0].diskOffering": i["ssd"]}
    )
    if version == "4.19":  # pool matched without tags, then the data disk's offering is checked (431)
        assert fail(sim, "importUnmanagedInstance", **p) == (
            431,
            f"Disk offering: {i['ssd']} is not compatible with storage pool: {i['pool1']} of unmanaged disk: 1",
        )
    else:  # 4.19.2+/4.20.1+: the tag fit is part of the pool match, whatever migrateallowed says
        expected = (530, f"Storage pool for disk vdb(1) with datastore: {POOL} not found in zone ID: {i['zone']}")
        assert fail(sim, "importUnmanagedInstance", **p) == expected
        assert fail(sim, "importUnmanagedInstance", **p, migrateallowed="true") == expected


@rule("storage_tags_incompatible")
def test_storage_tags_count_repeats(bed) -> None:
    # CollectionUtils.isSubCollection: the offering's "ssd,ssd" is not a sub-collection of pool1's one "ssd"
    def tweak(seed: dict[str, Any]) -> None:
        seed["zones"][0]["storagepools"][0]["tags"] = "ssd"
        seed["diskofferings"].append({"name": "ssd-twice", "disksize": 2048, "tags": "ssd,ssd"})

    sim = bed.sim("4.22", tweak)
    i = ids(sim)
    p = import_params(
        i,
        "h3s-twodisks",
        **{"datadiskofferinglist[0].disk": "1", "datadiskofferinglist[0].diskOffering": i["ssd-twice"]},
    )
    expected = (530, f"Storage pool for disk vdb(1) with datastore: {POOL} not found in zone ID: {i['zone']}")
    assert fail(sim, "importUnmanagedInstance", **p) == expected


# --- limits ------------------------------------------------------------------------------------------------
def _user1_limits(**limits: int) -> Any:
    def tweak(seed: dict[str, Any]) -> None:
        seed["accounts"][1]["limits"] = limits

    return tweak


@rule("vm_limit_exceeded")
def test_vm_limit(bed) -> None:
    sim = bed.sim("4.22", _user1_limits(user_vm=0))
    i = ids(sim)
    user1 = next(a for a in sim.store().all("account") if a["name"] == "user1")
    p = import_params(i, "h3s-basic", account="user1", domainid=user1["domainid"])
    code, text = fail(sim, "importUnmanagedInstance", **p)
    assert code == 530 and text.startswith(
        f"VM resource allocation error for account: {user1['id']}. Maximum amount of resources of Type = 'user_vm'"
    )


@rule("volume_limit_exceeded", "primary_storage_limit_exceeded", "cpu_memory_limit_exceeded")
@pytest.mark.parametrize("version", ["4.19", "4.22"])
def test_volume_and_cpu_limits(bed, version: str) -> None:
    sim = bed.sim(version, _user1_limits(volume=0, cpu=0))
    i = ids(sim)
    user1 = next(a for a in sim.store().all("account") if a["name"] == "user1")
    code, text = fail(
        sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", account="user1", domainid=user1["domainid"])
    )
    if version == "4.19":  # CPU/memory limits inside the offering check; no volume limit of this kind
        assert code == 530 and "Maximum amount of resources of Type = 'cpu'" in _offering_wrapper(text)
    else:  # 4.20+: no CPU/memory limit on import; volumes and primary storage counted per owner
        assert code == 530 and text.startswith(
            f"Volume resource allocation error for owner: {user1['id']}. Maximum amount of resources of Type = 'volume', tag = 'null'"
        )
    storage = bed.sim(version, _user1_limits(primary_storage=1))
    j = ids(storage)
    code, text = fail(
        storage, "importUnmanagedInstance", **import_params(j, "h3s-basic", account="user1", domainid=user1["domainid"])
    )
    if version == "4.22":
        assert "Type = 'primary_storage'" in text
    else:
        assert "primary_storage" not in text  # 4.19 does not count primary storage on import


# --- hostname ----------------------------------------------------------------------------------------------
@rule("hostname_invalid", "hostname_default_invalid", "hostname_in_use_on_network")
def test_hostnames(s422) -> None:
    i = ids(s422)
    assert fail(s422, "importUnmanagedInstance", **import_params(i, "h3s-bad_name")) == (
        431,
        "Please provide a valid hostname for the VM. VM name contains unsupported characters that cannot be used as hostname.",
    )
    code, text = fail(s422, "importUnmanagedInstance", **import_params(i, "h3s-basic", hostname="1web"))
    assert code == 431 and text.startswith("Invalid VM hostname. VM hostname can contain ASCII letters 'a' through 'z'")
    ok(s422, "importUnmanagedInstance", **import_params(i, "h3s-ok7", hostname="web"))
    code, text = fail(s422, "importUnmanagedInstance", **import_params(i, "h3s-basic", hostname="web"))
    net = s422.store().all("network")
    l2 = next(n for n in net if n["id"] == i["l2-vlan100"])
    assert (code, text) == (
        431,
        f'VM with Name [web] already exists in the network [Network {{"id": {l2["_seq"]}, "name": "l2-vlan100", '
        f'"uuid": "{l2["id"]}", "networkofferingid": 1}}] domain [cs1cloud.internal]. Cannot import another VM with '
        "the same name. Please try again with a different name.",
    )


# --- NICs, networks, IPs, MACs -----------------------------------------------------------------------------
@rule(
    "nic_adapters_mixed",
    "nic_network_mapping_invalid",
    "nic_ip_mapping_invalid",
    "network_other_zone",
    "network_permission_denied",
)
def test_nic_mapping_checks(bed) -> None:
    def tweak(seed: dict[str, Any]) -> None:
        seed["zones"].append({"name": "zone2", "networks": [{"name": "l2-z2", "type": "L2", "vlan": 900}]})

    sim = bed.sim("4.22", tweak)
    i = ids(sim)
    two = {"nicnetworklist[1].nic": "1", "nicnetworklist[1].network": i["l2-vlan200"]}
    assert fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-twonics", **two)) == (
        530,
        "Multiple network adapter of different type (virtio, e1000) are not supported for import. Please make sure "
        "that all network adapters are of the same type",
    )
    assert fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", **{"nicnetworklist[0].nic": ""})) == (
        431,
        f"Network ID: {i['l2-vlan100']} for NIC ID:  is invalid",
    )
    auto = {"nicipaddresslist[0].nic": "0", "nicipaddresslist[0].ip4Address": "AUTO"}
    assert fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", network="isolated1", **auto)) == (
        431,
        "IP address 'AUTO' for NIC ID: 0 is invalid",  # the getter wants exactly "auto"
    )
    assert fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", network="l2-z2")) == (
        530,
        f"Network(ID: {i['l2-z2']}) for nic(ID: 0) belongs to a different zone than VM to be imported",
    )
    user1 = next(a for a in sim.store().all("account") if a["name"] == "user1")
    assert fail(
        sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", account="user1", domainid=user1["domainid"])
    ) == (
        530,
        f"Unable to use network with id= {i['l2-vlan100']}, permission denied",
    )


@rule("nic_network_unmapped", "nic_auto_mapped_wrong_network", "nic_vlan_not_checked_kvm")
@pytest.mark.parametrize("version", ["4.21", "4.22"])
def test_unmapped_nics(bed, version: str) -> None:
    sim = bed.sim(version)
    i = ids(sim)
    unmapped = import_params(i, "h3s-basic", network="l2-vlan100")
    del unmapped["nicnetworklist[0].nic"], unmapped["nicnetworklist[0].network"]
    if version == "4.22":  # untagged bridge: the 4.22 agent reports no VLAN at all, so no auto-mapping
        assert fail(sim, "importUnmanagedInstance", **unmapped) == (
            530,
            "Suitable network for nic(ID: 0) not found during VM import",
        )
    else:  # 4.21 agents report -1: the zone's first usable network is taken, whatever its VLAN
        vm = ok(sim, "importUnmanagedInstance", **unmapped)
        assert vm["nic"][0]["networkid"] == sim.call("listNetworks")["network"][0]["id"]
    # a NIC on VLAN 77 mapped to a VLAN-200 network: KVM compares no VLANs
    vm = ok(sim, "importUnmanagedInstance", **import_params(i, "h3s-vlan77", network="l2-vlan200"))
    assert vm["nic"][0]["networkid"] == i["l2-vlan200"]


@rule("ip_required_non_l2", "ip_outside_cidr", "ip_is_gateway", "ip_in_use", "ip_auto_no_free_address")
def test_ip_checks(bed) -> None:
    def tweak(seed: dict[str, Any]) -> None:
        seed["zones"][0]["networks"].append(
            {"name": "iso-tiny", "type": "Isolated", "gateway": "10.41.0.1", "netmask": "255.255.255.252"}
        )

    sim = bed.sim("4.22", tweak)
    i = ids(sim)

    def ip(value: str) -> dict[str, str]:
        return {"nicipaddresslist[0].nic": "0", "nicipaddresslist[0].ip4Address": value}

    assert fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", network="isolated1")) == (
        530,
        f"NIC(ID: 0) needs a valid IP address for it to be associated with network(ID: {i['isolated1']}). "
        "nicipaddresslist parameter of API can be used for this",
    )
    for bad in ("10.99.0.5", "10.40.0.1", "10.40.0.255"):
        assert fail(
            sim, "importUnmanagedInstance", **import_params(i, "h3s-basic", network="isolated1", **ip(bad))
        ) == (
            530,
            f"IP address {bad} for NIC(ID: 0) is not available in network(ID: {i['isolated1']})",
        )
    ok(sim, "importUnmanagedInstance", **import_params(i, "h3s-ok1", network="isolated1", **ip("10.40.0.50")))
    assert fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-ok2", network="isolated1", **ip("10.40.0.50")))[
        1
    ] == (f"IP address 10.40.0.50 for NIC(ID: 0) is not available in network(ID: {i['isolated1']})")
    ok(
        sim, "importUnmanagedInstance", **import_params(i, "h3s-ok3", network="iso-tiny", **ip("auto"))
    )  # takes 10.41.0.2
    code, text = fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-ok4", network="iso-tiny", **ip("auto")))
    net = next(n for n in sim.store().all("network") if n["name"] == "iso-tiny")
    assert (code, text) == (
        530,
        f"Failed to import NICs while importing vm: h3s-ok4. Unable to acquire Guest IP  address for network "
        f'Network {{"id": {net["_seq"]}, "name": "iso-tiny", "uuid": "{net["id"]}", "networkofferingid": 1}}',
    )


@rule("ip_outside_range", "ip_range_not_enforced")
@pytest.mark.parametrize("version", ["4.21", "4.20.2", "4.22"])
def test_shared_network_ranges(bed, version: str) -> None:
    sim = bed.sim(version)
    i = ids(sim)
    p = import_params(
        i,
        "h3s-ok5",
        network="shared-vlan300",
        **{"nicipaddresslist[0].nic": "0", "nicipaddresslist[0].ip4Address": "10.30.0.5"},
    )
    if version == "4.21":  # the CIDR allocator: an address outside the range .10-.200 is accepted
        assert ok(sim, "importUnmanagedInstance", **p)["nic"][0]["ipaddress"] == "10.30.0.5"
    else:  # 4.20.2/4.22: only a Free address of the network's IP ranges
        assert fail(sim, "importUnmanagedInstance", **p) == (
            530,
            "Failed to import NICs while importing vm: h3s-ok5. Cannot find a free IP to assign to VM NIC on network shared-vlan300",
        )
        auto = dict(p, **{"nicipaddresslist[0].ip4Address": "auto"})
        assert ok(sim, "importUnmanagedInstance", **auto)["nic"][0]["ipaddress"] == "10.30.0.10"


@rule("mac_in_use_not_forced", "mac_regenerated_forced")
@pytest.mark.parametrize("version", ["4.19", "4.19.1", "4.22"])
def test_mac_conflicts(bed, version: str) -> None:
    sim = bed.sim(version)
    i = ids(sim)
    ok(sim, "importUnmanagedInstance", **import_params(i, "h3s-mac1"))
    code, text = fail(sim, "importUnmanagedInstance", **import_params(i, "h3s-mac2"))
    net = next(n for n in sim.store().all("network") if n["id"] == i["l2-vlan100"])
    where = {
        "4.19": f"NIC with MAC address = 52:54:00:aa:01:01 exists on network with ID = {net['_seq']}",
        "4.19.1": f"NIC with MAC address 52:54:00:aa:01:01 exists on network with ID {net['id']}",
        "4.22": f'NIC with MAC address 52:54:00:aa:01:01 exists on network Network {{"id": {net["_seq"]}, "name": "l2-vlan100", "uuid": "{net["id"]}", "networkofferingid": 1}}',
    }[version]
    assert (code, text) == (
        530,
        f"Failed to import NICs while importing vm: h3s-mac2. {where} and forced flag is disabled",
    )
    vm = ok(sim, "importUnmanagedInstance", **import_params(i, "h3s-mac2", forced="true"))
    assert vm["nic"][0]["macaddress"] != "52:54:00:aa:01:01"


@rule("mac_invalid")
def test_mac_validity_in_process(tmp_path) -> None:
    """libvirt never lets a domain carry a malformed MAC; importNic's own check (4.19.1+), in process."""
    from acs_simulator.commands import nets
    from acs_simulator.errors import ApiError
    from acs_simulator.fixtures import EMBEDDED_SEED
    from acs_simulator.sim import Simulator

    for version, expected in (("4.19", None), ("4.22", "Invalid mac address: 52-54-00:aa:bb:cc")):
        sim = Simulator(tmp_path / f"{version}.sqlite", EMBEDDED_SEED, version)
        try:
            network = next(n for n in sim.store.all("network") if n["name"] == "l2-vlan100")
            vm = {"id": "v", "name": "v"}
            if expected is None:  # 4.19.0 stores whatever the agent reported
                nets.import_nic(sim, vm, {"macaddress": "52-54-00:aa:bb:cc"}, network, None, 0, False)
            else:
                with pytest.raises(ApiError) as err:
                    nets.import_nic(sim, vm, {"macaddress": "52-54-00:aa:bb:cc"}, network, None, 0, False)
                assert err.value.text == expected
                with pytest.raises(ApiError) as err:
                    nets.import_nic(sim, vm, {"macaddress": " "}, network, None, 0, False)
                assert err.value.text == "Mac address not specified"
        finally:
            sim.close()


# --- boot mode ---------------------------------------------------------------------------------------------
@rule("uefi_not_preserved")
@pytest.mark.parametrize(
    ("server", "agent", "detail"),
    [("4.21", "4.21", None), ("4.21", "4.22", "SECURE"), ("4.20.1", "4.22", None), ("4.22", "4.22", "SECURE")],
)
def test_uefi_detail(bed, server: str, agent: str, detail: str | None) -> None:
    sim = bed.sim(server, agent=agent)
    vm = ok(sim, "importUnmanagedInstance", **import_params(ids(sim), "h3s-uefi"))
    stored = next(v for v in sim.store().all("vm") if v["id"] == vm["id"])
    assert stored["details"].get("UEFI") == detail


@rule("disk_not_in_pool_root")
def test_block_disk_keeps_its_full_path(bed) -> None:
    def tweak(seed: dict[str, Any]) -> None:
        seed["zones"][0]["storagepools"].append(
            {"name": "blk", "path": "/var/lib/acs-ingest-sim/blk", "cluster": "cluster1"}
        )

    sim = bed.sim("4.22", tweak)
    vm = ok(sim, "importUnmanagedInstance", **import_params(ids(sim), "h3s-block"))
    [vol] = sim.call("listVolumes", virtualmachineid=vm["id"])["volume"]
    # importDisk records the file's base name; a block disk has none, so the full device path is kept
    assert vol["path"] == "/var/lib/acs-ingest-sim/blk/lv0"
