"""A test-driver host with many domains: listing follows the same quirks, and state is per connection."""

from __future__ import annotations

from pathlib import Path

from acs_simulator.scale import scale_seed

from .helpers import ids


def test_test_driver_listing_and_import(acs_sim_factory, tmp_path: Path) -> None:
    seed, expected = scale_seed(tmp_path / "node.xml", 200)
    sim = acs_sim_factory(seed=seed)
    cluster = next(c for c in sim.call("listClusters")["cluster"] if c["name"] == "scale-cluster")
    listed = sim.call("listUnmanagedInstances", clusterid=cluster["id"])
    assert listed["count"] == expected["listed"] == 200 - 20 - 4  # every 10th shut off, 4 more with e1000e
    names = {x["name"] for x in listed["unmanagedinstance"]}
    assert "scale-00009" not in names and "scale-00024" not in names  # shut off / e1000e
    assert listed["unmanagedinstance"][0]["hostname"] == "scale-host"
    i = ids(sim)
    job = sim.run(
        "importUnmanagedInstance",
        clusterid=cluster["id"],
        name="scale-00000",
        serviceofferingid=i["tiny-1c-64m"],
        templateid=i["template"],
        **{"nicnetworklist[0].nic": "0", "nicnetworklist[0].network": i["l2-vlan100"]},
    )
    # The test driver's disks live nowhere near a seeded pool, exactly like a KVM disk outside primary storage.
    assert job["jobstatus"] == 2
    # datastorename = datastorepath = the disk's directory (LibvirtGetUnmanagedInstancesCommandWrapper)
    assert job["jobresult"]["errortext"].startswith(
        "Storage pool for disk vda(0) with datastore: /var/lib/acs-ingest-sim/scale not found"
    )
    seed_pool = {"name": "scale-pool", "path": "/var/lib/acs-ingest-sim/scale", "cluster": "scale-cluster"}
    seed["zones"][0]["storagepools"].append(seed_pool)
    sim2 = acs_sim_factory(seed=seed)
    job = sim2.run(
        "importUnmanagedInstance",
        clusterid=cluster["id"],
        name="scale-00000",
        serviceofferingid=i["tiny-1c-64m"],
        templateid=i["template"],
        **{"nicnetworklist[0].nic": "0", "nicnetworklist[0].network": i["l2-vlan100"]},
    )
    assert job["jobstatus"] == 1, job
    after = sim2.call("listUnmanagedInstances", clusterid=cluster["id"])
    assert after["count"] == expected["listed"] - 1
