#!/usr/bin/env bash
# Run every test of acs.ingest on a fresh Debian 12 machine: installs what is missing
# (apt packages, venv, Python packages, the collection via ansible-galaxy), starts the
# daemons, then runs lint, the type check (mypy), unit/integration/simulator tests, ansible-test
# sanity, ansible-doc, the ecosystem's own tools (ansible-lint, galaxy-importer, ansible-builder,
# ansible-runner as AWX runs jobs), the molecule scenarios and the benchmarks. Exits non-zero
# if any stage failed.
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

bash hack/bootstrap.sh
bash hack/services.sh
source hack/env.sh

declare -a passed=() failed=()
stage() {
  local name="$1"; shift
  log "stage: $name"
  local start=$SECONDS
  if "$@"; then passed+=("$name"); else failed+=("$name"); fi
  echo "stage $name took $((SECONDS - start))s" >&2
}

stage_external_host() {
  [ -x tests/infra/external_host.sh ] || { echo "no external host script" >&2; return 0; }
  bash tests/infra/external_host.sh start
}

stage_lint() {
  ruff check . && ruff format --check --quiet plugins tests
}

stage_types() {
  bash hack/typecheck.sh
}

stage_pytest() {
  mkdir -p tests/output
  # --durations: the CI log names the slowest tests, so a growing suite shows where it grows
  pytest -p no:cacheprovider -q -rfEs -m "not awx_runner" --durations=20 --junitxml=tests/output/junit.xml
}

# ansible-lint's production profile over the whole repository (.ansible-lint skips no rule),
# linting the source tree, never an installed copy (hack/ansible-lint.sh).
stage_ansible_lint() {
  bash hack/ansible-lint.sh
}

# The built tarball: what it ships (hack/check-tarball.py) and galaxy-importer with 0 errors
# and 0 warnings (hack/importer.sh).
stage_importer() {
  bash hack/importer.sh
}

# The example execution environment: ansible-builder create (no container runtime here) and
# ansible-builder's introspection of the installed collection (hack/ee.sh).
stage_ee() {
  bash hack/ee.sh
}

# discover -> validate -> import -> rerun as AWX jobs: ansible-runner, AWX's private data dir
# layout, the credential type's injectors, against the simulator.
stage_ansible_runner() {
  mkdir -p tests/output
  pytest -p no:cacheprovider -q -rfEs -m awx_runner --junitxml=tests/output/junit-awx-runner.xml \
    tests/integration/test_awx_runner.py
}

stage_sanity() {
  bash hack/sanity.sh
}

stage_docs() {
  local rc=0 plugin name
  for plugin in plugins/modules/*.py; do
    name=$(basename "$plugin" .py); [ "$name" = "__init__" ] && continue
    ansible-doc "acs.ingest.$name" >/dev/null || { echo "ansible-doc failed for module $name" >&2; rc=1; }
  done
  for plugin in plugins/inventory/*.py; do
    name=$(basename "$plugin" .py); [ "$name" = "__init__" ] && continue
    ansible-doc -t inventory "acs.ingest.$name" >/dev/null || { echo "ansible-doc failed for inventory $name" >&2; rc=1; }
  done
  antsibull-changelog lint || rc=1
  antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml || rc=1
  return $rc
}

stage_molecule() {
  [ -x extensions/molecule/run.sh ] || { echo "no molecule scenarios" >&2; return 0; }
  bash extensions/molecule/run.sh
}

stage_benchmarks() {
  local rc=0 bench start
  for bench in tests/benchmarks/bench_*.py; do
    [ -e "$bench" ] || continue
    log "benchmark $bench"
    start=$SECONDS
    timeout 900 python "$bench" || { echo "benchmark $bench failed" >&2; rc=1; }
    echo "benchmark $bench took $((SECONDS - start))s" >&2  # which one the stage's time goes to
  done
  return $rc
}

stage external-host stage_external_host
stage lint stage_lint
stage types stage_types
stage pytest stage_pytest
stage sanity stage_sanity
stage docs stage_docs
stage ansible-lint stage_ansible_lint
stage galaxy-importer stage_importer
stage ansible-builder stage_ee
stage ansible-runner stage_ansible_runner
stage molecule stage_molecule
if [ "${ACS_INGEST_SKIP_BENCHMARKS:-0}" != 1 ]; then stage benchmarks stage_benchmarks; fi

[ -x tests/infra/external_host.sh ] && bash tests/infra/external_host.sh stop >/dev/null 2>&1 || true

echo
echo "passed stages: ${passed[*]:-none}"
echo "failed stages: ${failed[*]:-none}"
echo "stages: ${#passed[@]} passed, ${#failed[@]} failed"
[ "${#failed[@]}" -eq 0 ]
