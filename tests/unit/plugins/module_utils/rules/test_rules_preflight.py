"""The per-path pre-flight calls of the rules catalogue (what external_vm_import's pre-flight uses)."""

from __future__ import annotations

from ansible_collections.acs.ingest.plugins.module_utils._rules.preflight import (
    external_source_findings,
    local_shared_preflight,
)
from rules_cases_agent import BASELINE

V22, V20_1 = (4, 22, 0), (4, 20, 1)
NFS = {"id": "p1", "name": "nfs1", "type": "NetworkFilesystem", "ipaddress": "10.0.0.5", "path": "/export"}


def codes(found: list) -> list[str]:  # type: ignore[type-arg]
    return [f.code for f in found]


def test_a_shut_off_listable_domain_has_no_findings() -> None:
    assert external_source_findings(V22, V22, BASELINE, name="web01", state=5, username="root") == []


def test_a_running_source_domain_and_a_missing_username_block() -> None:
    found = external_source_findings(V22, V22, BASELINE, name="web01", state=1, username="", kvm_hosts_up=0)
    assert codes(found) == ["remote_domain_not_shut_off", "external_username_missing", "external_no_kvm_host_in_zone"]
    assert all(f.blocks for f in found)


def test_the_remote_listing_drops_what_the_agent_cannot_parse() -> None:
    xml = BASELINE.replace("virtio'/><address", "e1000e'/><address")
    found = external_source_findings(V22, V22, xml, name="web01", state=5, username="root")
    assert codes(found) == ["nic_model_unknown"]
    assert "listVmsForImport" in found[0].message


def test_local_shared_checks_parameters_pool_and_file_by_server_version() -> None:
    info = {"backing-filename": "base.qcow2", "encrypted": True}
    pool = {**NFS, "type": "RBD", "tags": ""}
    found = local_shared_preflight(
        V22,
        source="shared",
        diskpath="vms/web01.qcow2",
        networkid="",
        storage_pool=pool,
        service_offering={"storagetags": "ssd"},
        qemu_img_info=info,
        volume_paths_on_pool=["vms/web01.qcow2"],
    )
    assert codes(found) == [
        "local_shared_required_params",
        "disk_image_in_use",
        "local_shared_disk_path_invalid",
        "pool_type_unsupported_local_shared",
        "pool_offering_tags_incompatible_local_shared",
        "volume_encrypted",
        "qcow2_backing_file",
    ]
    older = local_shared_preflight(
        V20_1, source="local", diskpath="web01.qcow2", networkid="n1", storage_pool=NFS, hostid="h1", qemu_img_info=info
    )
    assert older == []  # 4.20.1 checks neither backing files nor encryption
