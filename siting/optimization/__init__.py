"""Optimisation: problem (inputs -> arrays), model definition, emitters, solve, results,
diagnostics, explanations and the plan evaluator."""
