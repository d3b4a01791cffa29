"""Releases: immutable, versioned RF2, FHIR, CSV and Parquet term sets, and their download API."""
