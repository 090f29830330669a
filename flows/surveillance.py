"""The weekly surveillance flow: refresh SNP distances and clusters, publish prevalence as Prefect artifacts.

Thin by design: the work is in `genoflow.store` (plain functions, tested without Prefect)."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from genoflow.store import Store, cluster_summary, prevalence, refresh_clusters
from genoflow.store.plot import prevalence_svg, svg_data_uri

PLOT_DRUGS = ("rifampicin", "isoniazid", "levofloxacin", "moxifloxacin", "bedaquiline", "linezolid")


@task
def refresh_cluster_tables(store: str, threshold: int) -> dict[str, int]:
    result = refresh_clusters(Store(store, create=False), threshold=threshold)
    return {"samples": result.samples, "clusters": result.clusters, "clustered_samples": result.clustered_samples}


@task
def publish(store: str, threshold: int) -> dict[str, str]:
    """Prevalence by drug x site x month as a table artifact; prevalence over time + clusters as markdown."""
    target = Store(store, create=False)
    by_site = prevalence(target, by=("drug", "site", "month"))
    rows = by_site.astype(object).where(by_site.notna(), None).to_dict(orient="records")
    table_id = create_table_artifact(table=rows, key="resistance-prevalence",
                                     description="Resistance prevalence R/(R+S) by drug, site and month, "
                                                 "QC-passed samples, Wilson 95% CI")
    monthly = prevalence(target, by=("drug", "month"), drugs=list(PLOT_DRUGS))
    clusters = cluster_summary(target)
    lines = ["# Surveillance summary", "",
             f"![prevalence by month]({svg_data_uri(prevalence_svg(monthly))})", "",
             f"## Transmission clusters (single linkage, <= {threshold} SNPs): {len(clusters)}", ""]
    if len(clusters):
        lines += ["| cluster | size | sites | first | last |", "|---|---|---|---|---|"]
        lines += [f"| {r.cluster_id} | {r.size} | {r.sites} | {r.first_collected} | {r.last_collected} |"
                  for r in clusters.head(20).itertuples()]
    markdown_id = create_markdown_artifact(markdown="\n".join(lines), key="surveillance-summary",
                                           description="Prevalence over time and transmission clusters")
    return {"table": str(table_id), "markdown": str(markdown_id)}


@flow(name="surveillance")
def surveillance(store: str, threshold: int = 12) -> dict[str, object]:
    """Refresh distance/cluster tables of the store at `store` and publish the surveillance artifacts."""
    refreshed = refresh_cluster_tables(store, threshold)
    artifacts = publish(store, threshold)
    get_run_logger().info("surveillance: %s; artifacts %s", refreshed, artifacts)
    return {"clusters": refreshed, "artifacts": artifacts}
