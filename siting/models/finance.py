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



def npv(capital_yuan: list[float], operating_yuan: list[float], discount_rate: float) -> float:
    """Net present value [yuan] of yearly flows: year t's capital at its start (discounted t years), its
    operating net flow at its end (t + 1 years) -- the timing the capital recovery factor assumes, so a
    revenue equal to the annualised cost over the horizon gives an NPV of 0."""
    return float(sum(c / (1.0 + discount_rate) ** t for t, c in enumerate(capital_yuan))
                 + sum(o / (1.0 + discount_rate) ** (t + 1) for t, o in enumerate(operating_yuan)))


def irr(capital_yuan: list[float], operating_yuan: list[float]) -> float | None:
    """Internal rate of return [fraction/year]: the rate in (-0.99, 10) where :func:`npv` is 0, by bisection.

    None when the NPV does not change sign over that interval (e.g. the flows never pay back).
    """
    lo, hi = -0.99, 10.0
    f_lo, f_hi = npv(capital_yuan, operating_yuan, lo), npv(capital_yuan, operating_yuan, hi)
    if f_lo * f_hi > 0:
        return None
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        f_mid = npv(capital_yuan, operating_yuan, mid)
        if f_lo * f_mid <= 0:
            hi = mid
        else:
            lo, f_lo = mid, f_mid
        if hi - lo < 1e-12:
            break
    return 0.5 * (lo + hi)


def payback_year(cash_flows_yuan: list[float]) -> int | None:
    """First year (0-based) from which the cumulative cash flow stays >= 0; None if it never does."""
    cumulative, first_ok = 0.0, None
    for t, c in enumerate(cash_flows_yuan):
        cumulative += c
        if cumulative >= 0 and first_ok is None:
            first_ok = t
        elif cumulative < 0:
            first_ok = None
    return first_ok
