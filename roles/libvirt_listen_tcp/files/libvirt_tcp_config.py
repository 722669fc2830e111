# Copyright: acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helper script of acs.ingest.libvirt_listen_tcp: libvirt TCP listener configuration.

Detects how the host runs libvirt (classic libvirtd with --listen, libvirtd socket activation, or
the modular daemons with virtproxyd), backs up every file it will touch (once, before the first
change), writes the settings CloudStack needs (facts §3.2: qemu+tcp, auth_tcp none) and says which
commands restart the daemon. ``state=absent`` puts every file back exactly as backed up.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys


class ScriptModule:
    """The slice of AnsibleModule these scripts need, for running through ansible.builtin.script.

    Roles inside a collection cannot ship modules, so the role runs this file with the host's
    Python: parameters arrive as one JSON argument, the result leaves as JSON on stdout.
    """

    def __init__(self, argument_spec: dict) -> None:
        raw = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
        self.check_mode = bool(raw.pop("_check_mode", False))
        self._diff = bool(raw.pop("_diff", False))
        self.params = {}
        for key, spec in argument_spec.items():
            value = raw.get(key)
            if value is None or value == "":
                value = spec.get("default")
            if value is None and spec.get("required"):
                self.fail_json(msg=f"{key}: missing. Fix: set it in the role variables.")
            if value is not None and spec.get("type") == "int":
                value = int(value)
            if value is not None and spec.get("type") == "float":
                value = float(value)
            if spec.get("type") == "bool":
                value = str(value).lower() in ("1", "true", "yes", "on")
            if value is not None and "choices" in spec and value not in spec["choices"]:
                self.fail_json(msg=f"{key}: {value!r} is not one of {spec['choices']}. Fix: use one of them.")
            self.params[key] = value

    def exit_json(self, **result) -> None:
        print(json.dumps(result))
        sys.exit(0)

    def fail_json(self, msg: str, **result) -> None:
        print(json.dumps({**result, "failed": True, "msg": msg}))
        sys.exit(1)


BEGIN = "# BEGIN acs.ingest libvirt_listen_tcp (restore with state=absent)"
END = "# END acs.ingest libvirt_listen_tcp"
TLS_SERVER_CERT = "/etc/pki/libvirt/servercert.pem"
SOCKETS = {"socket": ("libvirtd", "libvirtd-tcp.socket"), "modular": ("virtproxyd", "virtproxyd-tcp.socket")}


def _systemctl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["systemctl", *args], capture_output=True, text=True, check=False)


def detect_mode() -> str:
    """Which libvirt setup this host uses; without systemd only the classic daemon is possible."""
    if not os.path.isdir("/run/systemd/system") or shutil.which("systemctl") is None:
        return "classic"
    for unit in ("virtproxyd.socket", "virtqemud.socket", "virtqemud.service"):
        if (
            _systemctl("is-enabled", "--quiet", unit).returncode == 0
            and _systemctl("is-active", "--quiet", "libvirtd.service").returncode != 0
        ):
            return "modular"
    if _systemctl("is-enabled", "--quiet", "libvirtd.socket").returncode == 0:
        return "socket"
    return "classic"


def with_block(text: str, keys: dict[str, str]) -> str:
    """Drop our old block and live (uncommented) settings of ``keys``; append one block with them."""
    text = re.sub(rf"\n?{re.escape(BEGIN)}.*?{re.escape(END)}\n?", "\n", text, flags=re.S)
    kept = [line for line in text.splitlines() if not re.match(rf"\s*({'|'.join(keys)})\s*=", line)]
    body = "\n".join(f"{k} = {v}" for k, v in keys.items())
    return "\n".join(kept).rstrip("\n") + f"\n{BEGIN}\n{body}\n{END}\n"


def with_listen_flag(text: str, var: str) -> str:
    """Make the daemon options variable contain --listen (classic mode)."""
    match = re.search(rf'^[ \t]*{var}[ \t]*=[ \t]*"?([^"\n]*)"?[ \t]*$', text, flags=re.M)
    opts = match.group(1).split() if match else []
    if "--listen" in opts or "-l" in opts:
        return text
    new_line = f'{var}="{" ".join([*opts, "--listen"])}"'
    if match:
        return text[: match.start()] + new_line + text[match.end() :]
    return text.rstrip("\n") + ("\n" if text else "") + new_line + "\n"


def current(path: str) -> str:
    if not os.path.exists(path):
        return ""
    with open(path) as handle:
        return handle.read()


def load_manifest(path: str) -> dict | None:
    return json.loads(current(path)) if os.path.exists(path) else None


def desired_files(p: dict, mode: str) -> dict[str, str]:
    """Path -> wanted content, computed from the current content."""
    quoted = {"listen_tcp": "1", "tcp_port": f'"{p["port"]}"', "auth_tcp": '"none"'}
    files = {}
    if mode == "classic":
        conf = os.path.join(p["conf_dir"], "libvirtd.conf")
        keys = {**quoted, "listen_addr": f'"{p["address"]}"'}
        if not os.path.exists(TLS_SERVER_CERT):
            # --listen also starts the TLS listener, which refuses to start without a certificate.
            keys["listen_tls"] = "0"
        files[conf] = with_block(current(conf), keys)
        defaults = p["defaults_file"]
        files[defaults] = with_listen_flag(current(defaults), p["defaults_var"])
    else:
        daemon, socket_unit = SOCKETS[mode]
        conf = os.path.join(p["conf_dir"], f"{daemon}.conf")
        # listen_addr/tcp_port are ignored under socket activation: ListenStream decides.
        files[conf] = with_block(current(conf), {"auth_tcp": '"none"'})
        addr = f"[{p['address']}]" if ":" in p["address"] else p["address"]
        dropin = os.path.join(p["systemd_dir"], f"{socket_unit}.d", "acs-ingest.conf")
        # The empty ListenStream= clears the packaged one (all addresses) before adding ours.
        files[dropin] = (
            f"# managed by acs.ingest libvirt_listen_tcp\n[Socket]\nListenStream=\nListenStream={addr}:{p['port']}\n"
        )
    return files


