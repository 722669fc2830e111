# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""The definition a transient domain gets when it is made persistent, decided from its XML alone.

From 4.22 CloudStack's agent persists a running VM it unmanages: it takes the live XML in its
secure form, removes the config drive and defines the domain (facts §3.4). Before 4.22 the domain
stays transient and ``persist.py`` does the same on the host. This file holds the decisions, with
no libvirt and no disk access, so they are tested against CloudStack's own sample XML.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.acs.ingest.plugins.module_utils._libvirt.domain_xml import parse_xml

try:
    from lxml import etree
except ImportError:  # parse_xml reports the missing library as one clear error
    etree = None  # type: ignore[assignment]

# Attributes the secure XML carries in clear text (graphics passwords); masked in anything we print.
SECRET_ATTRIBUTES = ("passwd", "password")
MASK = "********"


def strip_config_drive(xml: str, name: str) -> tuple[str, list[str]]:
    """Remove every cdrom whose source file contains ``/<name>.iso``; return the XML and the removed files.

    The rule and the XPath are CloudStack's:
    plugins/hypervisors/kvm/src/main/java/com/cloud/hypervisor/kvm/resource/wrapper/
    LibvirtUnmanageInstanceCommandWrapper.java ``LibvirtUnmanageInstanceCommandWrapper.cleanupConfigDrive``
    (4.22.0 and later; earlier versions do not persist the domain at all). When nothing matches,
    the XML comes back unchanged, byte for byte, as CloudStack returns it.
    """
    root = parse_xml(xml)
    matches = root.xpath("//disk[@device='cdrom'][source/@file[contains(., $needle)]]", needle=f"/{name}.iso")
    if not matches:
        return xml, []
    removed = []
    for disk in matches:
        removed.append(disk.find("source").get("file"))
        disk.getparent().remove(disk)
    return etree.tostring(root, encoding="unicode"), removed


def redact_secrets(xml: str) -> str:
    """The XML with every password attribute masked, for diffs; "" stays ""."""
    if not xml:
        return xml
    root = parse_xml(xml)
    for attribute in SECRET_ATTRIBUTES:
        for element in root.xpath(f"//*[@{attribute}]"):
            element.set(attribute, MASK)
    return etree.tostring(root, encoding="unicode")


@dataclass
class Definition:
    """What to define for one domain; ``xml`` is None when it is already as it should be."""

    name: str
    xml: str | None
    removed_config_drive: list[str] = field(default_factory=list)

    @property
    def needed(self) -> bool:
        return self.xml is not None


def plan_definition(
    name: str, persistent: bool, live_xml: str, stored_xml: str | None, strip_config_drive_disks: bool
) -> Definition:
    """Decide whether and what to define.

    A transient domain is defined from its live secure XML (less the config drive). A persistent
    one is left alone unless its stored definition still carries the config drive, which a later
    start would attach again: then that definition is redefined without it.
    """
    if persistent:
        if not strip_config_drive_disks or stored_xml is None:
            return Definition(name, None)
        stripped, removed = strip_config_drive(stored_xml, name)
        return Definition(name, stripped if removed else None, removed)
    if not strip_config_drive_disks:
        return Definition(name, live_xml)
    stripped, removed = strip_config_drive(live_xml, name)
    return Definition(name, stripped, removed)
