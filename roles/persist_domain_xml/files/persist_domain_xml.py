# Copyright: acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helper script of acs.ingest.persist_domain_xml: make transient libvirt domains persistent.

It does what CloudStack 4.22's agent does on unmanage (facts §3.4): take the live XML in its secure
form (VIR_DOMAIN_XML_SECURE, so a VNC password survives), drop the config-drive cdrom whose source
file contains ``/<name>.iso`` and define the result. It never undefines, never stops a domain and
never touches a disk.
"""

from __future__ import annotations

import json
import os
import sys
import time


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


try:
    import libvirt
    from lxml import etree
except ImportError as exc:  # reported as one clear line below
    libvirt = None
    IMPORT_ERROR = str(exc)
else:
    IMPORT_ERROR = ""


def strip_config_drive(xml: str, name: str) -> tuple[str, list[str]]:
    """Remove every cdrom whose source file contains '/<name>.iso' (CloudStack's XPath, §3.4).

    Returns the new XML and the removed source paths; the XML is unchanged when nothing matched.
    """
    root = etree.fromstring(xml.encode())
    needle = f"/{name}.iso"
    removed = []
    for disk in root.xpath("//disk[@device='cdrom'][source/@file[contains(., $needle)]]", needle=needle):
        removed.append(disk.find("source").get("file"))
        disk.getparent().remove(disk)
    if not removed:
        return xml, []
    return etree.tostring(root, encoding="unicode"), removed


def _inactive_has_config_drive(dom, name: str) -> bool:
    flags = libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE
    return bool(strip_config_drive(dom.XMLDesc(flags), name)[1])


def _targets(conn, params) -> list:
    if params["domains"]:
        doms = []
        for name in params["domains"]:
            try:
                doms.append(conn.lookupByName(name))
            except libvirt.libvirtError:
                raise LookupError(name) from None
        return doms
    exclude = set(params["exclude"])
    return [d for d in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_TRANSIENT) if d.name() not in exclude]


def _save(backup_dir: str, name: str, kind: str, xml: str) -> str:
    os.makedirs(backup_dir, mode=0o700, exist_ok=True)
    path = os.path.join(backup_dir, f"{name}.{time.strftime('%Y%m%dT%H%M%S')}.{kind}.xml")
    # Secure XML may hold a VNC password: readable by root only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(xml)
    return path


def run(module: ScriptModule) -> dict:
    params = module.params
    result = {"changed": False, "domains": [], "backups": []}
    try:
        conn = libvirt.open(params["uri"])
    except libvirt.libvirtError as exc:
        module.fail_json(
            msg=f"uri: cannot connect to {params['uri']} ({exc.get_error_message()}). "
            "Fix: check that libvirtd runs and the URI is right."
        )
    try:
        try:
            doms = _targets(conn, params)
        except LookupError as exc:
            module.fail_json(
                msg=f"domains: no domain named {exc} on {params['uri']}. Fix: use a name from 'virsh list --all'."
            )
        diffs = []
        for dom in doms:
            name = dom.name()
            entry = {
                "name": name,
                "was_persistent": bool(dom.isPersistent()),
                "was_active": bool(dom.isActive()),
                "removed_config_drive": [],
            }
            if dom.isPersistent():
                # Already defined: only redefine if the stored definition still has the config drive.
                if not (params["strip_config_drive"] and _inactive_has_config_drive(dom, name)):
                    entry["action"] = "none"
                    result["domains"].append(entry)
                    continue
                live = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE)
            else:
                live = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE)
            new_xml, removed = strip_config_drive(live, name) if params["strip_config_drive"] else (live, [])
            entry["removed_config_drive"] = removed
            entry["action"] = "define"
            result["changed"] = True
            diffs.append(
                {
                    "before_header": f"{name} (persistent={entry['was_persistent']})",
                    "after_header": f"{name} (persistent=True)",
                    "before": f"persistent: {entry['was_persistent']}\n" + "".join(f"cdrom: {p}\n" for p in removed),
                    "after": "persistent: True\n",
                }
            )
            if not module.check_mode:
                result["backups"].append(_save(params["backup_dir"], name, "live", live))
                result["backups"].append(_save(params["backup_dir"], name, "defined", new_xml))
                conn.defineXML(new_xml)
                entry["persistent"] = bool(conn.lookupByName(name).isPersistent())
                entry["active"] = bool(conn.lookupByName(name).isActive())
            result["domains"].append(entry)
        if module._diff and diffs:
            result["diff"] = diffs
    except libvirt.libvirtError as exc:
        module.fail_json(msg=f"libvirt: {exc.get_error_message()}. Fix: see the libvirtd log on the host.", **result)
    finally:
        conn.close()
    return result


def main() -> None:
    module = ScriptModule(
        {
            "uri": {"type": "str", "default": "qemu:///system"},
            "domains": {"type": "list", "elements": "str", "default": []},
            "all_transient": {"type": "bool", "default": False},
            "exclude": {"type": "list", "elements": "str", "default": []},
            "strip_config_drive": {"type": "bool", "default": True},
            "backup_dir": {"type": "path", "required": True},
        }
    )
    if IMPORT_ERROR:
        module.fail_json(msg=f"python: {IMPORT_ERROR}. Fix: install libvirt-python and lxml for the host's Python.")
    if not module.params["domains"] and not module.params["all_transient"]:
        module.fail_json(
            msg="domains: empty and all_transient is false, so nothing would be persisted. "
            "Fix: list the domains, or set all_transient with exclude = CloudStack-managed names."
        )
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
