"""external_vm_import's service against the in-memory CloudStack, on a fake clock.

The local/shared path needs no external host, so its job handling is tested here in full: the
job id journaled before the submit, a timeout as ``state=pending``, a rerun (also after a
killed controller) that awaits the job and tags the VM instead of adopting the disk twice. The
external path's libvirt and SSH parts are integration-tested; its vCPU/memory sourcing is here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError, InputError, ProblemsError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.external_domain import PreflightReport
from ansible_collections.acs.ingest.plugins.module_utils._services.external_import import ExternalImport, run_import
from ansible_collections.acs.ingest.plugins.module_utils._services.external_options import ExternalImportOptions
from fake_cloudstack import ControllerKilled, FakeCloudStack


def shared_options(journal: Path, **extra: Any) -> ExternalImportOptions:
    params = {
        "importsource": "shared", "zone": "zone1", "name": "db01", "diskpath": "db01-root.qcow2",
        "storage_pool": "pool1", "network": "l2-vlan100", "template": "kvm-template", "service_offering": "tiny",
        "temppath": "/tmp/", "shutdown": False, "shutdown_timeout": 300, "remove_temp_copies": True,
        "wait": True, "timeout": 60, "poll_interval": 1.0, "poll_max_interval": 2.0, "job_journal": str(journal),
        "api_url": "http://fake.invalid/client/api", "api_secret": "never-kept",
    }  # fmt: skip
    params.update(extra)
    return ExternalImportOptions.from_params(params)


def run(cloud: FakeCloudStack, options: ExternalImportOptions, **mode: bool) -> tuple[dict[str, Any], list[str]]:
    ctx, warnings = cloud.context(**mode)
    return run_import(cloud, options, ctx), warnings


def test_a_timed_out_adoption_is_pending_and_the_rerun_finishes_it(tmp_path: Path) -> None:
    cloud = FakeCloudStack(job_seconds=90.0)
    first, warnings = run(cloud, shared_options(tmp_path, timeout=10))
    assert first["state"] == "pending" and first["changed"] is True and first["jobid"]
    assert any(first["jobid"] in w for w in warnings)
    assert len(list(tmp_path.glob("import_vm-*.json"))) == 1  # journaled until the VM is tagged
    cloud.clock.sleep(100)
    second, _warnings = run(cloud, shared_options(tmp_path))
    assert second["state"] == "imported" and second["reconciled_jobid"] == first["jobid"]
    assert cloud.count("importVm") == 1 and cloud.count("createTags") == 1
    assert not list(tmp_path.glob("import_vm-*.json"))
    third, _warnings = run(cloud, shared_options(tmp_path))
    assert third["state"] == "present" and third["changed"] is False and third["vm"]["id"] == second["vm"]["id"]


def test_a_killed_controller_leaves_the_job_id_and_the_rerun_awaits_it(tmp_path: Path) -> None:
    cloud = FakeCloudStack(job_seconds=5.0, kill_after_submit=True)
    with pytest.raises(ControllerKilled):
        run(cloud, shared_options(tmp_path))
    again, _warnings = run(cloud, shared_options(tmp_path))
    assert again["state"] == "imported" and again["reconciled_jobid"]
    assert cloud.count("importVm") == 1  # the disk was adopted once
    assert len([vm for vm in cloud.managed.values() if vm["name"] == "db01"]) == 1


def test_check_mode_journals_and_submits_nothing(tmp_path: Path) -> None:
    cloud = FakeCloudStack()
    result, _warnings = run(cloud, shared_options(tmp_path), check_mode=True)
    assert result["state"] == "would_import" and result["params"]["importsource"] == "shared"
    assert cloud.count("importVm") == 0 and not list(tmp_path.glob("*.json"))
    assert "api_secret" not in str(shared_options(tmp_path).params)


def report(vcpus: int, memory_mib: int) -> PreflightReport:
    return PreflightReport(host="192.0.2.10", uri="qemu+tcp://192.0.2.10/system", domain="web01", vcpus=vcpus,
                           memory_mib=memory_mib)  # fmt: skip


def test_vcpus_the_listing_lacks_come_from_the_domain_unless_details_give_them(tmp_path: Path) -> None:
    cloud = FakeCloudStack()
    ctx, _warnings = cloud.context()
    service = ExternalImport(cloud, shared_options(tmp_path, importsource="external"), ctx)
    listed = {"name": "web01", "memory": 512}  # listVmsForImport: memory, no cpunumber
    sources = service._sizing_sources(listed, report(vcpus=2, memory_mib=512))
    assert listed["cpunumber"] == 2
    assert sources == {
        "cpuNumber": "the domain's <vcpu> on 192.0.2.10, read over libvirt",
        "memory": "listVmsForImport",
    }
    service._report_sizing({"details": [{"cpuNumber": "2", "memory": "512"}]}, sources)
    assert service.result["sizing"]["cpuNumber"] == {"value": "2", "source": sources["cpuNumber"]}

    given = ExternalImport(cloud, shared_options(tmp_path, details={"cpuNumber": 4}), ctx)
    listed = {"name": "web01"}
    sources = given._sizing_sources(listed, report(vcpus=2, memory_mib=256))
    assert "cpunumber" not in listed and listed["memory"] == 256
    assert sources["cpuNumber"] == "details.cpuNumber as given" and "<memory>" in sources["memory"]


def test_shutdown_timeout_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="shutdown_timeout"):
        shared_options(tmp_path, shutdown_timeout=0)


# --- the rules catalogue in the pre-flight (codes, by the zone's agent and server versions) -------
def _domain_xml(devices: str) -> str:
    from rules.rules_cases_agent import domain, with_device

    return with_device(devices) if devices else domain()


def _external(tmp_path: Path, cloud: FakeCloudStack) -> ExternalImport:
    ctx, _warnings = cloud.context(check_mode=True)
    return ExternalImport(
        cloud, shared_options(tmp_path, importsource="external", host="192.0.2.10", username="root"), ctx
    )


def test_a_running_domain_the_agent_would_not_list_is_refused_before_the_shutdown(tmp_path: Path) -> None:
    cloud = FakeCloudStack()
    service = _external(tmp_path, cloud)
    dropped = report(vcpus=1, memory_mib=64)
    dropped.shutdown, dropped.xml = "would shut down", _domain_xml("<watchdog model='i6300esb' action='inject-nmi'/>")
    with pytest.raises(ProblemsError) as caught:
        service._listed_instance({"id": "z"}, dropped)
    assert [p.code for p in caught.value.problems] == ["watchdog_action_unsupported"]
    assert "once shut off, CloudStack would not list web01" in str(caught.value)
    assert all(p.fix for p in caught.value.problems)

    fine = report(vcpus=1, memory_mib=64)
    fine.shutdown, fine.xml = "would shut down", _domain_xml("")
    assert service._listed_instance({"id": "z"}, fine)["name"] == "web01"


def test_a_domain_cloudstack_does_not_list_is_explained_by_the_rule_that_drops_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cloud = FakeCloudStack()
    monkeypatch.setattr(cloud, "_listVmsForImport", lambda **_: {}, raising=False)
    service = _external(tmp_path, cloud)
    dropped = report(vcpus=1, memory_mib=64)
    dropped.xml = _domain_xml("<interface type='bridge'><source bridge='br0'/><model type='e1000'/></interface>")
    with pytest.raises(ProblemsError) as caught:
        service._listed_instance({"id": "z"}, dropped)
    assert "nic_pci_slot_missing" in [p.code for p in caught.value.problems]
    dropped.xml = _domain_xml("")  # nothing the rules know: the generic explanation
    with pytest.raises(AcsIngestError, match="although libvirt shows it shut off"):
        service._listed_instance({"id": "z"}, dropped)


@pytest.mark.parametrize(
    ("extra", "volumes", "code"),
    [
        ({"diskpath": "sub/db01-root.qcow2"}, [], "local_shared_disk_path_invalid"),
        ({}, [{"id": "v1", "path": "db01-root.qcow2"}], "disk_image_in_use"),
    ],
)
def test_local_shared_rules_refuse_before_the_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: dict[str, Any], volumes: list[dict[str, Any]], code: str
) -> None:
    cloud = FakeCloudStack()
    monkeypatch.setattr(cloud, "_listVolumes", lambda **_: {"count": len(volumes), "volume": volumes})
    with pytest.raises(ProblemsError) as caught:
        run(cloud, shared_options(tmp_path, **extra), check_mode=True)
    assert [p.code for p in caught.value.problems] == [code]
    assert cloud.count("importVm") == 0
