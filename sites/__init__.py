"""Site catalog data (CSV tables with provenance), shipped as ``siting.catalog_data``."""
