#!/usr/bin/env bash
# Install everything acs.ingest needs on a fresh Debian 12 machine: apt packages, a venv with
# the Python packages, and the collection itself, built and installed with ansible-galaxy.
# Safe to re-run: each step is skipped when already done.
source "$(dirname "$0")/lib.sh"

packages=$(grep -v '^\s*#' "$REPO_ROOT/hack/apt-packages.txt" | xargs)
missing=$(dpkg-query -W -f='${Status} ${Package}\n' $packages 2>/dev/null | awk '$3 != "installed" {print $4}' || true)
# dpkg-query prints nothing for never-seen packages, so compare counts as well.
installed_count=$(dpkg-query -W -f='${Status}\n' $packages 2>/dev/null | grep -c ' installed$' || true)
if [ -n "$missing" ] || [ "$installed_count" -ne "$(echo $packages | wc -w)" ]; then
  log "installing apt packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages
fi

if [ ! -x "$VENV/bin/python" ]; then
  log "creating venv $VENV"
  python3 -m venv "$VENV"
fi
stamp="$VENV/.acs-ingest-requirements"
want=$(cat "$REPO_ROOT/requirements.txt" "$REPO_ROOT/tests/requirements.txt" | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "installing Python packages into $VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -r "$REPO_ROOT/requirements.txt" -r "$REPO_ROOT/tests/requirements.txt"
  echo "$want" > "$stamp"
fi

bash "$REPO_ROOT/hack/install-collection.sh"
