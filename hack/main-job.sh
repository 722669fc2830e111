#!/usr/bin/env bash
# The main job on the embedded default: installs everything, starts the daemons, then creates
# real QEMU domains on the local libvirtd, starts the CloudStack simulator seeded to match and
# runs the acs.ingest workflow against them, printing a readable result.
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
bash hack/bootstrap.sh
bash hack/services.sh
source hack/env.sh
exec python tests/infra/main_job.py "$@"
