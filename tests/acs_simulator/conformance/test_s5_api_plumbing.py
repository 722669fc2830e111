"""Facts §5: signing, error bodies, async jobs — checked over real HTTP against the simulator process."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import time
from urllib.parse import urlencode

import requests

from acs_simulator.fixtures import SimApiError, SimHandle
from acs_simulator.signing import compute_signature, java_url_encode, string_to_sign


def test_signature_string_follows_java_rules() -> None:
    # Case-sensitive sort (uppercase before lowercase), '~' escaped like URLEncoder, space as %20, lower-cased.
    params = {"b": "x y", "Z": "1", "a": "~*._-", "signature": "ignored"}
    assert string_to_sign(params) == "z=1&a=%7e*._-&b=x%20y"
    assert java_url_encode("a+b/c") == "a%2Bb%2Fc"


def test_cs_cli_lists_zones(acs_sim: SimHandle) -> None:
    env = dict(
        os.environ,
        CLOUDSTACK_ENDPOINT=acs_sim.endpoint,
        CLOUDSTACK_KEY=acs_sim.api_key,
        CLOUDSTACK_SECRET=acs_sim.api_secret,
    )
    out = subprocess.run(["cs", "listZones"], env=env, capture_output=True, text=True, timeout=60, check=True)
    assert [z["name"] for z in json.loads(out.stdout)["zone"]] == ["zone1"]


def test_post_requests_are_accepted(acs_sim: SimHandle) -> None:
    resp = acs_sim.raw("listZones", method="POST")
    assert resp.status_code == 200 and resp.json()["listzonesresponse"]["count"] == 1


def test_bad_signature_gets_401_body(acs_sim: SimHandle) -> None:
    resp = acs_sim.raw("listZones", secret="wrong-secret")
    assert resp.status_code == 401
    assert resp.json() == {
        "listzonesresponse": {
            "uuidList": [],
            "errorcode": 401,
            "errortext": "unable to verify user credentials and/or request signature",
        }
    }


def test_unknown_api_key_and_unknown_command(acs_sim: SimHandle) -> None:
    assert acs_sim.raw("listZones", key="nobody").status_code == 401
    resp = acs_sim.raw("listNothing")
    assert resp.status_code == 432 and "errorresponse" in resp.json()


def test_signature_version_3_expiry(acs_sim: SimHandle) -> None:
    def call(expires: dt.datetime) -> int:
        q = {
            "command": "listZones",
            "response": "json",
            "apiKey": acs_sim.api_key,
            "signatureVersion": "3",
            "expires": expires.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        }
        q["signature"] = compute_signature(q, acs_sim.api_secret)
        return requests.get(f"{acs_sim.endpoint}?{urlencode(q)}", timeout=10).status_code

    now = dt.datetime.now(dt.UTC)
    assert call(now + dt.timedelta(minutes=5)) == 200
    assert call(now - dt.timedelta(minutes=1)) == 401


def test_missing_parameter_is_431_9999_with_x_description(acs_sim: SimHandle) -> None:
    resp = acs_sim.raw("importVm", name="x")
    body = resp.json()["importvmresponse"]
    assert resp.status_code == 431 and body["errorcode"] == 431 and body["cserrorcode"] == 9999
    assert body["uuidList"] == []
    assert body["errortext"].startswith("Unable to execute API command importvm due to missing parameter ")
    assert resp.headers["X-Description"] == body["errortext"]


def test_invalid_uuid_is_rejected_synchronously(acs_sim: SimHandle) -> None:
    resp = acs_sim.raw("listUnmanagedInstances", clusterid="6b1f4a52-0000-0000-0000-000000000000")
    body = resp.json()["listunmanagedinstancesresponse"]
    assert resp.status_code == 431
    assert "Invalid parameter clusterid value=6b1f4a52-0000-0000-0000-000000000000" in body["errortext"]


def test_invalid_boolean_value(acs_sim: SimHandle) -> None:
    vm_id = "6b1f4a52-0000-0000-0000-000000000001"
    resp = acs_sim.raw("unmanageVirtualMachine", id=vm_id, forced="maybe")
    assert resp.status_code == 431  # the id is checked first; both are sync parameter errors


def test_empty_list_is_an_empty_object(acs_sim: SimHandle) -> None:
    resp = acs_sim.raw("listVirtualMachines")
    assert resp.json() == {"listvirtualmachinesresponse": {}}


def test_async_job_lifecycle(acs_sim: SimHandle) -> None:
    acs_sim.set_knobs(job_duration=0.6)
    cluster = acs_sim.first("listClusters", "cluster")
    offering = acs_sim.first("listServiceOfferings", "serviceoffering", name="tiny-1c-64m")
    started = acs_sim.call(
        "importUnmanagedInstance",
        clusterid=cluster["id"],
        name="h3sim-does-not-exist",
        serviceofferingid=offering["id"],
    )
    assert set(started) == {"jobid"}
    first = acs_sim.call("queryAsyncJobResult", jobid=started["jobid"])
    assert first["jobstatus"] == 0 and "jobresult" not in first
    job = acs_sim.wait_job(started["jobid"])
    assert job["jobstatus"] == 2 and job["jobresultcode"] == 530
    assert job["jobresult"] == {
        "errorcode": 530,
        "errortext": f"Failed to find unmanaged vm with name: h3sim-does-not-exist in cluster: {cluster['id']}",
    }
    assert job["cmd"].endswith("ImportUnmanagedInstanceCmd")
    for key in ("accountid", "userid", "created", "completed", "managementserverid", "managementservername", "jobid"):
        assert key in job
    assert time.strptime(job["created"], "%Y-%m-%dT%H:%M:%S%z")


def test_sim_api_error_carries_text(acs_sim: SimHandle) -> None:
    try:
        acs_sim.call("listTemplates")
    except SimApiError as err:
        assert err.status == 431 and err.errortext.endswith("missing parameter templatefilter")
    else:
        raise AssertionError("listTemplates without templatefilter must fail")


def test_enforced_timestamps(acs_sim: SimHandle) -> None:
    acs_sim.call("updateConfiguration", name="enforce.post.requests.and.timestamps", value="true")
    assert acs_sim.raw("listZones").status_code == 401  # no signatureversion=3 / expires

    def call(minutes: int) -> int:
        expires = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S+0000")
        return acs_sim.raw("listZones", signatureversion="3", expires=expires).status_code

    assert call(5) == 200
    assert call(30) == 401  # at most 15 minutes ahead when enforced
