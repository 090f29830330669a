"""The analytical store: Parquet (source of truth, via fsspec) queried with DuckDB.

    store = Store(url)                      # a directory, memory://..., s3://...
    load_batch(store, "B1", reports, patient_ids={...}, masks={...})
    prevalence(store, drugs=["rifampicin"], by=("site", "month"))
    refresh_clusters(store, threshold=12)
"""

from genoflow.store.backend import MIGRATIONS, Store, StoreError, migrate
from genoflow.store.distances import (
    ClusterRefresh, SnpProfiles, build_profiles, clusters_from_distances, nj_tree_newick, refresh_clusters, snp_distance_matrix, snp_profiles,
)
from genoflow.store.load import ArtifactRow, LoadResult, load_batch, load_report_dir, read_mask_bed, record_artifacts
from genoflow.store.queries import (
    batches_summary, cluster_summary, connect, prevalence, qc_failures, samples_with_variant, table_counts,
    top_mutations, who_categories,
)
from genoflow.store.stats import wilson_interval

__all__ = [
    "MIGRATIONS", "ArtifactRow", "ClusterRefresh", "LoadResult", "SnpProfiles", "Store", "StoreError", "batches_summary", "build_profiles",
    "cluster_summary", "clusters_from_distances", "connect", "load_batch", "load_report_dir", "migrate",
    "nj_tree_newick", "prevalence", "qc_failures", "read_mask_bed", "record_artifacts", "refresh_clusters",
    "samples_with_variant", "snp_distance_matrix", "snp_profiles", "table_counts", "top_mutations",
    "wilson_interval", "who_categories",
]
