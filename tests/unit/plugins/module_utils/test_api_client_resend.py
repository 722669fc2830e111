"""Which failed calls the client sends again: a request that never left is always safe to resend.

Real sockets on loopback, no mocks: a port nobody listens on (connection refused) and a
listener that accepts and never answers (read timeout after the request was sent).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import (
    CloudStackClient,
    ConnectionSettings,
    never_sent,
)
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import CloudStackConnectionError

requests = pytest.importorskip("requests")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_server() -> Iterator[tuple[int, list[socket.socket]]]:
    """Accepts connections and reads nothing back: the client's request is sent, no answer comes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _peer = listener.accept()
            except OSError:
                return
            accepted.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1], accepted
    listener.close()
    for conn in accepted:
        conn.close()


def client(port: int, delays: list[float]) -> CloudStackClient:
    settings = ConnectionSettings(
        endpoint=f"http://127.0.0.1:{port}/client/api", key="k", secret="s", timeout=1, method="get",
        validate_certs=True, ca_file=None,
    )  # fmt: skip
    return CloudStackClient(settings, retries=3, retry_delay=0.0, sleep=delays.append)


def test_a_refused_connection_counts_as_never_sent() -> None:
    with pytest.raises(requests.exceptions.ConnectionError) as refused:
        requests.get(f"http://127.0.0.1:{closed_port()}/", timeout=1)
    assert never_sent(refused.value)
    assert not never_sent(requests.exceptions.ReadTimeout("sent, no answer"))


def test_a_write_whose_connection_was_refused_is_sent_again() -> None:
    delays: list[float] = []
    with pytest.raises(CloudStackConnectionError, match="importUnmanagedInstance"):
        client(closed_port(), delays).call("importUnmanagedInstance", name="vm1", clusterid="c")
    assert len(delays) == 3  # retries=3: four attempts, none of which reached a server


def test_a_write_that_reached_the_server_is_not_sent_again(silent_server) -> None:
    port, accepted = silent_server
    delays: list[float] = []
    with pytest.raises(CloudStackConnectionError):
        client(port, delays).call("importUnmanagedInstance", name="vm1", clusterid="c")
    assert delays == [] and len(accepted) == 1  # the server may be importing: never a second request


def test_a_read_that_timed_out_after_sending_is_retried(silent_server) -> None:
    port, accepted = silent_server
    delays: list[float] = []
    with pytest.raises(CloudStackConnectionError):
        client(port, delays).call("listZones", retry=True)
    assert len(delays) == 3 and len(accepted) == 4
