# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""SSH to an external KVM host with paramiko, the way CloudStack's agent does it.

CloudStack copies external disks over SSH on port 22 with a username and password, never a
key (facts §3.5). The pre-flight therefore logs in exactly like that: password only, no agent,
no key files, so a login that works here works for CloudStack too. The password is never put
in a message, a command line or a log.
"""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import SshError

try:
    import paramiko

    HAS_PARAMIKO = True
    PARAMIKO_IMPORT_ERROR: str | None = None
except ImportError as exc:  # reported through missing_required_lib by the module
    HAS_PARAMIKO = False
    PARAMIKO_IMPORT_ERROR = str(exc)

# CloudStack's SshHelper always connects to port 22 (facts §3.5).
CLOUDSTACK_SSH_PORT = 22
# Bounded reads: a runaway remote command must not fill the controller's memory.
MAX_OUTPUT = 4 * 1024 * 1024


@dataclass
class CommandResult:
    command: str
    rc: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.rc == 0


def parse_df_avail(output: str, path: str) -> int:
    """Free bytes from ``df -P -B1 <path>`` output (POSIX format: one header, one data line).

    The data line can wrap when the device name is long; the fourth field from the end of the
    joined line is "Available" in either case.
    """
    lines = [line for line in output.splitlines() if line.strip()]
    if len(lines) < 2:
        raise SshError(f"cannot read the free space of {path}: unexpected df output {output!r}")
    fields = " ".join(lines[1:]).split()
    # Filesystem 1-blocks Used Available Capacity Mounted-on: "Mounted on" may contain spaces,
    # so count from the capacity field, which always ends with '%'.
    for index, value in enumerate(fields):
        if value.endswith("%") and index >= 1 and fields[index - 1].isdigit():
            return int(fields[index - 1])
    raise SshError(f"cannot read the free space of {path}: unexpected df output {output!r}")


class SshSession:
    """One password-authenticated SSH connection; use as a context manager."""

    def __init__(
        self,
        host: str,
        username: str,
        password: str | None,
        *,
        port: int = CLOUDSTACK_SSH_PORT,
        timeout: float = 15.0,
        key_file: str | None = None,
    ) -> None:
        self.host = host
        self.username = username
        self._password = password or ""
        self.port = port
        self.timeout = timeout
        # A private key instead of the password: for reading host facts (network discovery) from hosts where
        # only key logins are allowed. CloudStack's own copies always use the password, so the import
        # pre-flight never passes one.
        self.key_file = key_file
        self._client: Any = None

    def __enter__(self) -> SshSession:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def target(self) -> str:
        return f"{self.username}@{self.host}:{self.port}"

    def connect(self) -> None:
        if not HAS_PARAMIKO:
            raise SshError(
                f"paramiko is not installed on the controller: {PARAMIKO_IMPORT_ERROR}",
                fix="pip install paramiko (see the collection's requirements.txt)",
            )
        client = paramiko.SSHClient()
        # CloudStack's SshHelper does not verify host keys either; the pre-flight must not fail
        # where CloudStack would succeed. Nothing secret is sent before authentication.
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        try:
            client.connect(
                self.host,
                port=self.port,
                username=self.username,
                password=None if self.key_file else self._password,
                key_filename=self.key_file,
                look_for_keys=False,
                allow_agent=False,
                timeout=self.timeout,
                banner_timeout=self.timeout,
                auth_timeout=self.timeout,
            )
        except paramiko.AuthenticationException:
            client.close()
            raise SshError(
                f"SSH login to {self.target} with the given {'key' if self.key_file else 'password'} was refused",
                field="key_file" if self.key_file else "password",
                fix="use the username/password CloudStack will use for the copy; password authentication "
                "must be enabled for that user in the external host's sshd (PasswordAuthentication yes)",
            ) from None
        except TimeoutError:
            client.close()
            raise SshError(
                f"SSH connection to {self.target} timed out after {self.timeout:g}s",
                field="host",
                fix="check that sshd runs on the external host, listens on port 22 and that no firewall "
                "blocks it from the CloudStack KVM hosts and from this controller",
            ) from None
        except (OSError, paramiko.SSHException) as exc:
            client.close()
            raise SshError(
                f"cannot open SSH to {self.target}: {exc}",
                field="host",
                fix="check the host address and that sshd runs on port 22 of the external host "
                "(CloudStack always uses port 22)",
            ) from None
        self._client = client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def run(self, command: str, *, timeout: float = 60.0, check: bool = False) -> CommandResult:
        """Run one command; ``timeout`` bounds the whole run, not only the first byte."""
        if self._client is None:
            self.connect()
        try:
            channel = self._client.get_transport().open_session(timeout=self.timeout)
            channel.settimeout(1.0)
            # C locale: we parse df and qemu-img messages.
            channel.exec_command(f"LC_ALL=C {command}")
            out, err = bytearray(), bytearray()
            deadline = time.monotonic() + timeout
            while True:
                while channel.recv_ready():
                    out += channel.recv(65536)[: max(0, MAX_OUTPUT - len(out))]
                while channel.recv_stderr_ready():
                    err += channel.recv_stderr(65536)[: max(0, MAX_OUTPUT - len(err))]
                if channel.exit_status_ready() and not channel.recv_ready() and not channel.recv_stderr_ready():
                    break
                if time.monotonic() > deadline:
                    channel.close()
                    raise SshError(
                        f"command {command!r} on {self.target} did not finish within {timeout:g}s",
                        fix="check the external host's load and storage; the command is harmless to retry",
                    )
                time.sleep(0.02)
            rc = channel.recv_exit_status()
            channel.close()
        except (OSError, paramiko.SSHException) as exc:
            raise SshError(
                f"SSH command {command!r} on {self.target} failed: {exc}",
                fix="check the SSH connection to the external host and rerun",
            ) from None
        result = CommandResult(command, rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))
        if check and not result.ok:
            raise SshError(
                f"command {command!r} on {self.target} exited {rc}: {result.stderr.strip() or result.stdout.strip()}",
                fix="see the message; run the command by hand as that user on the external host",
            )
        return result

    def has_command(self, name: str) -> bool:
        """Whether ``name`` is on the remote user's PATH (non-interactive shell, as CloudStack's)."""
        return self.run(f"command -v {shlex.quote(name)}", timeout=30).ok

    def free_bytes(self, path: str) -> int:
        """Free bytes for an unprivileged user in the filesystem that holds ``path``."""
        result = self.run(f"df -P -B1 -- {shlex.quote(path)}", timeout=30)
        if not result.ok:
            raise SshError(
                f"cannot read the free space of {path} on {self.host}: {result.stderr.strip()}",
                field="temppath",
                fix=f"create {path} on the external host, writable by {self.username}, or choose another temppath",
            )
        return parse_df_avail(result.stdout, path)

    def is_writable_dir(self, path: str) -> bool:
        return self.run(f"test -d {shlex.quote(path)} -a -w {shlex.quote(path)}", timeout=30).ok

    def list_files(self, directory: str) -> dict[str, tuple[int, float]]:
        """Regular files directly in ``directory`` owned by this user: name → (size, mtime)."""
        script = (
            f"find {shlex.quote(directory)} -maxdepth 1 -mindepth 1 -type f -user {shlex.quote(self.username)} "
            "-printf '%s %T@ %f\\n'"
        )
        result = self.run(script, timeout=60)
        if not result.ok:
            raise SshError(
                f"cannot list {directory} on {self.host}: {result.stderr.strip()}",
                field="temppath",
                fix=f"make {directory} readable by {self.username} on the external host",
            )
        files: dict[str, tuple[int, float]] = {}
        for line in result.stdout.splitlines():
            parts = line.split(" ", 2)
            if len(parts) == 3 and "/" not in parts[2]:
                files[parts[2]] = (int(parts[0]), float(parts[1]))
        return files

    def remove_files(self, paths: list[str]) -> None:
        """Remove exactly these files (no globbing, no recursion)."""
        if not paths:
            return
        quoted = " ".join(shlex.quote(path) for path in paths)
        result = self.run(f"rm -f -- {quoted}", timeout=120)
        if not result.ok:
            raise SshError(
                f"cannot remove {', '.join(paths)} on {self.host}: {result.stderr.strip()}",
                fix="remove the files by hand, or set remove_temp_copies=false",
            )
