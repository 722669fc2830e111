#!/usr/bin/env bash
# Run before `ansible-galaxy collection publish`: galaxy.yml's URLs must be the real ones, not
# the placeholders under .invalid that stand in for them until the public home exists.
source "$(dirname "$0")/lib.sh"
if grep -nE '^(repository|documentation|issues|homepage):.*\.invalid' "$REPO_ROOT/galaxy.yml" >&2; then
  echo "galaxy.yml: the URLs above are placeholders. Fix: set them to the public repository, its docs/ and its issue tracker" >&2
  exit 1
fi
echo "galaxy.yml: publish URLs set" >&2
