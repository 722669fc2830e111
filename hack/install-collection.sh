#!/usr/bin/env bash
# Build the collection from the working tree and install it where hack/env.sh points Ansible.
source "$(dirname "$0")/lib.sh"
source "$REPO_ROOT/hack/env.sh"
out="$REPO_ROOT/.cache/build"
mkdir -p "$out" "$COLLECTIONS_DIR"
rm -f "$out"/acs-ingest-*.tar.gz
log "building and installing the acs.ingest collection"
(cd "$REPO_ROOT" && ansible-galaxy collection build --force --output-path "$out" >/dev/null)
ansible-galaxy collection install --force -p "$COLLECTIONS_DIR" "$out"/acs-ingest-*.tar.gz >/dev/null
echo "installed $(basename "$out"/acs-ingest-*.tar.gz) into $COLLECTIONS_DIR" >&2
