"""Annualisation of capital and of lump-sum subsidies.

References
----------
- Capital recovery factor: Short, Packey & Holt, "A Manual for the Economic
  Evaluation of Energy Efficiency and Renewable Energy Technologies",
  NREL/TP-462-5173 (1995), eq. 4-4: CRF = r (1+r)^n / ((1+r)^n - 1).
"""

from __future__ import annotations

import math


def capital_recovery_factor(discount_rate: float, horizon_years: float) -> float:
    """Capital recovery factor [1/year].

    Parameters
    ----------
    discount_rate : float
        Real discount rate [fraction/year], >= 0.
    horizon_years : float
        Economic life [years], > 0.

    Returns
    -------
    float
        Annuity per unit of present value [1/year]; ``1/n`` when the rate is 0.
    """
    if horizon_years <= 0:
        raise ValueError(f"horizon_years must be > 0, got {horizon_years}")
    if discount_rate < 0:
        raise ValueError(f"discount_rate must be >= 0, got {discount_rate}")
    if discount_rate == 0:
        return 1.0 / horizon_years
    # r (1+r)^n / ((1+r)^n - 1) = r / (1 - (1+r)^-n), with (1+r)^-n - 1 = expm1(-n log1p(r)): exact for
    # tiny rates too (the naive form divides by zero at r = 1e-17 and loses digits below ~1e-8)
    return discount_rate / -math.expm1(-horizon_years * math.log1p(discount_rate))


def present_value_of_annuity(discount_rate: float, years: float) -> float:
    """Present value [years-equivalent] of 1 yuan/year paid at the end of each of ``years``."""
    if years <= 0:
        return 0.0
    return 1.0 / capital_recovery_factor(discount_rate, years)


def annualise_limited_stream(
    annual_amount: float, duration_years: float | None, discount_rate: float, horizon_years: float
) -> float:
    """Equivalent annual value over the horizon of a stream paid for ``duration_years`` only.

    A subsidy worth ``annual_amount`` per year for ``d`` years (d < n) is worth
    ``annual_amount * PVA(r, d) * CRF(r, n)`` per year when spread over the whole
    horizon ``n``.  ``None`` or ``d >= n`` means the whole horizon.
    """
    if duration_years is None or duration_years >= horizon_years:
        return annual_amount
    pv = annual_amount * present_value_of_annuity(discount_rate, duration_years)
    return pv * capital_recovery_factor(discount_rate, horizon_years)
