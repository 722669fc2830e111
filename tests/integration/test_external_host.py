"""The external KVM host really is a separate libvirtd reachable the way CloudStack reaches it."""

from __future__ import annotations

import json
import socket

import libvirt
import paramiko
import pytest
from infra.external_host import DiskSpec, ExternalKvmHost

pytestmark = [pytest.mark.external_host, pytest.mark.libvirt, pytest.mark.ssh]


def _ssh(host: ExternalKvmHost) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(
        host.address,
        username=host.ssh_user,
        password=host.ssh_password,
        timeout=15,
        allow_agent=False,
        look_for_keys=False,
    )
    return client


def test_tcp_endpoint_is_separate_from_main_libvirtd(external_kvm_host: ExternalKvmHost) -> None:
    ext = external_kvm_host.connect()
    main = libvirt.open("qemu:///system")
    try:
        assert ext.getURI() == "qemu+tcp://127.0.0.2/system"
        # Different host UUIDs and different domain sets: two hypervisors, not one seen twice.
        assert ext.getCapabilities() != main.getCapabilities()
        assert "<uuid>6a0c2f4e-8d1b-4c55-9f2a-ac50e0000002</uuid>" in ext.getCapabilities()
    finally:
        ext.close()
        main.close()
    # Only 127.0.0.2 listens: 127.0.0.1:16509 must refuse (the main libvirtd has no TCP listener).
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", 16509), timeout=3):
        pass


def test_shut_off_domain_is_listed_runs_and_is_invisible_to_main(external_kvm_host, external_domain_factory) -> None:
    dom_info = external_domain_factory("basic", [DiskSpec("qcow2", 32), DiskSpec("raw", 16)])
    conn = external_kvm_host.connect()
    main = libvirt.open("qemu:///system")
    try:
        assert dom_info.name in conn.listDefinedDomains()
        dom = conn.lookupByName(dom_info.name)
        assert dom.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF
        assert dom_info.name not in [d.name() for d in main.listAllDomains()]
        dom.create()
        assert dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING
        xml = dom.XMLDesc(0)
        for path in dom_info.disks:
            assert f"file='{path}'" in xml
        dom.destroy()
        assert dom.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF
    finally:
        conn.close()
        main.close()


def test_ssh_user_reads_disks_with_qemu_img(external_kvm_host, external_domain_factory, tmp_path) -> None:
    dom_info = external_domain_factory("sshread", [DiskSpec("qcow2", 48), DiskSpec("raw", 8)])
    client = _ssh(external_kvm_host)
    try:
        for path, fmt, size in zip(dom_info.disks, ("qcow2", "raw"), (48, 8), strict=True):
            _, out, err = client.exec_command(f"qemu-img info --output=json -U {path}", timeout=30)
            assert out.channel.recv_exit_status() == 0, err.read().decode()
            info = json.loads(out.read())
            assert info["format"] == fmt
            assert info["virtual-size"] == size * 1024 * 1024
        # What CloudStack does on the external host: convert to a temporary qcow2 the user owns.
        target = f"/tmp/exth-convert-{dom_info.uuid}.qcow2"
        _, out, err = client.exec_command(
            f"qemu-img convert -O qcow2 {dom_info.disks[0]} {target} && "
            f"qemu-img info --output=json {target}; rm -f {target}",
            timeout=60,
        )
        assert out.channel.recv_exit_status() == 0, err.read().decode()
        assert json.loads(out.read())["virtual-size"] == 48 * 1024 * 1024
    finally:
        client.close()


def test_start_is_idempotent(external_kvm_host: ExternalKvmHost) -> None:
    import subprocess

    before = subprocess.run(["bash", str(external_kvm_host.script), "status"], capture_output=True, text=True)
    again = subprocess.run(["bash", str(external_kvm_host.script), "start"], capture_output=True, text=True, timeout=60)
    assert before.returncode == 0 and again.returncode == 0
    assert "already running" in again.stderr


def test_shared_domain_factory_works_on_the_external_host(external_kvm_host, external_test_domains) -> None:
    from infra.domains import DiskSpec as FactoryDisk

    dom = external_test_domains.create("factory", running=False, disks=[FactoryDisk(size_mib=16)])
    conn = external_kvm_host.connect()
    try:
        assert conn.lookupByName(dom.name).state()[0] == libvirt.VIR_DOMAIN_SHUTOFF
    finally:
        conn.close()
    client = _ssh(external_kvm_host)
    try:
        _, out, err = client.exec_command(f"qemu-img info --output=json -U {dom.disks[0].path}", timeout=30)
        assert out.channel.recv_exit_status() == 0, err.read().decode()
        assert json.loads(out.read())["virtual-size"] == 16 * 1024 * 1024
    finally:
        client.close()
