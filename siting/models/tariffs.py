"""Energy cost over the year: time-of-use periods, monthly PUE and load shifting.

A province's time-of-use schedule gives, for each month m and period p
(critical peak, peak, flat, valley), the hours per day ``h[m,p]`` and the price
multiplier ``r[m,p]`` of the flat-period price P [yuan/kWh] (``sites/tou_periods.csv``,
from the provincial notices).  For one MW of IT capacity at utilisation u, with a
flexible share f of each day's IT energy (batch, AI training) that may be moved to
other hours of the same day:

    E[m,p]  = u (1 - f) h[m,p] + s[m,p]            IT energy per day in period p [MWh]
    s[m,p] >= 0,  sum_p s[m,p] = f u 24,  s[m,p] <= (1 - u (1 - f)) h[m,p]   (load <= capacity)
    cost    = sum_m days[m] PUE[m] 1000 sum_p E[m,p] (P r[m,p] + A)            [yuan/yr]

where A is the per-kWh demand-charge adder (:func:`siting.models.costs.demand_charge_yuan_per_kwh`).
The shifted energy s fills the cheapest periods first, each up to its headroom: the exact
optimum of this small LP, site by site, so the site-selection MILP sees it as a unit cost.
With f = 0 and a flat schedule (24 h at multiplier 1) the cost is the flat formula
8760 u PUE P 1000, since the annual PUE is the hour-weighted mean of the monthly ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

PERIODS = ("critical_peak", "peak", "flat", "valley", "deep_valley")
DAYS_PER_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)
SEASONS = {"winter (Dec-Feb)": (12, 1, 2), "spring (Mar-May)": (3, 4, 5), "summer (Jun-Aug)": (6, 7, 8),
           "autumn (Sep-Nov)": (9, 10, 11)}


@dataclass(frozen=True)
class TouSchedule:
    """Hours per day and multiplier of the flat price, by month (12) and period (``PERIODS``)."""

    hours: FloatArray  # (12, len(PERIODS))
    multiplier: FloatArray  # (12, len(PERIODS))
    name: str = "flat"

    @classmethod
    def flat(cls) -> TouSchedule:
        hours = np.zeros((12, len(PERIODS)))
        hours[:, PERIODS.index("flat")] = 24.0
        return cls(hours, np.ones((12, len(PERIODS))), "flat (no time-of-use table)")

    def check(self) -> None:
        if not np.allclose(self.hours.sum(axis=1), 24.0):
            raise ValueError(f"{self.name}: hours per day must sum to 24 in every month, got "
                             f"{self.hours.sum(axis=1).tolist()}")
        if (self.multiplier[self.hours > 0] <= 0).any():
            raise ValueError(f"{self.name}: multipliers must be > 0")

    def mean_multiplier(self) -> float:
        """Hour-weighted mean multiplier of a flat load over the year [1]."""
        w = self.hours * DAYS_PER_MONTH[:, None]
        return float((w * self.multiplier).sum() / w.sum())


def daily_it_energy_mwh(schedule: TouSchedule, utilisation: float, flexible_share: float) -> FloatArray:
    """E[m,p] (12, len(PERIODS)): IT energy per day per period [MWh per MW of IT], the flexible share shifted."""
    if not 0 < utilisation <= 1:
        raise ValueError(f"utilisation must be in (0, 1], got {utilisation}")
    if not 0 <= flexible_share <= 1:
        raise ValueError(f"flexible_share must be in [0, 1], got {flexible_share}")
    base = utilisation * (1.0 - flexible_share) * schedule.hours
    headroom = (1.0 - utilisation * (1.0 - flexible_share)) * schedule.hours
    energy = base.copy()
    to_place = np.full(12, flexible_share * utilisation * 24.0)
    order = np.argsort(schedule.multiplier, axis=1, kind="stable")  # cheapest first, month by month
    for rank in range(len(PERIODS)):
        p = order[:, rank]
        rows = np.arange(12)
        put = np.minimum(to_place, headroom[rows, p])
        energy[rows, p] += put
        to_place -= put
    return energy


def energy_cost_by_period(
    price_flat_yuan_per_kwh: float,
    adder_yuan_per_kwh: float,
    schedule: TouSchedule,
    pue_monthly: FloatArray,
    utilisation: float,
    flexible_share: float = 0.0,
) -> FloatArray:
    """(12, len(PERIODS)) annual energy cost [yuan/yr] of 1 MW of IT, by month and period (module docstring)."""
    e = daily_it_energy_mwh(schedule, utilisation, flexible_share)
    price = price_flat_yuan_per_kwh * schedule.multiplier + adder_yuan_per_kwh
    return np.asarray(DAYS_PER_MONTH[:, None] * np.asarray(pue_monthly)[:, None] * 1000.0 * e * price)


def flat_equivalent_price_yuan_per_kwh(
    price_flat_yuan_per_kwh: float, adder_yuan_per_kwh: float, schedule: TouSchedule, pue_monthly: FloatArray,
    utilisation: float,
) -> float:
    """The all-in price a flat load pays on average [yuan/kWh] (what a score card shows)."""
    cost = energy_cost_by_period(price_flat_yuan_per_kwh, adder_yuan_per_kwh, schedule, pue_monthly, utilisation)
    kwh = float((DAYS_PER_MONTH * np.asarray(pue_monthly) * 24.0 * utilisation * 1000.0).sum())
    return float(cost.sum()) / kwh
