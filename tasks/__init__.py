"""Prefect task wrappers around the plain genoflow steps."""
