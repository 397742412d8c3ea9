"""Energy cost over the year: time-of-use periods, hourly PUE and load shifting.

Hour by hour (a schedule with clock hours, ``sites/tou_periods.csv`` ``clock_hours``, and the
site's 8,760 hourly PUE values): hour t of month m(t) in period p(t) has the price

    price(t) = P[m(t)] r[m(t), p(t)] + A                                    [yuan/kWh]

with P the flat-period (base) price of each month, an array of 12 (a single price today;
monthly agency-purchase prices slot in here), r the period's multiplier and A an energy adder.
For one MW of IT capacity at utilisation u with a flexible share f of each day's IT energy:

    IT(t)   = u (1 - f) + s(t),   s(t) >= 0,  sum_{t in day} s(t) = 24 f u,  IT(t) <= 1   [MW]
    energy  = sum_t 1000 IT(t) PUE(t) price(t)                                           [yuan/yr]
    demand  = sum_m D 1000 peak_IT PUE_peak[m]                                           [yuan/yr]

The flexible energy fills each day's hours in order of their cost per MWh of IT,
price(t) PUE(t) (cheapest and coolest first), each up to its headroom: the exact optimum of
the day's small LP.  The demand (basic) charge D [yuan/(kW*month)] is billed on each month's
maximum facility power: the IT peak (the capacity, 1 MW per MW, as in the load-factor
convention of :func:`siting.models.costs.demand_charge_yuan_per_kwh`) times the month's peak
PUE.  Period totals (:func:`energy_cost_by_period`) spread each month's demand charge over its
periods in proportion to their facility energy.

Without clock hours (provinces whose notice gives only hours per day) the older daily form
below is used, with the month's mean PUE in every period:

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
IntArray = npt.NDArray[np.int64]

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
    period_of_hour: IntArray | None = None  # (12, 24): index into PERIODS of each clock hour; None: not known

    @classmethod
    def flat(cls) -> TouSchedule:
        hours = np.zeros((12, len(PERIODS)))
        hours[:, PERIODS.index("flat")] = 24.0
        return cls(hours, np.ones((12, len(PERIODS))), "flat (no time-of-use table)",
                   np.full((12, 24), PERIODS.index("flat"), dtype=np.int64))

    def hourly_period(self) -> IntArray:
        """Period index (into PERIODS) of each of the 8,760 hours of a typical year."""
        if self.period_of_hour is None:
            raise ValueError(f"{self.name}: the schedule has no clock hours")
        cached = self.__dict__.get("_hourly_period")  # computed once per schedule (read-only, shared)
        if cached is None:
            cached = np.asarray(self.period_of_hour[MONTH_INDEX, HOUR_INDEX], dtype=np.int64)
            cached.flags.writeable = False
            self.__dict__["_hourly_period"] = cached
        return cached

    def hourly_multiplier(self) -> FloatArray:
        """Multiplier of the flat price in each of the 8,760 hours [1] (computed once per schedule)."""
        cached = self.__dict__.get("_hourly_multiplier")
        if cached is None:
            cached = np.asarray(self.multiplier[MONTH_INDEX, self.hourly_period()], dtype=float)
            cached.flags.writeable = False
            self.__dict__["_hourly_multiplier"] = cached
        return cached

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


#: Month (0-11) and hour of day (0-23) of each hour of a typical (non-leap) year.
MONTH_INDEX: IntArray = np.repeat(np.arange(12), DAYS_PER_MONTH.astype(int) * 24).astype(np.int64)
HOUR_INDEX: IntArray = np.tile(np.arange(24), 365).astype(np.int64)


def parse_clock_hours(text: str) -> list[int]:
    """Clock hours of a period from ``"10-12 17-22"`` (start-end, end exclusive, 0-24) -> [10, 11, 17, ...]."""
    out: list[int] = []
    for part in text.split():
        start, _, end = part.partition("-")
        a, b = int(start), int(end)
        if not 0 <= a < b <= 24:
            raise ValueError(f"clock hours {part!r}: need 0 <= start < end <= 24")
        out.extend(range(a, b))
    return out


def base_price_by_month(price_yuan_per_kwh: float | npt.ArrayLike) -> FloatArray:
    """A flat-period price per month (12,) [yuan/kWh] from one price or 12 (agency-purchase tables)."""
    arr = np.asarray(price_yuan_per_kwh, dtype=float)
    if arr.ndim == 0:
        return np.full(12, float(arr))
    if arr.shape != (12,):
        raise ValueError(f"base price must be one value or 12 monthly values, got shape {arr.shape}")
    return arr


def hourly_price_yuan_per_kwh(base_price_yuan_per_kwh: float | npt.ArrayLike, schedule: TouSchedule,
                              adder_yuan_per_kwh: float = 0.0) -> FloatArray:
    """(8760,) energy price of each hour [yuan/kWh]: P[month] x r[month, period] + adder (module docstring)."""
    base = base_price_by_month(base_price_yuan_per_kwh)
    return np.asarray(base[MONTH_INDEX] * schedule.hourly_multiplier() + adder_yuan_per_kwh, dtype=float)


def hourly_it_mw(cost_per_mwh_it: FloatArray, utilisation: float, flexible_share: float) -> FloatArray:
    """(8760,) IT power [MW per MW of capacity]: the fixed part plus each day's flexible energy placed in the
    day's cheapest hours (by ``cost_per_mwh_it``, e.g. price x PUE), each filled up to the capacity."""
    if not 0 < utilisation <= 1:
        raise ValueError(f"utilisation must be in (0, 1], got {utilisation}")
    if not 0 <= flexible_share <= 1:
        raise ValueError(f"flexible_share must be in [0, 1], got {flexible_share}")
    fixed = utilisation * (1.0 - flexible_share)
    it = np.full(cost_per_mwh_it.shape[0], fixed)
    if flexible_share == 0:
        return it
    days = np.asarray(cost_per_mwh_it, dtype=float).reshape(-1, 24)
    order = np.argsort(days, axis=1, kind="stable")
    headroom = 1.0 - fixed
    to_place = flexible_share * utilisation * 24.0
    before = np.arange(24) * headroom  # energy already placed before the r-th cheapest hour
    put = np.clip(to_place - before, 0.0, headroom)
    shifted = np.zeros_like(days)
    np.put_along_axis(shifted, order, np.broadcast_to(put, days.shape), axis=1)
    return np.asarray(it + shifted.ravel(), dtype=float)


