#!/usr/bin/env bash
# Type-check the collection with mypy (settings in pyproject.toml). mypy must see the code under
# its import name, ansible_collections.acs.ingest, so it runs from a collections root whose
# acs/ingest entry is a symlink to this checkout (the same one tests/conftest.py makes).
source "$(dirname "$0")/lib.sh"
source "$REPO_ROOT/hack/env.sh"
root="$REPO_ROOT/.cache/src-collections"
mkdir -p "$root/ansible_collections/acs"
[ -e "$root/ansible_collections/acs/ingest" ] || ln -sfn "$REPO_ROOT" "$root/ansible_collections/acs/ingest"
cd "$root"
exec mypy --config-file "$REPO_ROOT/pyproject.toml" -p ansible_collections.acs.ingest.plugins
