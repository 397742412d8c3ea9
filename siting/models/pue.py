"""Power usage effectiveness (PUE) from monthly climate normals and the cooling technology.

PUE = total facility energy / IT energy
    = 1 + distribution losses + miscellaneous loads + fans and pumps
        + mechanical-cooling fraction x heat load / COP,
averaged over every hour of a typical year with constant IT load.

Typical hours are synthesised from the monthly normals (bin method):

- hour-of-day dry bulb:  T(m, h) = T_mean(m) + A(m) cos(2 pi (h - 15) / 24),
  A = (T_max - T_min) / 2 from the mean daily maximum and minimum (peak at 15:00);
- day-to-day variability: T + delta, delta ~ N(0, sigma_day^2), integrated with
  Gauss-Hermite quadrature (sigma_day = 3 K: the within-month standard deviation
  of daily mean temperature at mid-latitude continental stations is 2-4 K);
- humidity: the monthly dew point (Magnus formula, Alduchov & Eskridge 1996
  coefficients) is held constant over the day, so relative humidity falls as the
  afternoon warms; wet bulb from Stull (2011), J. Appl. Meteor. Climatol. 50, 2267.

Cooling technologies (competing models with the same leading arguments):

- ``pue_airside``:   direct air-side economiser; free cooling while the dry bulb
  allows a 24 degC supply-air temperature (ASHRAE TC 9.9 (2015) recommended
  envelope 18-27 degC) and the dew point stays within the recommended
  15 degC upper limit; otherwise air-cooled DX compressors.
- ``pue_waterside``: cooling towers + plate heat exchanger feeding 18 degC
  chilled water; free cooling while the wet bulb allows it, chillers otherwise.
- ``pue_chiller``:   chiller plant only (7 degC chilled water), condenser on a
  cooling tower; compressor always on, COP rising as the wet bulb falls.
- ``pue_liquid``:    direct-to-chip liquid cooling (warm water, 35 degC supply),
  dry coolers free whenever the dry bulb allows; residual air-side heat handled
  like the water-side economiser.

Compressor COP follows a fraction of the Carnot COP,
COP = eta * T_evap / (T_cond - T_evap) (temperatures in K), capped at ``cop_max``.

Validation: Zhongwei (annual mean 8.8 degC, full natural air cooling) is stated
to reach PUE 1.1 (36kr-2022); ``tests/test_pue.py`` checks the model against it
and states what each site gets.  Parameter sets are the module constant
``COOLING_PARAMETERS``; every value is a documented engineering assumption.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: Cooling technologies known to :func:`pue`.
COOLING_TECHNOLOGIES = ("airside", "waterside", "chiller", "liquid")

#: Hours in each month of a non-leap year [h].
HOURS_PER_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float) * 24.0

#: Overheads shared by every technology [fraction of IT power].
#: distribution: transformer (~1 %), modern UPS (~2.5-3.5 % at part load) and
#: PDUs/cabling (~0.5-1 %): 4.5 % in total (The Green Grid WP#49, 2012).
#: misc: lighting, security, BMS and offices, ~1 % of IT load in large halls.
OVERHEADS = {"distribution_loss_fraction": 0.045, "misc_fraction": 0.01}

#: Parameter sets of the cooling models.  Temperatures [degC], fractions of IT power [1].
COOLING_PARAMETERS: dict[str, dict[str, float]] = {
    "airside": {
        # supply air 24 degC; full economiser below 18 degC outdoor (fan heat and
        # mixing margin), none above 24 degC; linear in between.
        "free_below_c": 18.0,
        "mech_above_c": 24.0,
        # ASHRAE recommended upper dew point 15 degC; dehumidify above, fully by 18.
        "dewpoint_limit_c": 15.0,
        "dewpoint_span_k": 3.0,
        "fan_fraction": 0.035,
        # air-cooled DX: evaporator 12 degC, condenser 12 K above outdoor dry bulb.
        "t_evap_c": 12.0,
        "cond_approach_k": 12.0,
        "carnot_efficiency": 0.45,
        "cop_max": 8.0,
        # filters loaded by sand and dust raise fan power: +50 % on dust days (assumption).
        "dust_fan_penalty": 0.5,
    },
    "waterside": {
        # 18 degC chilled water - 5 K tower approach - 3 K HX approach = 10 degC wet bulb
        # for full free cooling; partial up to 16 degC.
        "free_below_c": 10.0,
        "mech_above_c": 16.0,
        "fan_fraction": 0.05,  # CRAH fans + pumps + tower fans
        "t_evap_c": 14.0,
        "cond_approach_k": 9.0,  # tower approach 4 K + condenser 5 K above wet bulb
        "carnot_efficiency": 0.5,
        "cop_max": 10.0,
    },
    "chiller": {
        "fan_fraction": 0.05,
        "t_evap_c": 5.0,  # 7/12 degC chilled water
        "cond_approach_k": 10.0,
        "carnot_efficiency": 0.45,
        "cop_max": 8.0,
    },
    "liquid": {
        "captured_fraction": 0.8,  # share of IT heat taken by the cold plates
        # 35 degC warm-water supply: dry coolers free below 30 degC dry bulb, partial to 35.
        "free_below_c": 30.0,
        "mech_above_c": 35.0,
        "pump_fraction": 0.02,
        "t_evap_c": 25.0,
        "cond_approach_k": 12.0,
        "carnot_efficiency": 0.45,
        "cop_max": 10.0,
    },
}

_SIGMA_DAY_K = 3.0
_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(7)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()


@dataclass(frozen=True)
class MonthlyClimate:
    """Monthly climate normals, 12 values each.

    Attributes
    ----------
    temp_mean_c, temp_max_c, temp_min_c : arrays of 12 [degC]
        Monthly mean, mean daily maximum and mean daily minimum dry bulb.
    rh_pct : array of 12 [%]
        Monthly mean relative humidity.
    """

    temp_mean_c: FloatArray
    temp_max_c: FloatArray
    temp_min_c: FloatArray
    rh_pct: FloatArray

    @classmethod
    def from_mapping(cls, values: Mapping[str, npt.ArrayLike]) -> MonthlyClimate:
        arrays = {k: np.asarray(values[k], dtype=float) for k in ("temp_mean_c", "temp_max_c", "temp_min_c", "rh_pct")}
        for name, arr in arrays.items():
            if arr.shape != (12,):
                raise ValueError(f"{name} must have 12 monthly values, got shape {arr.shape}")
        return cls(**arrays)


def dewpoint_c(temp_c: npt.ArrayLike, rh_pct: npt.ArrayLike) -> FloatArray:
    """Dew point [degC] from dry bulb [degC] and relative humidity [%] (Magnus, b=17.625, c=243.04)."""
    t = np.asarray(temp_c, dtype=float)
    rh = np.clip(np.asarray(rh_pct, dtype=float), 1.0, 100.0)
    gamma = np.log(rh / 100.0) + 17.625 * t / (243.04 + t)
    return np.asarray(243.04 * gamma / (17.625 - gamma), dtype=float)


def saturation_vapour_pressure_hpa(temp_c: npt.ArrayLike) -> FloatArray:
    """Saturation vapour pressure over water [hPa] (Magnus, Alduchov & Eskridge 1996)."""
    t = np.asarray(temp_c, dtype=float)
    return np.asarray(6.1094 * np.exp(17.625 * t / (243.04 + t)), dtype=float)


def wetbulb_stull_c(temp_c: npt.ArrayLike, rh_pct: npt.ArrayLike) -> FloatArray:
    """Wet-bulb temperature [degC] at sea-level pressure, Stull (2011) eq. 1 (+-0.3 K for RH 5-99 %)."""
    t = np.asarray(temp_c, dtype=float)
    rh = np.clip(np.asarray(rh_pct, dtype=float), 5.0, 99.0)
    return np.asarray(
        t * np.arctan(0.151977 * np.sqrt(rh + 8.313659))
        + np.arctan(t + rh)
        - np.arctan(rh - 1.676331)
        + 0.00391838 * rh**1.5 * np.arctan(0.023101 * rh)
        - 4.686035,
        dtype=float,
    )


@dataclass(frozen=True)
class TypicalHours:
    """Synthetic hours: arrays of shape (12 months, 24 hours, Q quadrature nodes) and weights."""

    drybulb_c: FloatArray
    dewpoint_c: FloatArray
    wetbulb_c: FloatArray
    weight: FloatArray  # sums to 1 over each month's (24, Q) slice


def typical_hours(climate: MonthlyClimate, sigma_day_k: float = _SIGMA_DAY_K) -> TypicalHours:
    """Synthesise the typical hours of each month from its normals (see module docstring)."""
    hours = np.arange(24, dtype=float)
    amplitude = (climate.temp_max_c - climate.temp_min_c) / 2.0
    diurnal = climate.temp_mean_c[:, None] + amplitude[:, None] * np.cos(2 * np.pi * (hours[None, :] - 15.0) / 24.0)
    drybulb = diurnal[:, :, None] + sigma_day_k * _GH_NODES[None, None, :]
    td_month = dewpoint_c(climate.temp_mean_c, climate.rh_pct)
    dew = np.minimum(np.broadcast_to(td_month[:, None, None], drybulb.shape), drybulb)
    rh = 100.0 * saturation_vapour_pressure_hpa(dew) / saturation_vapour_pressure_hpa(drybulb)
    wet = np.minimum(wetbulb_stull_c(drybulb, rh), drybulb)
    weight = np.broadcast_to(_GH_WEIGHTS[None, None, :] / 24.0, drybulb.shape).copy()
    return TypicalHours(drybulb, dew, wet, weight)


def _ramp(x: FloatArray, start: float, end: float) -> FloatArray:
    """0 below ``start``, 1 above ``end``, linear in between."""
    return np.asarray(np.clip((x - start) / (end - start), 0.0, 1.0), dtype=float)


def _cop(t_cond_c: FloatArray, t_evap_c: float, eta: float, cop_max: float) -> FloatArray:
    lift = np.maximum(t_cond_c - t_evap_c, 1.0)
    return np.asarray(np.minimum(eta * (t_evap_c + 273.15) / lift, cop_max), dtype=float)


def _heat_load() -> float:
    """Heat to remove per unit IT power [1]: IT plus distribution losses inside the building."""
    return 1.0 + OVERHEADS["distribution_loss_fraction"]


def _base() -> float:
    return 1.0 + OVERHEADS["distribution_loss_fraction"] + OVERHEADS["misc_fraction"]


def _annual(monthly_hourly: FloatArray, hours: TypicalHours) -> tuple[float, FloatArray]:
    monthly = (monthly_hourly * hours.weight).sum(axis=(1, 2))
    annual = float((monthly * HOURS_PER_MONTH).sum() / HOURS_PER_MONTH.sum())
    return annual, monthly


def _waterside_cooling(hours: TypicalHours, p: Mapping[str, float]) -> FloatArray:
    """Cooling power per unit IT heat for the water-side economiser plant [1]."""
    mech = _ramp(hours.wetbulb_c, p["free_below_c"], p["mech_above_c"])
    cop = _cop(hours.wetbulb_c + p["cond_approach_k"], p["t_evap_c"], p["carnot_efficiency"], p["cop_max"])
    return np.asarray(p["fan_fraction"] + mech * _heat_load() / cop, dtype=float)


def pue_airside(
    climate: MonthlyClimate,
    dust_days_per_year: float = 0.0,
    params: Mapping[str, float] | None = None,
) -> tuple[float, FloatArray]:
    """Annual and monthly PUE [1] with a direct air-side economiser.

    Parameters
    ----------
    climate : MonthlyClimate
        Monthly normals of the site.
    dust_days_per_year : float
        Days per year with sand or dust weather [days/year]; raise filter
        pressure drop and hence fan power (``dust_fan_penalty``).
    params : mapping, optional
        Overrides of ``COOLING_PARAMETERS["airside"]``.
    """
    p = {**COOLING_PARAMETERS["airside"], **(params or {})}
    h = typical_hours(climate)
    mech_temp = _ramp(h.drybulb_c, p["free_below_c"], p["mech_above_c"])
    mech_humid = _ramp(h.dewpoint_c, p["dewpoint_limit_c"], p["dewpoint_limit_c"] + p["dewpoint_span_k"])
    mech = np.maximum(mech_temp, mech_humid)
    cop = _cop(h.drybulb_c + p["cond_approach_k"], p["t_evap_c"], p["carnot_efficiency"], p["cop_max"])
    fan = p["fan_fraction"] * (1.0 + p["dust_fan_penalty"] * min(dust_days_per_year, 365.0) / 365.0)
    return _annual(_base() + fan + mech * _heat_load() / cop, h)


def pue_waterside(
    climate: MonthlyClimate,
    dust_days_per_year: float = 0.0,
    params: Mapping[str, float] | None = None,
) -> tuple[float, FloatArray]:
    """Annual and monthly PUE [1] with a water-side economiser (towers + plate HX, 18 degC CHW).

    ``dust_days_per_year`` is accepted for a uniform signature and has no effect.
    """
    p = {**COOLING_PARAMETERS["waterside"], **(params or {})}
    h = typical_hours(climate)
    return _annual(_base() + _waterside_cooling(h, p), h)


def pue_chiller(
    climate: MonthlyClimate,
    dust_days_per_year: float = 0.0,
    params: Mapping[str, float] | None = None,
) -> tuple[float, FloatArray]:
    """Annual and monthly PUE [1] with a chiller plant and no economiser (7 degC CHW)."""
    p = {**COOLING_PARAMETERS["chiller"], **(params or {})}
    h = typical_hours(climate)
    cop = _cop(h.wetbulb_c + p["cond_approach_k"], p["t_evap_c"], p["carnot_efficiency"], p["cop_max"])
    return _annual(_base() + p["fan_fraction"] + _heat_load() / cop, h)


def pue_liquid(
    climate: MonthlyClimate,
    dust_days_per_year: float = 0.0,
    params: Mapping[str, float] | None = None,
) -> tuple[float, FloatArray]:
    """Annual and monthly PUE [1] with direct-to-chip liquid cooling (35 degC warm water).

    The captured share of heat goes to dry coolers (compressor only above
    ``free_below_c`` dry bulb); the rest is handled by a water-side economiser plant.
    """
    p = {**COOLING_PARAMETERS["liquid"], **(params or {})}
    h = typical_hours(climate)
    mech = _ramp(h.drybulb_c, p["free_below_c"], p["mech_above_c"])
    cop = _cop(h.drybulb_c + p["cond_approach_k"], p["t_evap_c"], p["carnot_efficiency"], p["cop_max"])
    captured = p["captured_fraction"]
    liquid = p["pump_fraction"] + captured * mech * _heat_load() / cop
    air = (1.0 - captured) * _waterside_cooling(h, COOLING_PARAMETERS["waterside"])
    return _annual(_base() + liquid + air, h)


_MODELS = {"airside": pue_airside, "waterside": pue_waterside, "chiller": pue_chiller, "liquid": pue_liquid}


def _pue_model(cooling: str) -> Any:
    try:
        return _MODELS[cooling]
    except KeyError:
        raise ValueError(f"cooling = {cooling!r} is not one of {', '.join(COOLING_TECHNOLOGIES)}") from None


def pue(climate: MonthlyClimate, cooling: str = "airside", dust_days_per_year: float = 0.0) -> float:
    """Annual PUE [1] of a site for a cooling technology (one of ``COOLING_TECHNOLOGIES``)."""
    annual, _ = _pue_model(cooling)(climate, dust_days_per_year)
    return float(annual)


def pue_monthly(climate: MonthlyClimate, cooling: str = "airside", dust_days_per_year: float = 0.0) -> FloatArray:
    """Monthly PUE [1] (12,); their hour-weighted mean is :func:`pue`."""
    _, monthly = _pue_model(cooling)(climate, dust_days_per_year)
    return np.asarray(monthly, dtype=float)


def free_cooling_share(climate: MonthlyClimate, cooling: str = "airside") -> float:
    """Share of the year's hours with no compressor cooling at all [fraction]."""
    h = typical_hours(climate)
    if cooling == "airside":
        p = COOLING_PARAMETERS["airside"]
        free = (h.drybulb_c <= p["free_below_c"]) & (h.dewpoint_c <= p["dewpoint_limit_c"])
    elif cooling == "waterside":
        free = h.wetbulb_c <= COOLING_PARAMETERS["waterside"]["free_below_c"]
    elif cooling == "liquid":
        free = h.drybulb_c <= COOLING_PARAMETERS["liquid"]["free_below_c"]
    else:
        return 0.0
    share, _ = _annual(free.astype(float), h)
    return share

