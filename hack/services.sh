#!/usr/bin/env bash
# Start the daemons the tests and the main job use, if they are not running:
# virtlogd, libvirtd, sshd; and create the unprivileged SSH test user.
source "$(dirname "$0")/lib.sh"

# Debian's udev rule gives /dev/kvm to group kvm (0660). Containers often leave it root:root
# 0600; libvirtd then cannot open it as the qemu user and re-probes QEMU's capabilities on
# nearly every call, which makes each domain start take a minute instead of two seconds.
# Our domains are <domain type='qemu'> (TCG) either way.
if [ -e /dev/kvm ] && getent group kvm >/dev/null; then
  as_root chgrp kvm /dev/kvm && as_root chmod 0660 /dev/kvm
fi

if ! pgrep -x virtlogd >/dev/null; then log "starting virtlogd"; as_root virtlogd -d; fi
if ! pgrep -x libvirtd >/dev/null; then log "starting libvirtd"; as_root libvirtd -d; fi
for _ in $(seq 1 50); do
  virsh -c qemu:///system version >/dev/null 2>&1 && break
  sleep 0.2
done
virsh -c qemu:///system version >/dev/null || { echo "libvirtd did not come up" >&2; exit 1; }

# The SSH paths (external import, pre-flight) log in with a password, as CloudStack does.
ssh_user="${ACS_INGEST_SSH_USER:-acsimport}"
ssh_password="${ACS_INGEST_SSH_PASSWORD:-acs-import-test-pw}"
if ! id "$ssh_user" >/dev/null 2>&1; then
  log "creating SSH test user $ssh_user"
  as_root useradd --create-home --shell /bin/bash "$ssh_user"
fi
echo "$ssh_user:$ssh_password" | as_root chpasswd
conf=/etc/ssh/sshd_config.d/acs-ingest-tests.conf
if [ ! -f "$conf" ]; then
  printf 'Match User %s\n    PasswordAuthentication yes\n' "$ssh_user" | as_root tee "$conf" >/dev/null
fi
as_root mkdir -p /run/sshd
if ! pgrep -x sshd >/dev/null; then log "starting sshd"; as_root /usr/sbin/sshd; fi

# Bridges for test domains: CloudStack-style names, each carrying a VLAN by its name. breth1-400 is
# the main job's VLAN that no CloudStack network carries until its networks step creates one.
for br in cloudbr0 cloudbr1 breth1-100 breth1-200 breth1-400; do
  if ! ip link show "$br" >/dev/null 2>&1; then
    as_root ip link add "$br" type bridge
  fi
  as_root ip link set "$br" up
done
