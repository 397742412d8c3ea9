"""Example requests and scenarios, shipped with the package (the HTTP API resolves scenario references here)."""
