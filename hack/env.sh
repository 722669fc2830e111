# Source this to get the project's tool environment: . hack/env.sh
_acs_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ACS_INGEST_ROOT="$_acs_root"
export VIRTUAL_ENV="${ACS_INGEST_VENV:-$_acs_root/.venv}"
export PATH="$VIRTUAL_ENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="${ACS_INGEST_COLLECTIONS_DIR:-$_acs_root/.cache/collections}"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
export ANSIBLE_HOST_KEY_CHECKING=false
export ANSIBLE_NOCOLOR=1
export PYTHONPATH="$_acs_root/tests${PYTHONPATH:+:$PYTHONPATH}"
export ANSIBLE_PYTHON_INTERPRETER="$VIRTUAL_ENV/bin/python"
unset _acs_root
