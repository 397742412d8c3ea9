"""Subsidies as linear terms of the annual cost.

A subsidy record (:class:`~siting.data.catalog.Subsidy`) becomes a :class:`SubsidyTerm`
that the cost model and the optimisation core treat the same way: the annual
subsidy ``s`` at a site is bounded by

    s <= factor * (annual cost of the subsidised kind at that site)     (what is paid)
    s <= annual_cap_yuan * open                                          (what is granted)

so that a subsidy never exceeds what the site actually pays for that kind of
cost, lump sums are spread over the horizon, caps and durations are respected:

- lump sum L (``amount_yuan``): factor 1, cap L * CRF(r, n) (present value spread
  as an annuity over the horizon); ``cap_yuan`` lowers L.
- rate rho (``rate_fraction``) paid for d years: factor rho * PVA(r, d) * CRF(r, n)
  (d = n when no duration); one-off capex rates are paid at t = 0, so factor rho.
- electricity price reduction delta [yuan/kWh] for d years: factor
  delta / price * PVA(r, d) * CRF(r, n) on the site's energy cost.
- ``cap_yuan`` on a rate is a cap on the present value: annual cap = cap * CRF(r, n).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from siting.models.finance import annualise_limited_stream, capital_recovery_factor

if TYPE_CHECKING:  # a record of the data layer; the model only reads its fields
    from siting.data.catalog import Subsidy

_KIND_COMPONENT = {"electricity": "energy", "bandwidth": "bandwidth", "capex": "capex"}


@dataclass(frozen=True)
class SubsidyTerm:
    """A subsidy as a linear term: ``s <= factor * cost[component]`` and ``s <= annual_cap_yuan``."""

    subsidy_id: str
    site: str
    component: str
    factor: float
    annual_cap_yuan: float  # inf when uncapped

    def annual_value(self, component_cost_yuan_per_year: float) -> float:
        """Subsidy [yuan/yr] for a site paying ``component_cost_yuan_per_year`` of the subsidised kind."""
        return max(0.0, min(self.factor * component_cost_yuan_per_year, self.annual_cap_yuan))


def subsidy_term(
    s: Subsidy, discount_rate: float, horizon_years: float, price_yuan_per_kwh: float | None = None
) -> SubsidyTerm:
    """Convert a subsidy record to its linear term (see module docstring)."""
    crf = capital_recovery_factor(discount_rate, horizon_years)
    component = _KIND_COMPONENT[s.kind]
    cap = math.inf if s.cap_yuan is None else s.cap_yuan * crf
    if s.amount_yuan is not None:
        lump = s.amount_yuan if s.cap_yuan is None else min(s.amount_yuan, s.cap_yuan)
        return SubsidyTerm(s.subsidy_id, s.site, component, 1.0, lump * crf)
    one_off = s.kind == "capex"
    if s.rate_fraction is not None:
        share = s.rate_fraction
    else:
        if not price_yuan_per_kwh or price_yuan_per_kwh <= 0:
            raise ValueError(f"subsidy {s.subsidy_id}: a price reduction needs the site's electricity price")
        share = min(1.0, (s.price_reduction_yuan_per_kwh or 0.0) / price_yuan_per_kwh)
    factor = share if one_off else annualise_limited_stream(share, s.duration_years, discount_rate, horizon_years)
    return SubsidyTerm(s.subsidy_id, s.site, component, factor, cap)
