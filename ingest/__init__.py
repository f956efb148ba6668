"""Ingestion: workspace files -> parsed sources -> chunks (the pipeline then embeds and stores them).

:mod:`ingest.sources` finds and parses files, :mod:`ingest.chunking` turns them into chunks; both are pure
functions of the file bytes and the settings, so ingestion is reproducible and safe to re-run.
"""
