#!/usr/bin/env bash
# Build the collection tarball as a user gets it, check what it ships (hack/check-tarball.py),
# and run galaxy-importer on it as Galaxy does on upload: 0 errors and 0 warnings or it fails.
# galaxy-importer's own ansible-test run needs a container runtime; hack/galaxy-importer.cfg
# turns it off and hack/sanity.sh runs ansible-test sanity instead.
source "$(dirname "$0")/lib.sh"
source "$REPO_ROOT/hack/env.sh"
out="$REPO_ROOT/.cache/importer"
rm -rf "$out"; mkdir -p "$out"
(cd "$REPO_ROOT" && ansible-galaxy collection build --output-path "$out" >/dev/null)
tarball=$(ls "$out"/acs-ingest-*.tar.gz)
python "$REPO_ROOT/hack/check-tarball.py" "$tarball"
cd "$out"
rc=0
GALAXY_IMPORTER_CONFIG="$REPO_ROOT/hack/galaxy-importer.cfg" python -m galaxy_importer.main "$tarball" > importer.log 2>&1 || rc=$?
grep -E '^(WARNING|ERROR)' importer.log >&2 || true
warnings=$(grep -c '^WARNING' importer.log || true)
errors=$(grep -c '^ERROR' importer.log || true)
echo "galaxy-importer: rc=$rc, $errors error(s), $warnings warning(s) (log: $out/importer.log)" >&2
[ "$rc" -eq 0 ] && [ "$errors" -eq 0 ] && [ "$warnings" -eq 0 ] && grep -q 'Importer processing completed successfully' importer.log
