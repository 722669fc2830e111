"""CloudStack releases the simulator can behave as, and which behaviours each one has.

Agent and management server are versioned separately: a 4.22 management server may still talk to 4.20
agents during a rolling upgrade, and what ``listUnmanagedInstances`` shows is decided by the agent.

Release placement: every feature below names the commit that introduced it; which releases carry it was
checked with ``git merge-base --is-ancestor <commit> <release commit>`` on the CloudStack mirror (release
commits are the "Updating pom.xml version numbers for release X" commits). 4.20.2.0 was cut after 4.21.0.0
and carries fixes 4.21.0.0 lacks, so features are sets of releases, never ">= x.y".
"""

from __future__ import annotations

RELEASES = ("4.19.0", "4.19.1", "4.19.2", "4.19.3", "4.20.0", "4.20.1", "4.20.2", "4.21.0", "4.22.0")
# The short names are the x.y.0 releases, as in the research notes and the collection's catalogue.
SHORT = {"4.19": "4.19.0", "4.20": "4.20.0", "4.21": "4.21.0", "4.22": "4.22.0"}
REFERENCE = ("4.19.0", "4.20.0", "4.21.0", "4.22.0")


def release(name: str) -> str:
    """'4.20' / '4.20.2' / '4.20.2.0' → '4.20.2'; raises ValueError naming the accepted values."""
    parts = name.strip().split(".")
    if len(parts) == 4 and parts[3] == "0":
        parts = parts[:3]
    label = ".".join(parts)
    label = SHORT.get(label, label)
    if label not in RELEASES:
        raise ValueError(f"CloudStack version '{name}' is unknown. Fix: use one of {', '.join((*SHORT, *RELEASES))}")
    return label


def _since(*releases: str) -> frozenset[str]:
    return frozenset(releases)


_ALL = frozenset(RELEASES)
_FROM_4191 = _ALL - {"4.19.0"}
_FROM_4192 = _ALL - {"4.19.0", "4.19.1", "4.20.0"}  # also 4.20.1+: the 4.19.2 fixes were merged forward

# --- agent (KVM host) behaviours -----------------------------------------------------------------
AGENT_FEATURES: dict[str, frozenset[str]] = {
    # a7ec8738a2 (#8720): LibvirtDomainXMLParser.getTagValue returns null for an element without child
    # nodes instead of throwing NullPointerException.
    "tag_value_null_guard": _FROM_4191,
    # 672206c312 (#8282): LibvirtVMDef.WatchDogDef.WatchDogModel gains ITCO (and WatchDogAction INJECT_NMI,
    # which "inject-nmi".toUpperCase() never reaches).
    "watchdog_itco": _FROM_4191,
    # 7e295ec4e1 (#10203): WatchDogModel gains NONE.
    "watchdog_none": _since("4.20.1", "4.20.2", "4.21.0", "4.22.0"),
    # 27124c1031 (#8850): LibvirtDomainXMLParser.extractCpuModeDef needs sockets, cores AND threads.
    "topology_needs_threads": _since("4.20.0", "4.20.1", "4.20.2", "4.21.0", "4.22.0"),
    # d54b105a03 (#9792): LibvirtDomainXMLParser.parseDiskBlock: only device='disk' is a block disk,
    # a block cdrom becomes a cdrom; before, every type='block' disk was defined as a disk.
    "block_disk_split": _FROM_4192,
    # 3337f425ff (#10132): LibvirtGetUnmanagedInstancesCommandWrapper.getUnmanagedInstance computes
    # cpuspeed only when the domain has a <cputune>; before, a domain without one threw NPE.
    "cputune_guard": _FROM_4192,
    # 9349b69b7e (#11218): LibvirtDomainXMLParser.extractBootDef; the wrapper sets bootType/bootMode.
    "boot_detection": _since("4.20.2", "4.22.0"),
    # e64e94ad3f (#11507): LibvirtGetUnmanagedInstancesCommandWrapper.getUnmanagedInstanceNics asks
    # LibvirtComputingResource.getVlanIdForBridge for bridge NICs.
    "bridge_vlan": _since("4.20.2", "4.22.0"),
}

