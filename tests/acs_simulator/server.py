"""HTTP front end: /client/api (GET and POST) plus the /admin endpoints for knobs, stats and test set-up."""

from __future__ import annotations

import json
import os
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .errors import ApiError, error_body
from .sim import Simulator

ADMIN_KINDS = {
    "snapshot", "vm", "configuration", "host", "network", "storagepool", "account", "serviceoffering",
    "diskoffering", "template", "cluster", "vlaniprange", "project", "nic", "volume", "job", "vmsnapshot",
}  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    server: SimHTTPServer
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: the headers and the body go out as two writes; with Nagle on, the body waited for the
    # client's delayed ACK of the headers, adding ~44 ms to every call on keep-alive connections (measured:
    # 44.0 ms per call with Nagle, 1.1 ms without). CloudStack's Jetty answers without that stall.
    disable_nagle_algorithm = True

    def log_message(self, fmt: str, *args: Any) -> None:  # keep test output quiet
        if self.server.verbose:
            super().log_message(fmt, *args)

    def _send(self, status: int, doc: Any, description: str | None = None) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if description:
            self.send_header("X-Description", description)
        self.end_headers()
        self.wfile.write(body)

    def _reset_connection(self) -> None:
        # SO_LINGER 0 makes close() send an RST: the client sees "connection reset by peer".
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _body(self) -> str:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode() if length else ""

    def do_GET(self) -> None:
        self._route("")

    def do_POST(self) -> None:
        self._route(self._body())

    def _route(self, body: str) -> None:
        url = urlsplit(self.path)
        if url.path == "/client/api":
            raw = dict(parse_qsl(url.query, keep_blank_values=True))
            if body and "json" not in (self.headers.get("Content-Type") or ""):
                raw.update(parse_qsl(body, keep_blank_values=True))
            self._api(raw)
        elif url.path.startswith("/admin/"):
            try:
                self._admin(url.path, dict(parse_qsl(url.query)), json.loads(body) if body else {})
            except (ValueError, KeyError) as exc:
                self._send(400, {"error": str(exc)})
        else:
            self._send(404, {"error": f"no such path {url.path}. Fix: use /client/api or /admin/..."})

    def _api(self, raw: dict[str, str]) -> None:
        sim = self.server.sim
        command = raw.get("command", "")
        if sim.knobs.count(command):
            # A management-server restart in the middle of a run: answer this call, then re-exec.
            threading.Timer(0.2, self.server.reexec).start()
        latency = float(sim.knobs.get("latency"))
        if latency > 0:
            time.sleep(latency)
        fault = sim.knobs.roll_fault(command)
        if fault == "reset":
            self._reset_connection()
            return
        if fault == "error_5xx":
            err = ApiError(503, "Simulated fault: service unavailable (knob faults.error_5xx)", None)
            self._send(503, error_body(f"{command.lower()}response", err), err.text)
            return
        status, doc = sim.handle(raw)
        description = None
        if status != 200:
            description = next(iter(doc.values())).get("errortext")
        self._send(status, doc, description)

    def _admin(self, path: str, query: dict[str, str], payload: dict[str, Any]) -> None:
        sim = self.server.sim
        if path == "/admin/knobs":
            if self.command == "POST":
                self._send(200, sim.knobs.update(payload))
            else:
                self._send(200, sim.knobs.snapshot())
        elif path == "/admin/stats":
            self._send(200, {**sim.knobs.stats(), "pending_jobs": sim.jobs.pending(), "running_jobs": sim.jobs.running})
        elif path == "/admin/stats/reset":
            sim.knobs.reset_stats()
            self._send(200, {"reset": True})
        elif path == "/admin/objects":
            kind = query.get("kind") or payload["kind"]
            if kind not in ADMIN_KINDS:
                raise ValueError(f"kind '{kind}' cannot be edited. Fix: use one of {', '.join(sorted(ADMIN_KINDS))}")
            if self.command == "POST":
                self._send(200, sim.store.put(kind, payload["data"]))
            else:
                self._send(200, sim.store.all(kind))
        elif path == "/admin/agent-drops":  # the domains the agents left out, with the rule that did it
            self._send(200, {"drops": list(sim.agent.drops)})
        elif path == "/admin/health":
            self._send(200, {"ok": True, "profile": sim.profile["name"]})
        else:
            self._send(404, {"error": f"no admin path {path}"})


class SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default listen backlog is 5. Every module process opens fresh connections,
    # so 20-30 forks plus job polling overflow it; Linux then drops the SYN and the client
    # retries after 1, 3, 7, 15 s, which on a loaded host outlasts api_timeout. A failed
    # connect on importUnmanagedInstance (a write, never retried) loses that VM for the run.
    # CloudStack's Jetty accepts with a large backlog, so this was a simulator artefact.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], sim: Simulator, verbose: bool = False) -> None:
        super().__init__(address, _Handler)
        self.sim = sim
        self.verbose = verbose

    def reexec(self) -> None:
        """Replace this process with a fresh simulator on the same SQLite file and port (same PID).

        In-flight jobs are failed by the new process as after any restart; knobs set through the admin
        endpoint are lost, knobs given with --knobs come back.
        """
        self.sim.jobs.stop()
        self.socket.close()
        self.sim.store.close()
        os.execv(sys.executable, [sys.executable, "-m", "acs_simulator", *sys.argv[1:]])


def serve(sim: Simulator, host: str, port: int, verbose: bool = False) -> SimHTTPServer:
    httpd = SimHTTPServer((host, port), sim, verbose)
    # shutdown() waits for serve_forever to look at its flag, once per poll interval: 0.05 s instead of the
    # default 0.5 s, so stopping a simulator (several hundred times per test run) takes no half second.
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True, name="http").start()
    return httpd
