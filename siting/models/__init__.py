"""Physical and cost models: small pure functions with units in their names (PUE, RTT, costs, finance, subsidies)."""
