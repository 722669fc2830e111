"""Pure parts of the CloudStack client: redaction, wire form, versions, settings, errors."""

from __future__ import annotations

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import (
    ConnectionSettings,
    parse_version,
    redact,
    wire_params,
)
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import (
    AcsIngestError,
    CloudStackApiError,
    InputError,
)


def test_wire_params_flattens_maps_in_cloudstack_form():
    wire = wire_params(
        {
            "name": "vm1",
            "forced": True,
            "nicnetworklist": [{"nic": "0", "network": "n-1"}, {"nic": "1", "network": "n-2"}],
            "details": [{"cpuNumber": "2", "memory": "2048"}],
            "displayname": None,
        }
    )
    assert wire == {
        "name": "vm1",
        "forced": "true",
        "nicnetworklist[0].nic": "0",
        "nicnetworklist[0].network": "n-1",
        "nicnetworklist[1].nic": "1",
        "nicnetworklist[1].network": "n-2",
        "details[0].cpuNumber": "2",
        "details[0].memory": "2048",
    }


def test_redact_hides_every_secret_looking_key():
    redacted = redact({"password": "p", "username": "u", "details[0].kvm.vnc.password": "x", "api_secret": "s"})
    assert redacted == {
        "password": "********",
        "username": "u",
        "details[0].kvm.vnc.password": "********",
        "api_secret": "********",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4.22.0.0", (4, 22, 0, 0)), ("4.19.1.0-SNAPSHOT", (4, 19, 1, 0)), ("4.20.0", (4, 20, 0)), ("", (0,))],
)
def test_parse_version(text, expected):
    assert parse_version(text) == expected


def test_settings_name_the_missing_options_and_their_environment_variables():
    with pytest.raises(AcsIngestError) as err:
        ConnectionSettings.from_params({"api_url": "http://127.0.0.1:8080/client/api"})
    message = str(err.value)
    assert "api_key" in message and "api_secret" in message
    assert "CLOUDSTACK_KEY" in message and "CLOUDSTACK_SECRET" in message


def test_settings_reject_a_non_http_url():
    with pytest.raises(AcsIngestError, match="api_url"):
        ConnectionSettings.from_params({"api_url": "cloud.example.com", "api_key": "k", "api_secret": "s"})


def test_error_renders_as_one_line_with_field_and_fix():
    err = InputError("cluster", "no cluster named 'c9' in zone 'zone1'", "use one of: cluster1")
    assert str(err) == "cluster: no cluster named 'c9' in zone 'zone1'. Fix: use one of: cluster1"
    assert "\n" not in str(err)


def test_api_error_keeps_codes_for_the_result():
    err = CloudStackApiError("importVm", "Username need to be provided.", errorcode=431, cserrorcode=4350)
    result = err.to_result()
    assert result["errorcode"] == 431 and result["cserrorcode"] == 4350
    assert result["command"] == "importVm"
    assert str(err) == "CloudStack importVm failed (431): Username need to be provided."
