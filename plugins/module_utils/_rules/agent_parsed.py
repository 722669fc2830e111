# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""What ``agent_parse`` reads out of a domain (the parser's DiskDef/InterfaceDef state), and its walk state."""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import Finding, Rule, find
from ansible_collections.acs.ingest.plugins.module_utils._rules.dom import EMPTY_ELEMENT, Element, tag_value
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import Version


@dataclass
class ParsedDisk:
    position: int  # index among all <disk> elements
    disk_type: str | None = None  # file | block | network; None: not defined (volume, dir, ...)
    device_type: str | None = None  # disk | cdrom; only "disk" is listed
    label: str | None = None
    bus: str | None = None  # lower-case enum string
    source_path: str | None = None
    source_host: str | None = None
    port: int = 0
    xml_type: str = ""
    xml_device: str = ""
    failed: bool = False  # the parser already threw on this disk: the wrapper never sees it


@dataclass
class ParsedNic:
    position: int
    net_type: str = ""  # as written
    model: str | None = None  # lower-case enum string, None when never parsed
    mac: str | None = None
    dev: str | None = None
    bridge: str | None = None
    slot: int | None = None


@dataclass
class ParsedDomain:
    disks: list[ParsedDisk] = field(default_factory=list)
    nics: list[ParsedNic] = field(default_factory=list)
    vnc_password: str | None = None
    has_cputune: bool = False
    shares: int = 0
    has_cpu: bool = False
    cores_per_socket: int = -1
    boot_type: str = "BIOS"
    boot_mode: str = "LEGACY"
    name: str | None = None
    description: str | None = None


class Walk:
    """One pass over the document, collecting findings (``subject`` is the domain name)."""

    def __init__(self, version: Version, subject: str) -> None:
        self.version = version
        self.subject = subject
        self.findings: list[Finding] = []

    def hit(
        self, rule: Rule, field_name: str, detail: str, fix: str = "", value: object = None, text: str = ""
    ) -> None:
        """``value`` fills the %s of CloudStack's text: the upper-cased enum value or the number as written."""
        found = find(rule, field_name, detail, self.version, subject=self.subject, fix=fix, value=value, text=text)
        self.findings.append(found)

    def text(self, scope: Element | None, tag: str, rule: Rule, field_name: str) -> str | None:
        """``getTagValue``: an empty element is None, except on 4.19.0 where it throws (``rule``)."""
        value = tag_value(scope, tag)
        if value is EMPTY_ELEMENT:
            if self.version < (4, 19, 1):
                self.hit(rule, field_name, f"<{tag}/> is an empty element")
            return None
        return value if isinstance(value, str) else None
