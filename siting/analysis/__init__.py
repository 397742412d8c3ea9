"""Analysis on top of the optimiser: score cards, scenarios, compare, sensitivity, Monte Carlo and their execution."""
