"""Domain XML edits the simulated agent makes (the parsing side is ``domparser``)."""

from __future__ import annotations

import xml.etree.ElementTree as ET


def strip_config_drive(xml: str, instance: str) -> str:
    """cleanupConfigDrive (facts §3.4): drop every cdrom whose source file contains /<instance>.iso."""
    root = ET.fromstring(xml)
    needle = f"/{instance}.iso"
    for devices in root.iter("devices"):
        for disk in list(devices.findall("disk")):
            src = disk.find("source")
            if disk.get("device") == "cdrom" and src is not None and needle in (src.get("file") or ""):
                devices.remove(disk)
    return ET.tostring(root, encoding="unicode")
