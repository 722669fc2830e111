"""unmanage_vm's service against the in-memory CloudStack, on a fake clock: name matching, the
journal, timeouts and transient errors through the one job reconciler."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import CloudStackConnectionError, InputError
from ansible_collections.acs.ingest.plugins.module_utils._services.unmanage import run_unmanage
from ansible_collections.acs.ingest.plugins.module_utils._services.unmanage_options import UnmanageOptions
from fake_cloudstack import ZONE, ControllerKilled, FakeCloudStack


def options(journal: Path, **given: Any) -> UnmanageOptions:
    params = {"zone": ZONE, "forced": False, "wait": True, "timeout": 60, "poll_interval": 1.0,
              "poll_max_interval": 2.0, "job_journal": str(journal), **given}  # fmt: skip
    return UnmanageOptions.from_params(params)


def unmanage(cloud: FakeCloudStack, opts: UnmanageOptions) -> tuple[dict[str, Any], list[str]]:
    ctx, warnings = cloud.context()
    return run_unmanage(cloud, opts, ctx), warnings


def test_a_vm_is_found_by_its_libvirt_domain_name_and_the_result_says_so(tmp_path: Path) -> None:
    """Imported as web01 with hostname web-01: the operator names it as virsh shows it."""
    cloud = FakeCloudStack(job_seconds=2.0)
    vm = cloud.add_managed("web-01", "web01")
    done, _warnings = unmanage(cloud, options(tmp_path, name="web01"))
    assert done["state"] == "unmanaged" and done["changed"] is True
    assert done["matched_by"] == "instancename" and done["vm"]["id"] == vm["id"]
    assert "web01" in cloud.unmanaged
    again, _warnings = unmanage(cloud, options(tmp_path, name="web01"))
    assert again["state"] == "unmanaged" and again["changed"] is False and again["matched_by"] == "instancename"
    by_cloudstack_name, _warnings = unmanage(cloud, options(tmp_path, name="web-01"))
    assert by_cloudstack_name["changed"] is False  # the done record keeps both names
    assert cloud.count("unmanageVirtualMachine") == 1


def test_the_cloudstack_name_wins_and_says_so(tmp_path: Path) -> None:
    cloud = FakeCloudStack(job_seconds=1.0)
    cloud.add_managed("db01", "db01")
    done, _warnings = unmanage(cloud, options(tmp_path, name="db01"))
    assert done["matched_by"] == "name"


def test_a_name_that_is_two_vms_is_refused(tmp_path: Path) -> None:
    cloud = FakeCloudStack()
    cloud.add_managed("web01", "i-2-3-VM")
    cloud.add_managed("web-01", "web01")
    with pytest.raises(InputError) as ambiguous:
        unmanage(cloud, options(tmp_path, name="web01"))
    assert ambiguous.value.field == "name" and "instance name of VM" in str(ambiguous.value)
    assert cloud.count("unmanageVirtualMachine") == 0


def test_a_timeout_is_pending_and_the_rerun_awaits_the_same_job(tmp_path: Path) -> None:
    cloud = FakeCloudStack(job_seconds=30.0)
    vm = cloud.add_managed("app01", "app01")
    first, warnings = unmanage(cloud, options(tmp_path, id=vm["id"], zone=None, timeout=5))
    assert first["state"] == "pending" and first["changed"] is True and first["jobid"]
    assert any("still running after 5s" in w for w in warnings)
    second, _warnings = unmanage(cloud, options(tmp_path, id=vm["id"], zone=None))
    assert second["state"] == "unmanaged" and second["changed"] is False
    assert cloud.count("unmanageVirtualMachine") == 1


def test_a_killed_controller_leaves_the_job_id_and_the_rerun_never_sends_a_second_unmanage(tmp_path: Path) -> None:
    cloud = FakeCloudStack(job_seconds=3.0, kill_after_submit=True)
    vm = cloud.add_managed("app02", "app02")
    with pytest.raises(ControllerKilled):
        unmanage(cloud, options(tmp_path, id=vm["id"], zone=None))
    again, _warnings = unmanage(cloud, options(tmp_path, id=vm["id"], zone=None))
    assert again["state"] == "unmanaged" and cloud.count("unmanageVirtualMachine") == 1


def test_polls_ride_out_transient_errors(tmp_path: Path) -> None:
    cloud = FakeCloudStack(job_seconds=4.0)
    vm = cloud.add_managed("app03", "app03")
    cloud.faults["queryAsyncJobResult"] = [CloudStackConnectionError("reset")] * 4
    done, _warnings = unmanage(cloud, options(tmp_path, id=vm["id"], zone=None))
    assert done["state"] == "unmanaged" and done["changed"] is True


def test_name_needs_a_zone() -> None:
    with pytest.raises(InputError, match="name is only unique within a zone"):
        UnmanageOptions.from_params({"name": "x", "timeout": 10})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("TRUE", True), (True, True), ("false", False), ("", None), ("maybe", None), (None, None)],
)
def test_preserve_nics_is_the_zone_setting_read_by_the_one_bool_parser(
    tmp_path: Path, value: Any, expected: bool | None
) -> None:
    cloud = FakeCloudStack(settings={"unmanage.vm.preserve.nics": value})
    cloud.add_managed("keep01", "keep01")
    ctx, _warnings = cloud.context(check_mode=True)
    result = run_unmanage(cloud, options(tmp_path, name="keep01"), ctx)
    assert result["state"] == "would_unmanage" and result["preserve_nics"] is expected
