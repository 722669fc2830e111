"""python -m acs_simulator --seed SEED.yaml --db STATE.sqlite --listen 127.0.0.1:PORT [--profile 4.22]"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from .seed import SeedError
from .server import serve
from .sim import Simulator
from .versions import RELEASES, SHORT


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="acs_simulator", description="CloudStack API simulator on real libvirt")
    ap.add_argument("--seed", help="seed YAML (used only when the database is new)")
    ap.add_argument("--db", required=True, help="SQLite state file (kept across restarts)")
    ap.add_argument("--listen", default="127.0.0.1:8080", help="HOST:PORT on loopback")
    ap.add_argument("--profile", default="4.22", choices=[*SHORT, *RELEASES], help="management server release")
    ap.add_argument(
        "--agent-version",
        default=None,
        choices=[*SHORT, *RELEASES],
        help="KVM agent release of every host (default: the server's; a seeded host's agentversion wins)",
    )
    ap.add_argument("--knobs", default="{}", help="initial knobs as JSON, e.g. '{\"job_duration\": 1}'")
    ap.add_argument("--proc-root", default=None, help="root for the agent's /proc/net/vlan and /sys/.../net lookups")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    host, _, port = args.listen.rpartition(":")
    if not host or not port.isdigit():
        print(f"--listen: '{args.listen}' is not HOST:PORT. Fix: e.g. --listen 127.0.0.1:8080", file=sys.stderr)
        return 2
    try:
        sim = Simulator(args.db, args.seed, args.profile, json.loads(args.knobs), args.proc_root, args.agent_version)
    except (SeedError, ValueError, OSError) as exc:
        print(f"acs_simulator: {exc}", file=sys.stderr)
        return 2
    httpd = serve(sim, host, int(port), args.verbose)
    print(
        f"acs_simulator listening on http://{host}:{httpd.server_address[1]}/client/api "
        f"(profile {sim.profile['name']}, agents {sim.profile['agent']}, db {args.db})",
        flush=True,
    )
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    httpd.shutdown()
    sim.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
