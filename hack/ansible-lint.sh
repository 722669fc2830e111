#!/usr/bin/env bash
# ansible-lint's production profile (.ansible-lint) over the whole repository, against the
# source tree itself: acs.ingest resolves to this checkout through a symlink in a private
# collections path, and HOME/ANSIBLE_HOME point at an empty directory, so neither a stale
# installed copy (~/.ansible/collections, e.g. left by molecule's prerun; .cache/collections
# before hack/install-collection.sh) nor a user's ansible.cfg can shadow what is linted.
#   bash hack/ansible-lint.sh [ansible-lint arguments]
source "$(dirname "$0")/lib.sh"
source "$REPO_ROOT/hack/env.sh"
work="$REPO_ROOT/.cache/ansible-lint"
rm -rf "$work"
mkdir -p "$work/collections/ansible_collections/acs" "$work/home"
: > "$work/ansible.cfg"
ln -s "$REPO_ROOT" "$work/collections/ansible_collections/acs/ingest"
cd "$REPO_ROOT"
HOME="$work/home" ANSIBLE_HOME="$work/home/.ansible" ANSIBLE_CONFIG="$work/ansible.cfg" \
  ANSIBLE_COLLECTIONS_PATH="$work/collections" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
  ansible-lint --nocolor "$@"
