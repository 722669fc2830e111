"""The import engine reads each owner account and project once per run, however many VMs name it."""

from __future__ import annotations

from pathlib import Path

from acs_simulator.fixtures import embedded_seed
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes
from ansible_collections.acs.ingest.plugins.module_utils._services.import_inputs import OwnerRows
from insim import make_client, make_sim


def test_owner_rows_are_fetched_once_per_owner_and_carry_their_state(tmp_path: Path) -> None:
    seed = embedded_seed()
    seed["projects"] = [{"name": "web", "state": "Suspended"}]
    sim = make_sim(tmp_path, seed)
    try:
        client = make_client(sim)
        admin = sim.store.all("account")[0]
        web = sim.store.first("project", name="web")
        owners = OwnerRows(client)
        by_account = Wishes.from_mapping({"account": admin["name"], "domainid": admin["domainid"]})
        by_project = Wishes.from_mapping({"projectid": web["id"]})
        for _vm in range(3):
            rows = owners.rows_for(by_account)
            assert [a["state"] for a in rows["accounts"]] == ["enabled"] and rows["projects"] == []
            rows = owners.rows_for(by_project)
            assert rows == {"accounts": [], "projects": [{"id": web["id"], "name": "web", "state": "Suspended"}]}
        assert sorted(c["command"] for c in client.api_calls) == ["listAccounts", "listProjects"]
        assert owners.rows_for(Wishes.from_mapping({})) == {"accounts": [], "projects": []}
    finally:
        sim.close()
