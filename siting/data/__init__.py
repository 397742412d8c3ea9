"""Catalog and requests: the validated inputs, with provenance."""
