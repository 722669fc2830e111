"""The release whose rules judge a request is the server's own; unreadable versions fall back to the newest."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.server_version import rules_version
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import CloudStackConnectionError
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import NEWEST


@dataclass
class ServerSays:
    version: object


class ServerUnreachable:
    @property
    def version(self) -> object:
        raise CloudStackConnectionError("connection refused")


@pytest.mark.parametrize(
    ("answer", "judged"),
    [
        ((4, 20, 2, 0), (4, 20, 2)),
        ("4.19.3.0", (4, 19, 3)),
        ("4.22.0.0-SNAPSHOT", (4, 22, 0)),
        ("vendor build 7", NEWEST),
        (None, NEWEST),
    ],
)
def test_the_server_version_judges_and_unreadable_ones_fall_back_to_the_newest(answer: object, judged: object) -> None:
    assert rules_version(ServerSays(answer)) == judged


def test_a_client_without_a_server_is_judged_by_the_newest_release() -> None:
    assert rules_version(object()) == NEWEST


def test_an_unreachable_server_is_an_error_not_a_guess() -> None:
    with pytest.raises(CloudStackConnectionError):
        rules_version(ServerUnreachable())