# --- management server behaviours ---------------------------------------------------------------
SERVER_FEATURES: dict[str, frozenset[str]] = {
    # df5c546559 (#9124): UnmanagedVMsManagerImpl.listVmsForImport no longer requires username.
    "remote_list_username_optional": _FROM_4191,
    # c24c1a5c00 (#8813): importExternalKvmVirtualMachine / importKvmVirtualMachineFromDisk stop writing
    # the custom offering's unset CPU/speed/memory as the string "null" into the VM details.
    "custom_offering_null_details_fixed": _FROM_4191,
    # The 4.20.1 line (and 4.21+) prints VOs with their toString (JSON-ish) in many import messages where
    # older releases print a name or UUID (e.g. importVirtualMachineInternal's offering wrapper, importNic).
    "object_strings": _since("4.20.1", "4.20.2", "4.21.0", "4.22.0"),
    # 46f672563e (#8815): NetworkOrchestrator.importNic validates the MAC (blank, NetUtils.isValidMac).
    "nic_mac_validated": _FROM_4191,
    # f25d35c5d6 (#8759): UnmanagedVMsManagerImpl.getStoragePool second pass falls back to the datastore name.
    "pool_match_name_fallback": _FROM_4191,
    # f6ceeab3b3 (#9017): host tag check = HostVO.checkHostServiceOfferingAndTemplateTags (strict tags only).
    "strict_host_tags": _since("4.20.0", "4.20.1", "4.20.2", "4.21.0", "4.22.0"),
    # 37eec06166 (#9787): UnmanagedVMsManagerImpl.baseImportInstance refuses a disabled cluster.
    "cluster_enabled_check": _FROM_4192,
    # d8c321d57a (#9764): getStoragePool only matches pools whose tags fit the disk offering (root too).
    "pool_match_checks_tags": _FROM_4192,
    # 75a2b3cc54 (#11264): CheckVolume / CopyRemoteVolume report lock, encryption, backing file; the
    # server's UnmanagedVMsManagerImpl.checkVolume refuses them; the agent validates *.qcow2 headers.
    "volume_checks": _since("4.20.2", "4.21.0", "4.22.0"),
    # a51a04efc2 (#10975): UnmanagedVMsManagerImpl.addImportingVMBootTypeAndModeDetails stores UEFI=<mode>.
    "uefi_detail": _since("4.20.2", "4.21.0", "4.22.0"),
    # 86cad79c15 (#11811): NetworkOrchestrator.getSelectedIpForNicImportOnSharedNetwork: a shared network's
    # NIC address must be a Free address of its IP ranges.
    "shared_ip_from_range": _since("4.20.2", "4.22.0"),
    # a18b5514e6 (#11640): importKvmInstance honours templateid for importVm.
    "importvm_templateid": _since("4.20.2", "4.22.0"),
    # 605534b417 (#9208): unmanageVMInstance refuses Shared FileSystem VMs.
    "unmanage_sharedfs_check": _since("4.20.0", "4.20.1", "4.20.2", "4.21.0", "4.22.0"),
    # 188eacd9eb (#10051): NetUtils.verifyDomainNameLabel uses an ASCII regex instead of lower-casing first.
    "hostname_ascii_regex": _FROM_4192,
    # 9bcd98876d (#11541): unmanageVirtualMachine hostid/forced, config-drive check, persistDomainForKVM,
    # stopped KVM VMs allowed.
    "unmanage_kvm_persist": _since("4.22.0"),
    # b106d6e190 (#11594): getStoragePool second pass also matches a pool whose UUID is the datastore name.
    "pool_match_uuid": _since("4.22.0"),
    # 592038a304 (#8362): volume / primary-storage limits on import; no CPU/memory limit check any more.
    "granular_limits": _since("4.20.0", "4.20.1", "4.20.2", "4.21.0", "4.22.0"),
    # 8d3ae3e057 (#10770): ApiResponseHelper.createUnmanagedInstanceResponse copies bootmode/boottype (null,
    # i.e. absent, unless the agent filled them).
    "unmanaged_boot_keys": _since("4.19.3", "4.20.1", "4.20.2", "4.21.0", "4.22.0"),
}

__all__ = ["AGENT_FEATURES", "REFERENCE", "RELEASES", "SERVER_FEATURES", "release"]


def has(features: dict[str, frozenset[str]], name: str, version: str) -> bool:
    return version in features[name]
