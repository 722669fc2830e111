"""Stand-in for pip's get-pip.py bootstrap script, for ansible-test on machines without access
to ansible-test's download host.

ansible-test creates each sanity venv without pip and runs get-pip.py in it with pip's
arguments (for example ``pip==24.2 --no-setuptools --no-wheel``). We bootstrap pip from the
interpreter's own ensurepip wheel, then install the requested pip from the wheels that
hack/sanity.sh downloaded next to this file. The old ensurepip pip can't be trusted to reach
the index through a TLS-intercepting proxy; the requested pip (>= 24.2) uses the system
trust store and installs everything after it.
"""

import ensurepip
import os
import subprocess
import sys

GET_PIP_ONLY_OPTIONS = {"--no-setuptools", "--no-wheel"}
WHEELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pip-wheels")

if __name__ == "__main__":
    ensurepip.bootstrap(upgrade=True)
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    command = [sys.executable, "-m", "pip", "install", "--no-index", "--find-links", WHEELS, *args]
    sys.exit(subprocess.call(command))
