"""The surveillance flow on a temporary Prefect server: refreshes clusters and publishes both artifacts."""

from __future__ import annotations

from datetime import date

from genoflow.store import connect, load_batch


def test_surveillance_flow_publishes_prevalence_and_plot(prefect_server, store, report_factory):
    from prefect.client.orchestration import get_client

    from genoflow.flows.surveillance import surveillance

    reports = [report_factory(f"S{i}", collected=date(2024, 1 + i % 3, 10), snvs=[(100, "A", "G")],
                              calls={"rifampicin": "R" if i % 2 else "S"}) for i in range(6)]
    load_batch(store, "B1", reports)
    result = surveillance(store.url, threshold=12)
    assert result["clusters"] == {"samples": 6, "clusters": 1, "clustered_samples": 6}
    with connect(store) as con:
        assert con.execute("SELECT count(DISTINCT cluster_id) FROM clusters").fetchone()[0] == 1
    with get_client(sync_client=True) as client:
        artifacts = {a.key: a for a in client.read_latest_artifacts()}
    table, markdown = artifacts["resistance-prevalence"], artifacts["surveillance-summary"]
    assert table.type == "table" and "rifampicin" in str(table.data)
    assert markdown.type == "markdown" and "data:image/svg+xml;base64," in markdown.data and "C001" in markdown.data
