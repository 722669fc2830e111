#!/usr/bin/env bash
# Disposable "hosts" for the molecule scenarios. Nothing here touches the machine's own libvirtd,
# network addresses or firewall ruleset:
#   listen   three network namespaces (acsl-kvm, acsl-ok, acsl-no) joined by veth pairs with
#            addresses 10.231.1.0/24 (allowed client) and 10.231.2.0/24 (refused client), and an
#            isolated libvirtd (own mount namespace, tests/infra/external_host.sh) inside acsl-kvm,
#            configured like a stock host (no TCP), running one guest.
#   persist  an isolated libvirtd (own mount namespace, machine's network namespace) for
#            persist_domain_xml, so the scenario may restart it.
# Usage: lab.sh listen|persist up|down|env
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
exthost="$repo/tests/infra/external_host.sh"

lab="${1:?listen|persist}"; action="${2:?up|down|env}"
case "$lab" in
  listen) export ACS_EXTHOST_ROOT=/var/lib/acsl-kvm ACS_EXTHOST_NETNS=acsl-kvm ACS_EXTHOST_ADDRESS=10.231.1.1 ;;
  persist) export ACS_EXTHOST_ROOT=/var/lib/acsp-kvm ACS_EXTHOST_ADDRESS=127.0.0.4 ;;
  *) echo "unknown lab $lab" >&2; exit 2 ;;
esac
export ACS_EXTHOST_TCP=0 ACS_EXTHOST_UUID=6a0c2f4e-8d1b-4c55-9f2a-ac50e00000a1

netns_up() {
  local ns
  for ns in acsl-kvm acsl-ok acsl-no; do
    ip netns list | grep -qw "$ns" || ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
  link() {  # link <client ns> <kvm-side ifname> <client ifname> <subnet prefix>
    if ! ip -n acsl-kvm link show "$2" >/dev/null 2>&1; then
      ip link add "$2" netns acsl-kvm type veth peer name "$3" netns "$1"
      ip -n acsl-kvm addr add "$4.1/24" dev "$2"
      ip -n "$1" addr add "$4.2/24" dev "$3"
    fi
    ip -n acsl-kvm link set "$2" up
    ip -n "$1" link set "$3" up
    ip -n "$1" route replace default via "$4.1"
  }
  link acsl-ok acsl-okk acsl-ok0 10.231.1
  link acsl-no acsl-nok acsl-no0 10.231.2
}

guest_up() {
  # One running guest whose QEMU must survive every libvirtd restart the role does.
  local name="$1" disk="$ACS_EXTHOST_ROOT/disks/$1.qcow2"
  bash "$exthost" exec virsh -q domstate "$name" 2>/dev/null | grep -q running && return 0
  [ -f "$disk" ] || qemu-img create -q -f qcow2 "$disk" 32M
  cat > "$ACS_EXTHOST_ROOT/$name.xml" <<XML
<domain type='qemu'><name>$name</name><memory unit='MiB'>48</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='$disk'/><target dev='vda' bus='virtio'/></disk><graphics type='vnc' port='-1' listen='127.0.0.1'/></devices></domain>
XML
  bash "$exthost" exec virsh -q create "$ACS_EXTHOST_ROOT/$name.xml" >/dev/null
}

wrappers() {
  # ansible_python_interpreter must be one executable path: wrappers that enter the lab's namespaces.
  local py="${VIRTUAL_ENV:-$repo/.venv}/bin/python"
  mkdir -p "$ACS_EXTHOST_ROOT/bin"
  printf '#!/bin/sh\nexec nsenter --mount=%s/ns/mnt %s %s "$@"\n' "$ACS_EXTHOST_ROOT" \
    "${ACS_EXTHOST_NETNS:+--net=/run/netns/$ACS_EXTHOST_NETNS}" "$py" > "$ACS_EXTHOST_ROOT/bin/python-kvm"
  if [ "$lab" = listen ]; then
    printf '#!/bin/sh\nexec ip netns exec acsl-ok %s "$@"\n' "$py" > "$ACS_EXTHOST_ROOT/bin/python-ok"
    printf '#!/bin/sh\nexec ip netns exec acsl-no %s "$@"\n' "$py" > "$ACS_EXTHOST_ROOT/bin/python-no"
  fi
  chmod 0755 "$ACS_EXTHOST_ROOT"/bin/python-*
}

persist_guests() {
  # Transient running domains, as CloudStack < 4.22 leaves them after unmanage: one with a
  # config drive (/<name>.iso) and an unrelated cdrom, and one CloudStack still "manages".
  local d="$ACS_EXTHOST_ROOT/disks" name
  mkdir -p "$d/configdrive"
  [ -f "$d/configdrive/acsp-i-2-6-VM.iso" ] || truncate -s 1M "$d/configdrive/acsp-i-2-6-VM.iso"
  [ -f "$d/other.iso" ] || truncate -s 1M "$d/other.iso"
  for name in acsp-i-2-6-VM acsp-managed; do
    bash "$exthost" exec virsh -q domstate "$name" 2>/dev/null | grep -q running && continue
    [ -f "$d/$name.qcow2" ] || qemu-img create -q -f qcow2 "$d/$name.qcow2" 32M
    local n=1; [ "$name" = acsp-managed ] && n=2
    cat > "$ACS_EXTHOST_ROOT/$name.xml" <<XML
<domain type='qemu'><name>$name</name><memory unit='MiB'>48</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$d/$name.qcow2'/><target dev='vda' bus='virtio'/></disk>
<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='$d/configdrive/$name.iso'/><target dev='hdd' bus='ide'/><readonly/></disk>
<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='$d/other.iso'/><target dev='hdc' bus='ide'/><readonly/></disk>
<interface type='bridge'><mac address='52:54:00:ac:50:0$n'/><source bridge='cloudbr0'/><target dev='acsp-tap$n'/><model type='virtio'/></interface>
<graphics type='vnc' port='-1' listen='127.0.0.1' passwd='acspSecr'/>
</devices></domain>
XML
    [ -f "$d/configdrive/$name.iso" ] || truncate -s 1M "$d/configdrive/$name.iso"
    bash "$exthost" exec virsh -q create "$ACS_EXTHOST_ROOT/$name.xml" >/dev/null
  done
}

case "$action" in
  up)
    [ "$lab" = listen ] && netns_up
    bash "$exthost" start
    wrappers
    [ "$lab" = listen ] && guest_up acsl-guest
    [ "$lab" = persist ] && persist_guests
    true ;;
  down)
    bash "$exthost" purge || true
    if [ "$lab" = listen ]; then
      for ns in acsl-kvm acsl-ok acsl-no; do ip netns del "$ns" 2>/dev/null || true; done
    fi ;;
  env) env | grep '^ACS_EXTHOST_' ;;
esac
