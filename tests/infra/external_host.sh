#!/usr/bin/env bash
# The "external KVM host" for tests: a second, real libvirtd that behaves as a separate hypervisor
# on the loopback alias 127.0.0.2, as an operator's non-CloudStack KVM host would.
#
# It runs in its own persistent mount namespace where /etc/libvirt, /run/libvirt, /var/lib/libvirt,
# /var/cache/libvirt and /var/log/libvirt are bind mounts of private directories, so its
# configuration, sockets, domain state and logs never mix with the machine's main libvirtd (which
# other tests use). It has its own virtlogd and listens on TCP 127.0.0.2:16509 with auth_tcp=none,
# exactly what CloudStack's qemu+tcp://<host>/system needs (facts §3.2). The network namespace is
# shared with the machine, so sshd on 127.0.0.2:22 is "the same host" for SSH (qemu-img over SSH).
#
# Disk files for its domains live in $ACS_EXTHOST_ROOT/disks, which is not bind-mounted: the same
# path is visible from both namespaces and readable by the SSH test user.
#
# Variants (used by the molecule scenarios, which need libvirtds they may reconfigure and restart):
#   ACS_EXTHOST_NETNS=<name>  run inside that existing network namespace as well (firewall tests)
#   ACS_EXTHOST_TCP=0         stock libvirtd.conf (no TCP), libvirtd started with the options in
#                             /etc/libvirt/acs-test-default-libvirtd (libvirtd_opts=...), the way
#                             /etc/default/libvirtd works on a classic Debian host
#
# Usage: external_host.sh start|stop|restart|status|purge|exec <cmd...>
#   start   idempotent; returns once qemu+tcp://127.0.0.2/system answers
#   stop    destroys the external host's running domains, ends every process in its namespace
#   purge   stop, then delete its state (definitions, disks, logs)
#   exec    run a command inside the external host's mount namespace (e.g. virsh, nsenter wrapper)
set -euo pipefail

ROOT="${ACS_EXTHOST_ROOT:-/var/lib/acs-exthost}"
ADDR="${ACS_EXTHOST_ADDRESS:-127.0.0.2}"
PORT="${ACS_EXTHOST_PORT:-16509}"
URI="qemu+tcp://$ADDR/system"
NETNS="${ACS_EXTHOST_NETNS:-}"
TCP="${ACS_EXTHOST_TCP:-1}"
NSDIR="$ROOT/ns"
NSFILE="$NSDIR/mnt"
# A fixed host UUID so the external host is distinguishable from the main one in capabilities.
HOST_UUID="${ACS_EXTHOST_UUID:-6a0c2f4e-8d1b-4c55-9f2a-ac50e0000002}"

log() { printf '[external_host] %s\n' "$*" >&2; }

# Callers may already be inside the namespaces (the molecule lab runs Ansible modules there, and
# a role's restart command then calls this script): enter only what we are not already in.
inside_mnt() { [ "$(stat -L -c %i /proc/self/ns/mnt)" = "$(cat "$ROOT/mntns.inode" 2>/dev/null)" ]; }
ns_alive() { inside_mnt || { [ -e "$NSFILE" ] && nsenter --mount="$NSFILE" true 2>/dev/null; }; }
ns_args() {
  inside_mnt || printf -- '--mount=%s\n' "$NSFILE"
  if [ -n "$NETNS" ] && [ "$(stat -L -c %i /proc/self/ns/net)" != "$(stat -L -c %i "/run/netns/$NETNS")" ]; then
    printf -- '--net=/run/netns/%s\n' "$NETNS"
  fi
}
in_ns() {
  local args
  mapfile -t args < <(ns_args)
  if [ "${#args[@]}" -eq 0 ]; then "$@"; else nsenter "${args[@]}" "$@"; fi
}
answering() {
  if [ "$TCP" = 1 ] && [ -z "$NETNS" ]; then timeout 60 virsh -c "$URI" version >/dev/null 2>&1
  else ns_alive && timeout 60 bash "$0" exec virsh -c qemu:///system version >/dev/null 2>&1; fi
}

prepare_dirs() {
  mkdir -p "$ROOT"
  chmod 0755 "$ROOT"
  mkdir -p "$ROOT"/{etc,run,cache,log,lib} "$ROOT/disks"
  # The SSH user reads disk files here (qemu-img convert over SSH), qemu (libvirt-qemu) writes them.
  chmod 0755 "$ROOT/disks"
  if [ ! -f "$ROOT/etc/libvirtd.conf.acs-exthost" ]; then
    # Start from the distribution configuration, minus anything that would collide with the
    # main daemon: autostarted networks (virbr0) and any defined domains/pools.
    cp -a /etc/libvirt/. "$ROOT/etc/"
    rm -rf "$ROOT/etc/qemu/"*.xml "$ROOT/etc/qemu/autostart" "$ROOT/etc/qemu/networks/autostart/"* \
      "$ROOT/etc/storage" "$ROOT/etc/hooks/"*
    if [ "$TCP" != 1 ]; then
      printf '\nhost_uuid = "%s"\nlog_outputs = "3:file:/var/log/libvirt/libvirtd.log"\n' "$HOST_UUID" \
        >> "$ROOT/etc/libvirtd.conf"
      echo 'libvirtd_opts=""' > "$ROOT/etc/acs-test-default-libvirtd"
    else
    cat > "$ROOT/etc/libvirtd.conf" <<CONF
# acs.ingest test "external KVM host" (tests/infra/external_host.sh)
listen_tls = 0
listen_tcp = 1
listen_addr = "$ADDR"
tcp_port = "$PORT"
auth_tcp = "none"
host_uuid = "$HOST_UUID"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
CONF
    fi
    touch "$ROOT/etc/libvirtd.conf.acs-exthost"
  fi
  # Mirror the ownership the Debian package gives the state directories qemu needs.
  local d
  for d in qemu qemu/channel qemu/channel/target qemu/checkpoint qemu/dump qemu/nvram qemu/ram \
           qemu/save qemu/snapshot images boot; do
    mkdir -p "$ROOT/lib/$d"
  done
  chown -R libvirt-qemu:libvirt-qemu "$ROOT/lib/qemu"
  chmod 0750 "$ROOT/lib/qemu" "$ROOT/lib/qemu/channel"
  mkdir -p "$ROOT/cache/qemu" "$ROOT/log/qemu"
  chmod 0711 "$ROOT/cache" "$ROOT/cache/qemu"
}

