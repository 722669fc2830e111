# Copyright: acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helper script of acs.ingest.libvirt_listen_tcp: let only CloudStack's KVM hosts reach libvirt.

Every backend keeps its rules in something the role owns, so removing them touches nothing else:
nftables: table ``inet acs_ingest_libvirt_tcp``; iptables: chain ``ACS_INGEST_LIBVIRT`` plus one
jump from INPUT; firewalld: rich rules; ufw: rules on the port. Refused sources get a TCP reset
(nftables/iptables) so callers fail fast instead of waiting for a timeout.
"""

from __future__ import annotations

import hashlib
import json
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


TABLE = "acs_ingest_libvirt_tcp"
CHAIN = "ACS_INGEST_LIBVIRT"


def _run(module: ScriptModule, argv: list[str], stdin: str | None = None, check: bool = True) -> str:
    proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        module.fail_json(
            msg=f"firewall: '{' '.join(argv)}' failed: {proc.stderr.strip()}. "
            "Fix: check the firewall tool on the host, or set libvirt_listen_tcp_firewall."
        )
    return proc.stdout if proc.returncode == 0 else ""


def detect_backend(module: ScriptModule) -> str:
    if shutil.which("firewall-cmd") and _run(module, ["firewall-cmd", "--state"], check=False).strip() == "running":
        return "firewalld"
    if shutil.which("ufw") and "Status: active" in _run(module, ["ufw", "status"], check=False):
        return "ufw"
    if shutil.which("nft"):
        return "nftables"
    if shutil.which("iptables"):
        return "iptables"
    module.fail_json(
        msg="firewall: none of firewalld, ufw, nft, iptables found. "
        "Fix: install nftables, or set libvirt_listen_tcp_firewall=none and filter elsewhere."
    )
    return "none"


def nft_ruleset(p: dict) -> str:
    v4 = [a for a in p["allowed"] if ":" not in a]
    v6 = [a for a in p["allowed"] if ":" in a]
    daddr = ("ip6" if ":" in p["address"] else "ip") + f" daddr {p['address']} "
    lines = [
        f"tcp dport {p['port']} ip saddr {{ {', '.join(v4)} }} accept" if v4 else "",
        f"tcp dport {p['port']} ip6 saddr {{ {', '.join(v6)} }} accept" if v6 else "",
        f"{daddr}tcp dport {p['port']} reject with tcp reset",
        f"tcp dport {p['port']} reject with tcp reset",
    ]
    # The digest of the wanted rules is stored as the table comment: equal digest = nothing to do.
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
    body = "\n    ".join(line for line in lines if line)
    return (
        f'table inet {TABLE} {{\n  comment "acs.ingest libvirt_listen_tcp {digest}"\n'
        f"  chain input {{\n    type filter hook input priority -10; policy accept;\n    {body}\n  }}\n}}\n"
    )


def nftables(module: ScriptModule, p: dict) -> bool:
    current = _run(module, ["nft", "list", "table", "inet", TABLE], check=False)
    if p["state"] == "absent":
        if current and not module.check_mode:
            _run(module, ["nft", "delete", "table", "inet", TABLE])
        return bool(current)
    wanted = nft_ruleset(p)
    digest = wanted.split('"')[1]
    if digest in current:
        return False
    if not module.check_mode:
        # Create-then-delete-then-add in one transaction: never a moment without the rules.
        _run(module, ["nft", "-f", "-"], stdin=f"table inet {TABLE}\ndelete table inet {TABLE}\n{wanted}")
    return True


def iptables(module: ScriptModule, p: dict) -> bool:
    jump = ["INPUT", "-p", "tcp", "--dport", str(p["port"]), "-j", CHAIN]
    has_chain = bool(_run(module, ["iptables", "-S", CHAIN], check=False))
    if p["state"] == "absent":
        if has_chain and not module.check_mode:
            while subprocess.run(["iptables", "-C", *jump], capture_output=True, check=False).returncode == 0:
                _run(module, ["iptables", "-D", *jump])
            _run(module, ["iptables", "-F", CHAIN])
            _run(module, ["iptables", "-X", CHAIN])
        return has_chain
    rules = [["-s", src, "-j", "ACCEPT"] for src in p["allowed"] if ":" not in src]
    rules.append(["-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"])
    wanted = [f"-N {CHAIN}"] + [f"-A {CHAIN} " + " ".join(r) for r in rules]
    current = _run(module, ["iptables", "-S", CHAIN], check=False).splitlines()
    jumped = subprocess.run(["iptables", "-C", *jump], capture_output=True, check=False).returncode == 0
    normalised = [line.replace("/32 ", " ") for line in current]
    if jumped and normalised == [w.replace("/32 ", " ") for w in wanted]:
        return False
    if not module.check_mode:
        if not has_chain:
            _run(module, ["iptables", "-N", CHAIN])
        _run(module, ["iptables", "-F", CHAIN])
        for rule in rules:
            _run(module, ["iptables", "-A", CHAIN, *rule])
        if not jumped:
            _run(module, ["iptables", "-I", *jump[:1], "1", *jump[1:]])
    return True


def firewalld(module: ScriptModule, p: dict) -> bool:
    rules = [
        f'rule family="{"ipv6" if ":" in s else "ipv4"}" source address="{s}" port port="{p["port"]}" '
        f'protocol="tcp" accept'
        for s in p["allowed"]
    ]
    changed = False
    for rule in rules:
        for permanent in ([], ["--permanent"]):
            present_now = (
                subprocess.run(
                    ["firewall-cmd", *permanent, f"--query-rich-rule={rule}"], capture_output=True, check=False
                ).returncode
                == 0
            )
            want = p["state"] == "present"
            if present_now != want:
                changed = True
                if not module.check_mode:
                    verb = "--add-rich-rule" if want else "--remove-rich-rule"
                    _run(module, ["firewall-cmd", *permanent, f"{verb}={rule}"])
    return changed


def ufw(module: ScriptModule, p: dict) -> bool:
    status = _run(module, ["ufw", "status"])
    rules = [["allow", "from", s, "to", p["address"], "port", str(p["port"]), "proto", "tcp"] for s in p["allowed"]]
    rules.append(["deny", "to", p["address"], "port", str(p["port"]), "proto", "tcp"])
    # ufw prints "<addr> <port>/tcp ALLOW <src>" lines; a crude but sufficient presence test.
    have = [s for s in p["allowed"] if s in status] if p["state"] == "present" else p["allowed"]
    changed = (
        p["state"] == "present"
        and len(have) != len(p["allowed"])
        or p["state"] == "absent"
        and f"{p['port']}/tcp" in status
    )
    if changed and not module.check_mode:
        for rule in rules:
            _run(module, ["ufw", *(["delete"] if p["state"] == "absent" else []), *rule], check=p["state"] == "present")
    return changed


def main() -> None:
    module = ScriptModule(
        {
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "backend": {
                "type": "str",
                "choices": ["auto", "nftables", "iptables", "firewalld", "ufw", "none"],
                "default": "auto",
            },
            "address": {"type": "str"},
            "port": {"type": "int", "default": 16509},
            "allowed": {"type": "list", "elements": "str", "default": []},
        }
    )
    p = module.params
    if p["state"] == "present" and not p["allowed"]:
        module.fail_json(
            msg="allowed: empty, so nobody could reach libvirt. "
            "Fix: set libvirt_listen_tcp_allowed_sources to the CloudStack KVM host addresses."
        )
    if p["state"] == "present" and not p["address"]:
        module.fail_json(msg="address: required with state=present. Fix: set libvirt_listen_tcp_address.")
    backend = detect_backend(module) if p["backend"] == "auto" else p["backend"]
    handler = {"nftables": nftables, "iptables": iptables, "firewalld": firewalld, "ufw": ufw}.get(backend)
    changed = handler(module, p) if handler else False
    module.exit_json(changed=changed, backend=backend)


if __name__ == "__main__":
    main()
