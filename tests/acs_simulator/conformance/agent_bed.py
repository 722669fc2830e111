"""The libvirt side of the agent conformance cases: one domain per case, on QEMU or libvirt's test driver.

QEMU domains are created transient and paused (a paused domain is still listed, PowerOn, and costs no CPU);
the shut-off case is only defined. Test-driver domains live in one node XML. Every name starts with
``h3agent-`` so cleanup touches nothing else.
"""

from __future__ import annotations

import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import libvirt

from acs_simulator.testbed import remove_domain

from .agent_cases import Case

PREFIX = "h3agent-"
URI = "qemu:///system"
POOL_DIR = Path("/var/lib/acs-ingest-sim/pool1")
TEST_NODE_CPU = (
    "<cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads>"
    "<active>2</active><mhz>2000</mhz><model>i686</model></cpu><memory>16777216</memory>"
)


def domain_xml(case: Case, name: str, kind: str, disk_paths: list[Path]) -> str:
    """The case's domain: a minimal guest plus the case's own elements."""
    tune = "<cputune><shares>100</shares></cputune>" if case.cputune else ""
    os_xml = case.os_xml or "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
    if kind == "test":
        os_xml = os_xml.replace(" machine='pc'", "").replace(" machine='q35'", "")
    devices = case.devices.format(**{f"disk{i}": escape(str(p)) for i, p in enumerate(disk_paths)})
    emulator = "<emulator>/usr/bin/qemu-system-x86_64</emulator>" if kind == "qemu" else ""
    body = "" if case.code == "devices_missing" else f"<devices>{emulator}{devices}</devices>"
    name_xml = "<name/>" if case.code == "name_empty_element" else f"<name>{name}</name>"
    return (
        f"<domain type='{kind}'>{name_xml}<memory unit='MiB'>{case.memory_mib}</memory><vcpu>{case.vcpus}</vcpu>"
        f"{tune}{case.top}{os_xml}{body}</domain>"
    )


@dataclass
class AgentBed:
    """Every case's domain, by case ident: libvirt name and the XML it was defined from."""

    node_xml: Path
    names: dict[str, str] = field(default_factory=dict)
    xml: dict[str, str] = field(default_factory=dict)
    disks: list[Path] = field(default_factory=list)
    conn: libvirt.virConnect | None = None

    def build(self, cases: tuple[Case, ...]) -> None:
        self.conn = libvirt.open(URI)
        POOL_DIR.mkdir(parents=True, exist_ok=True)
        test_domains, qemu = [], []
        tag = uuid.uuid4().hex[:4]
        for n, case in enumerate(cases):
            name = f"{PREFIX}{tag}-{n:02d}"
            if case.driver == "parser":
                continue
            paths = [POOL_DIR / f"{name}-{i}.qcow2" for i in range(case.disks)]
            for path in paths:
                subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "16M"], check=True)
            self.disks.extend(paths)
            xml = domain_xml(case, name, case.driver, paths)
            self.names[case.ident], self.xml[case.ident] = name, xml
            if case.driver == "test":
                test_domains.append(xml if case.running else xml.replace("</domain>", _SHUTOFF + "</domain>"))
            else:
                qemu.append((xml, case.running))
        conn = self.conn

        def start(item: tuple[str, bool]) -> None:
            xml, running = item
            if running:
                conn.createXML(xml, libvirt.VIR_DOMAIN_START_PAUSED)
            else:
                conn.defineXML(xml)

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(start, qemu))
        body = "".join(test_domains).replace("<domain type='test'>", f"<domain type='test' xmlns:test='{_TEST_NS}'>")
        self.node_xml.write_text(f"<node>{TEST_NODE_CPU}{body}</node>")

    def cleanup(self) -> None:
        conn = self.conn or libvirt.open(URI)

        def remove(name: str) -> None:
            assert name.startswith(PREFIX)
            remove_domain(conn, name)

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(remove, self.names.values()))
        for path in self.disks:
            path.unlink(missing_ok=True)
        conn.close()


_TEST_NS = "http://libvirt.org/schemas/domain/test/1.0"
_SHUTOFF = "<test:runstate>5</test:runstate>"
