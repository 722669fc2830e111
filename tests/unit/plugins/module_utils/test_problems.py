"""The one Problem vocabulary: construction rules, the one-line renderer, ProblemsError."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError, ProblemsError
from ansible_collections.acs.ingest.plugins.module_utils._core.problems import Problem, render, render_all
from ansible_collections.acs.ingest.plugins.module_utils._planner.build import build_import_plan
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes

CPU = Problem("detail_missing", "details.cpuNumber", "the VM data has no cpuNumber", "set details.cpuNumber")


def test_render_is_subject_field_message_fix_on_one_line() -> None:
    assert render(CPU.about("exth-vm")) == (
        "exth-vm: details.cpuNumber: the VM data has no cpuNumber. Fix: set details.cpuNumber"
    )
    assert CPU.about("exth-vm").line() == render(CPU.about("exth-vm"))
    # no subject: the part is left out, not rendered empty
    assert CPU.line() == "details.cpuNumber: the VM data has no cpuNumber. Fix: set details.cpuNumber"


def test_render_adds_each_full_stop_once_and_joins_lines() -> None:
    problem = Problem("x_bad", "f", "two\nlines.", "do this.", subject="vm\n1")
    assert render(problem) == "vm 1: f: two lines. Fix: do this"
    # nothing to fix: no dangling "Fix:"; no field: no empty ": :" part
    assert render(Problem("x_bad", "", "broken", "")) == "broken"
    # an ellipsis is not a full stop
    assert render(Problem("x_bad", "wave", "wait...", "set wave to 1, 2, 3, ...")) == (
        "wave: wait... Fix: set wave to 1, 2, 3, ..."
    )


def test_as_dict_has_the_documented_keys_and_round_trips() -> None:
    data = CPU.about("exth-vm").as_dict()
    assert data == {
        "code": "detail_missing",
        "field": "details.cpuNumber",
        "message": "the VM data has no cpuNumber",
        "fix": "set details.cpuNumber",
        "subject": "exth-vm",
    }
    assert Problem.from_dict(data) == CPU.about("exth-vm")
    # a dict from an older plan without code or subject
    old = Problem.from_dict({"field": "template", "message": "missing", "fix": "set it"}, default_code="plan_problem")
    assert (old.code, old.subject, old.line()) == ("plan_problem", None, "template: missing. Fix: set it")


@pytest.mark.parametrize("code", ["", "Detail missing", "detail-missing", "9lives"])
def test_code_must_be_stable_snake_case(code: str) -> None:
    with pytest.raises(ValueError, match="snake_case"):
        Problem(code, "f", "m", "x")


def test_operator_text_is_rendered_as_given_never_refused() -> None:
    """VM names and plan cells are operator text: even one holding 'Fix:' renders, it never crashes."""
    odd = Problem("hostname_invalid", "hostname", "'a Fix: b' is not a valid host name", "pick another", "Fix:vm")
    assert odd.line() == "Fix:vm: hostname: 'a Fix: b' is not a valid host name. Fix: pick another"
    with pytest.raises(ValueError, match="no message"):
        Problem("x_bad", "f", "  ", "x")


def test_a_hand_edited_code_falls_back_to_the_default() -> None:
    edited = Problem.from_dict({"code": "Not A Code", "field": "f", "message": "m", "fix": ""}, default_code="plan")
    assert edited.code == "plan"


def test_acs_ingest_error_refuses_problems_as_a_detail() -> None:
    with pytest.raises(TypeError, match="ProblemsError"):
        raise AcsIngestError("x", problems=[CPU.as_dict()])


def test_problems_error_lists_each_problem_once() -> None:
    other = Problem("template_missing", "template", "no template given", "set template")
    error = ProblemsError([CPU.about("vm1"), other.about("vm1")], summary="2 problem(s) prevent importing vm1")
    assert str(error).splitlines() == [
        "2 problem(s) prevent importing vm1:",
        "vm1: details.cpuNumber: the VM data has no cpuNumber. Fix: set details.cpuNumber",
        "vm1: template: no template given. Fix: set template",
    ]
    result = error.to_result()
    assert result["field"] == "details.cpuNumber" and "fix" not in result
    assert result["problems"] == [CPU.about("vm1").as_dict(), other.about("vm1").as_dict()]
    # an explicit field heads the summary line; without a summary only the lines are shown
    headed = ProblemsError([other], summary="the plan for vm1 lists 1 problem(s)", field="plan")
    assert str(headed).splitlines()[0] == "plan: the plan for vm1 lists 1 problem(s):"
    assert headed.to_result()["field"] == "plan"
    assert str(ProblemsError([other])) == "template: no template given. Fix: set template"
    with pytest.raises(ValueError):
        raise ProblemsError([])


def _external_instance() -> dict[str, Any]:
    """A VM as listVmsForImport lists it: no vCPU count (facts §3.2)."""
    return {
        "name": "exth-vm",
        "powerstate": "PowerOff",
        "memory": 512,
        "cpuspeed": 1000,
        "disk": [{"id": "0", "label": "vda", "capacity": 1073741824, "controller": "virtio"}],
        "nic": [{"id": "0", "macaddress": "52:54:00:12:34:56", "vlanid": 100, "adaptertype": "virtio"}],
    }


def test_external_import_with_a_custom_offering_no_longer_doubles_its_message() -> None:
    """Reproduces issue 10's `details.cpuNumber: exth-vm: details.cpuNumber: ... Fix: ... Fix: ...`.

    external_vm_import raised the rendered lines as the message and added the first problem's
    field and fix around them. It now raises the plan's problems, and each part appears once.
    """
    catalog = {
        "service_offerings": [{"id": "so-free", "name": "Custom", "iscustomized": True}],
        "templates": [{"id": "t1", "name": "kvm-template", "hypervisor": "KVM"}],
        "networks": [{"id": "n100", "name": "l2-vlan100", "type": "L2", "vlan": "100"}],
    }
    wishes = {"service_offering": "Custom", "template": "kvm-template"}
    plan = build_import_plan(
        _external_instance(), Wishes.from_mapping(wishes), catalog, cluster_id="c1", zone_id="z1", for_import_vm=True
    )
    assert [problem.code for problem in plan.problems] == ["external_custom_offering_details"]
    with pytest.raises(ProblemsError) as caught:
        plan.raise_for_problems()
    text = str(caught.value)
    assert text.splitlines() == [
        "1 problem(s) prevent importing exth-vm:",
        "exth-vm: details: custom offering Custom and no details cpuNumber; importVm on CloudStack 4.22.0 fails "
        "('Import failed for Vm: … while finding deployment destination'). Fix: pass details cpuNumber, memory "
        "(and cpuSpeed when the offering has none), or use a fixed offering",
    ]
    assert text.count("details cpuNumber") == 2  # the message once, the fix once
    assert text.count("Fix:") == 1 and text.count("exth-vm") == 2
    assert caught.value.to_result()["problems"] == [plan.problems[0].as_dict()]


def test_render_all_keeps_order() -> None:
    first, second = CPU, Problem("template_missing", "template", "no template", "set template")
    assert render_all([second, first]) == [second.line(), first.line()]
