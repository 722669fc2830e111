# Copyright: acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helper script of acs.ingest.libvirt_listen_tcp: try qemu+tcp the way CloudStack does.

Run it delegated to a host that should (``expect=connect``) or should not (``expect=refuse``) get
in. "Connect" means libvirt-python opened the URI and listed domains, which is what CloudStack's
listVmsForImport does (facts §3.2). Never changes anything.
"""

from __future__ import annotations

import json
import socket
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


def probe(address: str, port: int, timeout: float) -> tuple[bool, str, int]:
    """(connected, error text, number of domains listed)."""
    try:
        # A plain TCP connect first: libvirt has no connect timeout of its own.
        with socket.create_connection((address, port), timeout=timeout):
            pass
    except OSError as exc:
        return False, f"tcp: {exc}", 0
    try:
        import libvirt
    except ImportError as exc:
        return False, f"python: {exc} (install libvirt-python on the probing host)", 0
    host = f"[{address}]" if ":" in address else address
    uri = f"qemu+tcp://{host}:{port}/system" if port != 16509 else f"qemu+tcp://{host}/system"
    try:
        conn = libvirt.open(uri)
        try:
            return True, "", len(conn.listAllDomains())
        finally:
            conn.close()
    except libvirt.libvirtError as exc:
        return False, f"libvirt: {exc.get_error_message()}", 0


def main() -> None:
    module = ScriptModule(
        {
            "address": {"type": "str", "required": True},
            "port": {"type": "int", "default": 16509},
            "expect": {"type": "str", "choices": ["connect", "refuse"], "required": True},
            "timeout": {"type": "float", "default": 10},
        }
    )
    p = module.params
    connected, error, domains = probe(p["address"], p["port"], p["timeout"])
    result = {"changed": False, "connected": connected, "error": error, "domains": domains}
    if p["expect"] == "connect" and not connected:
        module.fail_json(
            msg=f"address: qemu+tcp to {p['address']}:{p['port']} failed ({error}). "
            "Fix: check libvirt_listen_tcp_allowed_sources and the listen address.",
            **result,
        )
    if p["expect"] == "refuse" and connected:
        module.fail_json(
            msg=f"address: qemu+tcp to {p['address']}:{p['port']} succeeded from a host that "
            "should be refused. Fix: check the firewall backend on the libvirt host.",
            **result,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
