"""SshSession against the real sshd on loopback with the SSH test user."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import SshError
from ansible_collections.acs.ingest.plugins.module_utils._remote.ssh import SshSession
from test_external_vm_import_lib import SSH_PASSWORD, SSH_USER

pytestmark = [pytest.mark.ssh]
HOST = "127.0.0.2"


@pytest.fixture
def session():
    with SshSession(HOST, SSH_USER, SSH_PASSWORD) as ssh:
        yield ssh


@pytest.fixture
def user_dir():
    path = Path("/var/tmp/acs-ingest-extimp-tests") / f"ssh-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    subprocess.run(["chown", f"{SSH_USER}:{SSH_USER}", str(path)], check=True)
    yield path
    subprocess.run(["rm", "-rf", str(path)], check=False)


def test_runs_commands_with_exit_codes(session: SshSession) -> None:
    ok = session.run("echo hello; echo oops >&2")
    assert (ok.rc, ok.stdout, ok.stderr) == (0, "hello\n", "oops\n")
    assert session.run("exit 3").rc == 3
    with pytest.raises(SshError, match="exited 3"):
        session.run("exit 3", check=True)


def test_timeout_bounds_the_whole_command(session: SshSession) -> None:
    with pytest.raises(SshError, match="did not finish within 1s"):
        session.run("sleep 20", timeout=1)


def test_has_command(session: SshSession) -> None:
    assert session.has_command("qemu-img")
    assert not session.has_command("no-such-tool-acs-ingest")


def test_free_bytes_and_listing_and_removal(session: SshSession, user_dir: Path) -> None:
    free = session.free_bytes(str(user_dir))
    assert free > 0
    session.run(f"head -c 1000 /dev/zero > {user_dir}/a; touch {user_dir}/b", check=True)
    (user_dir / "root-owned").write_text("x")  # not the SSH user's: never listed as a candidate
    files = session.list_files(str(user_dir) + "/")
    assert set(files) == {"a", "b"}
    assert files["a"][0] == 1000
    session.remove_files([f"{user_dir}/a"])
    assert set(session.list_files(str(user_dir))) == {"b"}
    with pytest.raises(SshError, match="temppath"):
        session.free_bytes(str(user_dir / "missing"))


def test_wrong_password_is_one_clear_error() -> None:
    with pytest.raises(SshError) as info:
        SshSession(HOST, SSH_USER, "definitely-wrong").connect()
    assert info.value.field == "password"
    assert "PasswordAuthentication" in str(info.value)
    assert "definitely-wrong" not in str(info.value)


def test_closed_port_names_the_host() -> None:
    with pytest.raises(SshError) as info:
        SshSession(HOST, SSH_USER, SSH_PASSWORD, port=1, timeout=5).connect()
    assert info.value.field == "host" and "port 22" in str(info.value)