def listening(address: str, port: int) -> bool:
    """Whether a socket listens on address:port (or the wildcard), read from /proc/net/tcp{,6}."""
    import ipaddress

    want = ipaddress.ip_address(address)
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in current(table).splitlines()[1:]:
            fields = line.split()
            hex_addr, hex_port = fields[1].split(":")
            if fields[3] != "0A" or int(hex_port, 16) != port:
                continue
            raw = bytes.fromhex(hex_addr)
            # The kernel prints each 32-bit word in host (little-endian) order.
            raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            got = ipaddress.ip_address(raw)
            if got == want or got.is_unspecified:
                return True
    return False


def restart_commands(mode: str, opening: bool) -> list[list[str]]:
    if mode == "classic":
        return []  # the role runs its configurable restart command
    daemon, socket_unit = SOCKETS[mode]
    # Stopping the service does not stop guests (KillMode=process); the socket unit must be
    # restarted with the service down to pick up a new ListenStream.
    toggle = ["enable", "--now", socket_unit] if opening else ["disable", "--now", socket_unit]
    return [
        ["systemctl", "daemon-reload"],
        ["systemctl", "stop", f"{daemon}.service"],
        ["systemctl", *toggle],
        ["systemctl", "start", f"{daemon}.service"],
    ]


def present(module: ScriptModule, p: dict, manifest_path: str) -> dict:
    if not p["address"]:
        module.fail_json(msg="address: required with state=present. Fix: set libvirt_listen_tcp_address.")
    manifest = load_manifest(manifest_path)
    mode = manifest["mode"] if manifest else (detect_mode() if p["mode"] == "auto" else p["mode"])
    if mode == "classic" and not p["defaults_file"]:
        module.fail_json(msg="defaults_file: required in classic mode. Fix: set libvirt_listen_tcp_defaults_file.")
    files = desired_files(p, mode)
    changed_files = [path for path, body in files.items() if not os.path.exists(path) or current(path) != body]
    # Also restart when the files are right but nothing listens: a previous run wrote them and
    # its restart failed, or the daemon was restarted without the options.
    restart = bool(changed_files) or not listening(p["address"], p["port"])
    result = {
        "changed": restart,
        "mode": mode,
        "changed_files": changed_files,
        "restart_needed": restart,
        "commands": restart_commands(mode, True) if restart else [],
    }
    if module.check_mode or not changed_files:
        return result
    if manifest is None:
        os.makedirs(p["backup_dir"], mode=0o700, exist_ok=True)
        manifest = {"mode": mode, "files": {}}
        for index, path in enumerate(files):
            backup = os.path.join(p["backup_dir"], f"{index}-{os.path.basename(path)}")
            existed = os.path.exists(path)
            if existed:
                shutil.copy2(path, backup)
            manifest["files"][path] = {"existed": existed, "backup": backup}
        with open(manifest_path, "w") as handle:
            json.dump(manifest, handle, indent=2)
    for path, body in files.items():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write(body)
    return result


def absent(module: ScriptModule, p: dict, manifest_path: str) -> dict:
    if not os.path.exists(manifest_path):
        return {"changed": False, "mode": None, "changed_files": [], "restart_needed": False, "commands": []}
    manifest = load_manifest(manifest_path)
    mode = manifest["mode"]
    restored = list(manifest["files"])
    result = {
        "changed": True,
        "mode": mode,
        "changed_files": restored,
        "restart_needed": True,
        "commands": restart_commands(mode, False),
    }
    if module.check_mode:
        return result
    for path, entry in manifest["files"].items():
        if entry["existed"]:
            shutil.copy2(entry["backup"], path)
            os.unlink(entry["backup"])
        elif os.path.exists(path):
            os.unlink(path)
    os.unlink(manifest_path)
    return result


def main() -> None:
    module = ScriptModule(
        {
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "mode": {"type": "str", "choices": ["auto", "classic", "socket", "modular"], "default": "auto"},
            "address": {"type": "str"},
            "port": {"type": "int", "default": 16509},
            "conf_dir": {"type": "path", "default": "/etc/libvirt"},
            "systemd_dir": {"type": "path", "default": "/etc/systemd/system"},
            "defaults_file": {"type": "path"},
            "defaults_var": {"type": "str", "default": "libvirtd_opts"},
            "backup_dir": {"type": "path", "required": True},
        }
    )
    p = module.params
    manifest_path = os.path.join(p["backup_dir"], "manifest.json")
    try:
        result = present(module, p, manifest_path) if p["state"] == "present" else absent(module, p, manifest_path)
    except OSError as exc:
        module.fail_json(msg=f"{exc.filename}: {exc.strerror}. Fix: check the path and that the role runs as root.")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
