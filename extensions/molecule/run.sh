#!/usr/bin/env bash
# Run the molecule scenarios of the roles (called by hack/test.sh; runs as root).
# Each scenario builds its own disposable lab (network/mount namespaces, isolated libvirtd,
# see resources/lab.sh) and removes it at the end, also after a failure.
# Usage: extensions/molecule/run.sh [scenario...]   (default: all)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck disable=SC1091
source "$repo/hack/env.sh"
bash "$repo/hack/install-collection.sh"

scenarios=("$@")
[ "${#scenarios[@]}" -eq 0 ] && scenarios=(libvirt_listen_tcp persist_domain_xml)
failed=()
for scenario in "${scenarios[@]}"; do
  start=$SECONDS
  if (cd "$repo/extensions" && molecule test -s "$scenario"); then
    echo "molecule scenario $scenario passed in $((SECONDS - start))s" >&2
  else
    echo "molecule scenario $scenario FAILED after $((SECONDS - start))s" >&2
    failed+=("$scenario")
    # molecule runs cleanup on failure, but make sure no lab is left behind.
    if [ "$scenario" = libvirt_listen_tcp ]; then lab=listen; else lab=persist; fi
    bash "$here/resources/lab.sh" "$lab" down >/dev/null 2>&1 || true
  fi
done
[ "${#failed[@]}" -eq 0 ] || { echo "failed scenarios: ${failed[*]}" >&2; exit 1; }
