# Shared shell helpers for hack/*.sh. Source it; do not run it.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ACS_INGEST_VENV:-$REPO_ROOT/.venv}"
COLLECTIONS_DIR="${ACS_INGEST_COLLECTIONS_DIR:-$REPO_ROOT/.cache/collections}"
log() { printf '\n==> %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
