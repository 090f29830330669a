"""Prefect flows: composition of genoflow tasks."""
