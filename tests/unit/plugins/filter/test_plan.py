"""The plan filters: plan file text → rows and problems; hostvars → one line per problem."""

from __future__ import annotations

from ansible_collections.acs.ingest.plugins.filter.plan import plan_load, plan_problem_lines
from ansible_collections.acs.ingest.plugins.module_utils._core.problems import Problem

CSV = "vm,cluster,wave,forced,nic_networks\nweb01,c1,zero,maybe,0=l2-a;1\n"


def test_plan_load_returns_problem_dicts_and_one_line_each() -> None:
    loaded = plan_load(CSV, "csv")
    assert [row["vm"] for row in loaded["rows"]] == ["web01"]
    assert [(p["row"], p["vm"], p["field"], p["code"]) for p in loaded["problems"]] == [
        (1, "web01", "wave", "plan_wave_invalid"),
        (1, "web01", "forced", "plan_bool_invalid"),
        (1, "web01", "nic_networks", "plan_map_invalid"),
    ]
    assert set(loaded["problems"][0]) == {"code", "field", "message", "fix", "subject", "vm", "row"}
    assert loaded["lines"] == [
        "row 1 web01: wave: 'zero' is not an integer >= 1. Fix: set wave to 1, 2, 3, ...",
        "row 1 web01: forced: 'maybe' is not yes/no. Fix: set forced to yes or no",
        "row 1 web01: nic_networks: '0=l2-a;1' is not key=value;key=value. Fix: write nic_networks as "
        "key=value;key=value",
    ]


def test_an_unusable_document_is_one_problem_not_an_exception() -> None:
    loaded = plan_load("vms: [", "yaml")
    assert loaded["rows"] == [] and len(loaded["problems"]) == 1
    problem = loaded["problems"][0]
    assert (problem["code"], problem["field"], problem["fix"]) == ("plan_yaml_invalid", "plan", "correct the syntax")
    assert loaded["lines"] == [f"plan: {problem['message']}. Fix: correct the syntax"]
    assert plan_load("{}", "json")["problems"][0]["code"] == "plan_format_unknown"
    # csv.Error is no ValueError: a cell over the csv module's size limit was a traceback.
    huge = plan_load("vm,template\nweb01," + "x" * 200_000 + "\n", "csv")
    assert [p["code"] for p in huge["problems"]] == ["plan_csv_invalid"]
    assert huge["lines"][0].startswith("plan: is not a readable CSV file (field larger than field limit")


def test_problem_lines_render_planner_problems_once_each() -> None:
    planned = Problem("template_missing", "template", "no template given", "set template", subject="web01")
    hosts = [
        {
            "inventory_hostname": "web01",
            "acs_plan_file_problems": ["row 1 web01: wave: 'zero' is not an integer >= 1. Fix: set wave to 1"],
            "acs_plan": {"problems": [planned.as_dict()]},
        },
        # a plan from an older inventory: no code, no subject
        {
            "inventory_hostname": "db01",
            "acs_plan": {"problems": [{"field": "cluster", "message": "none.", "fix": "x"}]},
        },
        {"inventory_hostname": "app01", "acs_check": {"failed": True, "msg": "2 problem(s)\n  a\n  b"}},
    ]
    assert plan_problem_lines(hosts) == [
        "row 1 web01: wave: 'zero' is not an integer >= 1. Fix: set wave to 1",
        "web01: [template_missing] template: no template given. Fix: set template",
        "db01: [plan_problem] cluster: none. Fix: x",
        "app01: 2 problem(s) a b",
    ]
