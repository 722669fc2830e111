#!/usr/bin/env bash
# The example execution environment (docs/ee/execution-environment.yml): ansible-builder
# validates it and writes the build context (no container runtime needed, none exists here),
# then ansible-builder's own introspection reads the installed collection's
# meta/execution-environment.yml and must find every requirement the EE build would install.
source "$(dirname "$0")/lib.sh"
source "$REPO_ROOT/hack/env.sh"
context="$REPO_ROOT/.cache/ee-context"
rm -rf "$context"
ansible-builder create -f "$REPO_ROOT/docs/ee/execution-environment.yml" --context "$context" \
  --output-filename Containerfile >/dev/null
test -s "$context/Containerfile"
ansible-builder introspect --sanitize "$COLLECTIONS_DIR" --user-bindep "$context/_build/bindep.txt" \
  > "$context/introspect.yml"
python - "$context" <<'PY'
import sys
from pathlib import Path

import yaml

context = Path(sys.argv[1])
found = yaml.safe_load((context / "introspect.yml").read_text())
python = " ".join(found.get("python") or [])
system = found.get("system") or []
containerfile = (context / "Containerfile").read_text()
wanted_python = ["cs", "libvirt-python", "lxml", "paramiko"]
wanted_system = ["libvirt-devel [compile platform:rpm]", "python3.11-devel [platform:rpm compile]", "qemu-img [platform:rpm]"]
problems = [f"python requirement {name} not found" for name in wanted_python if f"{name}>=" not in python]
problems += [f"system requirement '{line}' not found" for line in wanted_system if not any(s.startswith(line) for s in system)]
if "/usr/bin/python3.11" not in containerfile:
    problems.append("Containerfile does not use /usr/bin/python3.11")
for problem in problems:
    print(f"execution environment: {problem}", file=sys.stderr)
print(f"execution environment: {len(python.split('#')) - 1} Python and {len(system)} system requirements introspected, {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
PY
