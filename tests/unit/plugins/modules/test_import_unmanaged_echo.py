"""What import_unmanaged echoes of its parameters as the result's invocation.module_args."""

from __future__ import annotations

from ansible_collections.acs.ingest.plugins.modules.import_unmanaged import echoed


def test_batch_mode_echoes_each_instance_without_its_plan() -> None:
    plan = {"command": "importUnmanagedInstance", "params": {"name": "web01", "clusterid": "c1"}, "notes": ["n"]}
    params = {
        "instances": [{"name": "web01", "cluster": "c1", "plan": plan, "key": "host-web01"}],
        "concurrency": 40,
        "api_secret": "s3cret",  # masked by AnsibleModule (no_log), like every other echo
    }
    assert echoed(dict(params)) == {
        "instances": [{"name": "web01", "cluster": "c1", "key": "host-web01"}],
        "concurrency": 40,
        "api_secret": "s3cret",
    }


def test_single_mode_echoes_every_parameter() -> None:
    params = {"name": "web01", "cluster": "c1", "plan": {"params": {"name": "web01"}}, "instances": None}
    assert echoed(dict(params)) == params
