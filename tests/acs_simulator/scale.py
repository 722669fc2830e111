"""A seed whose second cluster is backed by a generated test-driver node (for scale tests and benchmarks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .fixtures import embedded_seed
from .gen_testdriver import generate


def scale_seed(node_xml: Path, count: int) -> tuple[dict[str, Any], dict[str, int]]:
    expected = generate(count, node_xml)
    seed = embedded_seed()
    seed["zones"][0]["clusters"].append(
        {
            "name": "scale-cluster",
            "hypervisor": "KVM",
            "hosts": [{"name": "scale-host", "uri": f"test://{node_xml}", "ipaddress": "127.0.0.1"}],
        }
    )
    return seed, expected
