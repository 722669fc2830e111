#!/usr/bin/env bash
# ansible-test sanity needs the collection at .../ansible_collections/acs/ingest: copy the files
# git tracks (or, outside a git checkout, the whole tree) there and run it in a venv per test.
#
# Sanity covers what ships (plugins, roles, playbooks, meta, docs) and the unit tests. The test
# bed (simulator, infra, integration tests, benchmarks) and the dev scripts never ship and are
# not Ansible content; ruff lints them instead (see hack/test.sh).
source "$(dirname "$0")/lib.sh"
source "$REPO_ROOT/hack/env.sh"
work="$REPO_ROOT/.cache/sanity"
dest="$work/ansible_collections/acs/ingest"
rm -rf "$work"; mkdir -p "$dest"
cd "$REPO_ROOT"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$dest" 2>/dev/null || true
else
  tar --exclude=.venv --exclude=.cache --exclude=.git -cf - . | tar -xf - -C "$dest"
fi
# ansible-test bootstraps pip in each sanity venv with a script it downloads from its own CI
# host; this machine reaches only package registries, so provide an equivalent script.
pip_version=$(python - <<'PY'
import re, ansible_test._internal.python_requirements as r, inspect
print(re.search(r"pip='([0-9.]+)'", inspect.getsource(r)).group(1))
PY
)
mkdir -p ~/.ansible/test/cache
cp "$REPO_ROOT/hack/get_pip_shim.py" ~/.ansible/test/cache/get_pip_${pip_version//./_}.py
pip download -q --no-deps -d ~/.ansible/test/cache/pip-wheels "pip==$pip_version"
rm -rf "$dest/tests/acs_simulator" "$dest/tests/infra" "$dest/tests/integration" "$dest/tests/benchmarks" \
  "$dest/tests/conftest.py" "$dest/hack" "$dest/.ci"
cd "$dest"
# ansible-test wants a git repository or a plain tree; give it a clean repository of the copy.
git init -q && git add -A && git -c user.email=ci@localhost -c user.name=ci commit -qm sanity
ansible-test sanity --venv --python "$(python -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')" "$@"