make_namespace() {
  mkdir -p "$NSDIR"
  # A namespace can only be pinned to a file on a private mount; make $NSDIR one.
  if ! mountpoint -q "$NSDIR"; then mount --bind "$NSDIR" "$NSDIR"; fi
  mount --make-private "$NSDIR"
  if [ -e "$NSFILE" ] && ! ns_alive; then umount "$NSFILE" 2>/dev/null || true; fi
  if ! ns_alive; then
    touch "$NSFILE"
    unshare --mount="$NSFILE" --propagation private true
    stat -L -c %i "$NSFILE" > "$ROOT/mntns.inode"
    in_ns mount --bind "$ROOT/etc" /etc/libvirt
    in_ns mount --bind "$ROOT/run" /run/libvirt
    in_ns mount --bind "$ROOT/lib" /var/lib/libvirt
    in_ns mount --bind "$ROOT/cache" /var/cache/libvirt
    in_ns mount --bind "$ROOT/log" /var/log/libvirt
  fi
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_libvirtd() {
  pid_alive "$ROOT/run/libvirtd.pid" && return 0
  local libvirtd_opts="--listen"
  if [ "$TCP" != 1 ]; then
    libvirtd_opts=""
    # shellcheck disable=SC1091
    [ -f "$ROOT/etc/acs-test-default-libvirtd" ] && . "$ROOT/etc/acs-test-default-libvirtd"
  fi
  # shellcheck disable=SC2086
  in_ns libvirtd -d $libvirtd_opts -p /run/libvirt/libvirtd.pid -f /etc/libvirt/libvirtd.conf
}

wait_answering() {
  local _
  for _ in $(seq 1 20); do answering && return 0; sleep 0.5; done
  return 1
}

restart() {
  # Like "systemctl restart libvirtd" with KillMode=process: only the daemon, never its QEMUs.
  local pid _
  if pid_alive "$ROOT/run/libvirtd.pid"; then
    pid=$(cat "$ROOT/run/libvirtd.pid")
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  start_libvirtd
  wait_answering || { log "libvirtd did not come back"; return 1; }
  log "libvirtd restarted"
}

start() {
  if ns_alive && pid_alive "$ROOT/run/libvirtd.pid" && answering; then
    log "already running at $URI"; return 0
  fi
  prepare_dirs
  make_namespace
  # pid files inside the private /run/libvirt: the default /run/*.pid belong to the main daemons.
  if ! pid_alive "$ROOT/run/virtlogd.pid"; then
    in_ns virtlogd -d -p /run/libvirt/virtlogd.pid
  fi
  start_libvirtd
  local _
  if ! wait_answering; then
    log "libvirtd did not answer on $URI; log: $ROOT/log/libvirtd.log"
    tail -n 20 "$ROOT/log/libvirtd.log" >&2 || true
    return 1
  fi
  log "running: $URI (state in $ROOT, disks in $ROOT/disks)"
}

ns_pids() {
  # Every process whose mount namespace is ours: libvirtd, virtlogd and any QEMU it started.
  local want pid
  want=$(cat "$ROOT/mntns.inode" 2>/dev/null || stat -L -c %i "$NSFILE" 2>/dev/null) || return 0
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [ "$(stat -L -c %i "/proc/$pid/ns/mnt" 2>/dev/null)" = "$want" ] && echo "$pid"
  done
  return 0
}

stop() {
  if answering; then
    local dom
    for dom in $(in_ns virsh -c qemu:///system list --name 2>/dev/null); do
      in_ns virsh -c qemu:///system destroy "$dom" >/dev/null 2>&1 || true
    done
  fi
  if ns_alive; then
    local pids
    pids=$(ns_pids)
    if [ -n "$pids" ]; then
      # shellcheck disable=SC2086
      kill $pids 2>/dev/null || true
      for _ in $(seq 1 50); do [ -z "$(ns_pids)" ] && break; sleep 0.1; done
      pids=$(ns_pids)
      # shellcheck disable=SC2086
      [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
    fi
  fi
  if [ -e "$NSFILE" ]; then umount "$NSFILE" 2>/dev/null || true; rm -f "$NSFILE"; fi
  if mountpoint -q "$NSDIR" 2>/dev/null; then umount "$NSDIR" || true; fi
  rm -f "$ROOT/run/libvirtd.pid" "$ROOT/run/virtlogd.pid" "$ROOT/mntns.inode"
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) restart ;;
  purge) stop; rm -rf "$ROOT" ;;
  status) if ns_alive && pid_alive "$ROOT/run/libvirtd.pid" && answering; then
    if [ "$TCP" = 1 ]; then echo "running $URI"; else echo "running (unix socket in $NSFILE)"; fi
  else echo "stopped"; exit 3; fi ;;
  exec) shift; in_ns "$@" ;;
  *) echo "usage: $0 start|stop|restart|status|purge|exec <cmd...>" >&2; exit 2 ;;
esac