def hourly_energy_cost_yuan(base_price_yuan_per_kwh: float | npt.ArrayLike, schedule: TouSchedule,
                            pue_hourly: FloatArray, utilisation: float, flexible_share: float = 0.0,
                            adder_yuan_per_kwh: float = 0.0) -> tuple[FloatArray, FloatArray]:
    """Energy cost of 1 MW of IT hour by hour [yuan] and the IT power [MW] behind it (module docstring)."""
    price = hourly_price_yuan_per_kwh(base_price_yuan_per_kwh, schedule, adder_yuan_per_kwh)
    pue_h = np.asarray(pue_hourly, dtype=float)
    it = hourly_it_mw(price * pue_h, utilisation, flexible_share)
    return np.asarray(1000.0 * it * pue_h * price, dtype=float), it


def demand_cost_yuan(demand_charge_yuan_per_kw_month: float, pue_monthly_peak: npt.ArrayLike,
                     peak_it_mw: float = 1.0) -> FloatArray:
    """(12,) demand (basic) charge of 1 MW of IT [yuan/month]: D x 1000 x peak IT x the month's peak PUE."""
    return np.asarray(demand_charge_yuan_per_kw_month * 1000.0 * peak_it_mw * np.asarray(pue_monthly_peak,
                                                                                          dtype=float))


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
    price_flat_yuan_per_kwh: float | npt.ArrayLike,
    adder_yuan_per_kwh: float,
    schedule: TouSchedule,
    pue_monthly: FloatArray,
    utilisation: float,
    flexible_share: float = 0.0,
    pue_hourly: FloatArray | None = None,
    demand_charge_yuan_per_kw_month: float = 0.0,
    pue_monthly_peak: FloatArray | None = None,
) -> FloatArray:
    """(12, len(PERIODS)) annual energy cost [yuan/yr] of 1 MW of IT, by month and period (module docstring).

    With ``pue_hourly`` (8,760) and a schedule with clock hours: hour by hour.  Otherwise the daily form at
    the month's mean PUE.  The demand charge (on each month's peak PUE, ``pue_monthly_peak``, default the
    monthly mean) is spread over the month's periods by their facility energy.
    """
    base = base_price_by_month(price_flat_yuan_per_kwh)
    if pue_hourly is not None and schedule.period_of_hour is not None:
        cost_h, it = hourly_energy_cost_yuan(base, schedule, pue_hourly, utilisation, flexible_share,
                                             adder_yuan_per_kwh)
        # (month, period) cell of each hour; bincount adds in hour order as np.add.at does (same sums), ~10x faster
        cell = MONTH_INDEX * len(PERIODS) + schedule.hourly_period()
        cells = 12 * len(PERIODS)
        cost = np.asarray(np.bincount(cell, weights=cost_h, minlength=cells), dtype=float).reshape(12, -1)
        kwh = np.asarray(np.bincount(cell, weights=it * np.asarray(pue_hourly), minlength=cells),
                         dtype=float).reshape(12, -1)
    else:
        e = daily_it_energy_mwh(schedule, utilisation, flexible_share)
        price = base[:, None] * schedule.multiplier + adder_yuan_per_kwh
        kwh = DAYS_PER_MONTH[:, None] * np.asarray(pue_monthly)[:, None] * e
        cost = np.asarray(1000.0 * kwh * price)
    if demand_charge_yuan_per_kw_month:
        peak = pue_monthly if pue_monthly_peak is None else pue_monthly_peak
        demand = demand_cost_yuan(demand_charge_yuan_per_kw_month, peak)
        share = kwh / np.maximum(kwh.sum(axis=1, keepdims=True), 1e-12)
        cost = cost + demand[:, None] * share
    return np.asarray(cost, dtype=float)


def flat_equivalent_price_yuan_per_kwh(
    price_flat_yuan_per_kwh: float | npt.ArrayLike, adder_yuan_per_kwh: float, schedule: TouSchedule,
    pue_monthly: FloatArray, utilisation: float, pue_hourly: FloatArray | None = None,
    demand_charge_yuan_per_kw_month: float = 0.0, pue_monthly_peak: FloatArray | None = None,
) -> float:
    """The all-in price a flat load pays on average [yuan/kWh] (what a score card shows): its energy and demand
    cost over its facility energy."""
    cost = energy_cost_by_period(price_flat_yuan_per_kwh, adder_yuan_per_kwh, schedule, pue_monthly, utilisation,
                                 0.0, pue_hourly, demand_charge_yuan_per_kw_month, pue_monthly_peak)
    kwh = float((DAYS_PER_MONTH * np.asarray(pue_monthly) * 24.0 * utilisation * 1000.0).sum())
    return float(cost.sum()) / kwh
