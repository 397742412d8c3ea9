"""Shared fixtures: the shipped catalog, loaded once."""

from __future__ import annotations

import pytest

from siting.data.catalog import Catalog, default_catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return default_catalog()
