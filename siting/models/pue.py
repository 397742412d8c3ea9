"""Power usage effectiveness (PUE) hour by hour from a site's typical-year weather and the cooling technology.

PUE(h) = total facility power / IT power in hour h
       = 1 + distribution losses + miscellaneous loads + fans and pumps
           + mechanical-cooling fraction(h) x heat load / COP(h),

with constant IT load.  The hours are the site's 8,760 typical-year hours
(:class:`siting.models.weather.HourlyWeather`: dry bulb, dew point and the psychrolib wet bulb
of a CSWD station or of a planner's own EPW file).  Monthly PUE is the mean over the month's
hours, the annual PUE the mean over the year (the hour-weighted mean of the monthly ones) and
each month's peak PUE its largest hour: all three come out of the same hours
(:func:`pue_hours`).

Cooling technologies (competing models with the same leading arguments, each returning the
hourly PUE):

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
Sand and dust days load the air-side filters: the fan power rises by ``dust_fan_penalty``
on the year's share of dust days (spread evenly over the hours; the days themselves are not
in the weather file).

Validation: Zhongwei (annual mean 8.8 degC, full natural air cooling) is stated
to reach PUE 1.1 (36kr-2022); ``tests/test_pue.py`` checks the model against it
and states what each site gets.  Parameter sets are the module constant
``COOLING_PARAMETERS``; every value is a documented engineering assumption.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from siting.models.weather import HourlyWeather

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




def _fan_dust(p: Mapping[str, float], dust_days_per_year: float) -> float:
    return p["fan_fraction"] * (1.0 + p["dust_fan_penalty"] * min(max(dust_days_per_year, 0.0), 365.0) / 365.0)


def _waterside_cooling(w: HourlyWeather, p: Mapping[str, float]) -> FloatArray:
    """Cooling power per unit IT power for the water-side economiser plant, hour by hour [1]."""
    mech = _ramp(w.wetbulb_c, p["free_below_c"], p["mech_above_c"])
    cop = _cop(w.wetbulb_c + p["cond_approach_k"], p["t_evap_c"], p["carnot_efficiency"], p["cop_max"])
    return np.asarray(p["fan_fraction"] + mech * _heat_load() / cop, dtype=float)


def pue_airside(weather: HourlyWeather, dust_days_per_year: float = 0.0,
                params: Mapping[str, float] | None = None) -> FloatArray:
    """Hourly PUE [1] with a direct air-side economiser.

    Parameters
    ----------
    weather : HourlyWeather
        The site's hours (dry bulb and dew point are used).
    dust_days_per_year : float
        Days per year with sand or dust weather [days/year]; raise filter
        pressure drop and hence fan power (``dust_fan_penalty``).
    params : mapping, optional
        Overrides of ``COOLING_PARAMETERS["airside"]``.
    """
    p = {**COOLING_PARAMETERS["airside"], **(params or {})}
    mech_temp = _ramp(weather.drybulb_c, p["free_below_c"], p["mech_above_c"])
    mech_humid = _ramp(weather.dewpoint_c, p["dewpoint_limit_c"], p["dewpoint_limit_c"] + p["dewpoint_span_k"])
    mech = np.maximum(mech_temp, mech_humid)
    cop = _cop(weather.drybulb_c + p["cond_approach_k"], p["t_evap_c"], p["carnot_efficiency"], p["cop_max"])
    return np.asarray(_base() + _fan_dust(p, dust_days_per_year) + mech * _heat_load() / cop, dtype=float)


def pue_waterside(weather: HourlyWeather, dust_days_per_year: float = 0.0,
                  params: Mapping[str, float] | None = None) -> FloatArray:
    """Hourly PUE [1] with a water-side economiser (towers + plate HX, 18 degC CHW) on the psychrolib wet bulb.

    ``dust_days_per_year`` is accepted for a uniform signature and has no effect.
    """
    p = {**COOLING_PARAMETERS["waterside"], **(params or {})}
    return np.asarray(_base() + _waterside_cooling(weather, p), dtype=float)


def pue_chiller(weather: HourlyWeather, dust_days_per_year: float = 0.0,
                params: Mapping[str, float] | None = None) -> FloatArray:
    """Hourly PUE [1] with a chiller plant and no economiser (7 degC CHW, tower-cooled condenser)."""
    p = {**COOLING_PARAMETERS["chiller"], **(params or {})}
    cop = _cop(weather.wetbulb_c + p["cond_approach_k"], p["t_evap_c"], p["carnot_efficiency"], p["cop_max"])
    return np.asarray(_base() + p["fan_fraction"] + _heat_load() / cop, dtype=float)


def pue_liquid(weather: HourlyWeather, dust_days_per_year: float = 0.0,
               params: Mapping[str, float] | None = None) -> FloatArray:
    """Hourly PUE [1] with direct-to-chip liquid cooling (35 degC warm water).

    The captured share of heat goes to dry coolers (compressor only above
    ``free_below_c`` dry bulb); the rest is handled by a water-side economiser plant.
    """
    p = {**COOLING_PARAMETERS["liquid"], **(params or {})}
    mech = _ramp(weather.drybulb_c, p["free_below_c"], p["mech_above_c"])
    cop = _cop(weather.drybulb_c + p["cond_approach_k"], p["t_evap_c"], p["carnot_efficiency"], p["cop_max"])
    captured = p["captured_fraction"]
    liquid = p["pump_fraction"] + captured * mech * _heat_load() / cop
    air = (1.0 - captured) * _waterside_cooling(weather, COOLING_PARAMETERS["waterside"])
    return np.asarray(_base() + liquid + air, dtype=float)


PueModel = Callable[[HourlyWeather, float], FloatArray]
_MODELS: dict[str, PueModel] = {"airside": pue_airside, "waterside": pue_waterside, "chiller": pue_chiller,
                                "liquid": pue_liquid}


def _pue_model(cooling: str) -> PueModel:
    try:
        return _MODELS[cooling]
    except KeyError:
        raise ValueError(f"cooling = {cooling!r} is not one of {', '.join(COOLING_TECHNOLOGIES)}") from None


@dataclass(frozen=True)
class PueHours:
    """PUE of one site and cooling technology: every hour and what comes out of them.

    hourly : (n_hours,) [1]; monthly : (12,) mean over each month's hours; monthly_peak : (12,) each
    month's largest hour; annual : the hour-weighted mean of the monthly values (= the mean of the
    hours of a full year).
    """

    hourly: FloatArray
    monthly: FloatArray
    monthly_peak: FloatArray
    annual: float


def annual_from_monthly(monthly: npt.ArrayLike) -> float:
    """Hour-weighted annual mean [1] of 12 monthly values."""
    return float((np.asarray(monthly, dtype=float) * HOURS_PER_MONTH).sum() / HOURS_PER_MONTH.sum())


def pue_hours(weather: HourlyWeather, cooling: str = "airside", dust_days_per_year: float = 0.0) -> PueHours:
    """Hourly, monthly, monthly-peak and annual PUE [1] of a site's weather for a cooling technology."""
    hourly = _pue_model(cooling)(weather, dust_days_per_year)
    monthly = weather.monthly_mean(hourly)
    return PueHours(hourly, monthly, weather.monthly_max(hourly), annual_from_monthly(monthly))


def pue(weather: HourlyWeather, cooling: str = "airside", dust_days_per_year: float = 0.0) -> float:
    """Annual PUE [1] of a site for a cooling technology (one of ``COOLING_TECHNOLOGIES``)."""
    return pue_hours(weather, cooling, dust_days_per_year).annual


def pue_monthly(weather: HourlyWeather, cooling: str = "airside", dust_days_per_year: float = 0.0) -> FloatArray:
    """Monthly PUE [1] (12,); their hour-weighted mean is :func:`pue`."""
    return pue_hours(weather, cooling, dust_days_per_year).monthly


def free_cooling_share(weather: HourlyWeather, cooling: str = "airside") -> float:
    """Share of the year's hours with no compressor cooling at all [fraction]."""
    if cooling == "airside":
        p = COOLING_PARAMETERS["airside"]
        free = (weather.drybulb_c <= p["free_below_c"]) & (weather.dewpoint_c <= p["dewpoint_limit_c"])
    elif cooling == "waterside":
        free = weather.wetbulb_c <= COOLING_PARAMETERS["waterside"]["free_below_c"]
    elif cooling == "liquid":
        free = weather.drybulb_c <= COOLING_PARAMETERS["liquid"]["free_below_c"]
    else:
        return 0.0
    return annual_from_monthly(weather.monthly_mean(free.astype(float)))


@dataclass(frozen=True)
class MonthlyClimate:
    """Monthly normals derived from a site's hours (12 values each): mean, mean daily maximum and minimum dry
    bulb [degC] and mean relative humidity [%]; for summaries, the engine computes on the hours."""

    temp_mean_c: FloatArray
    temp_max_c: FloatArray
    temp_min_c: FloatArray
    rh_pct: FloatArray


def monthly_normals(weather: HourlyWeather) -> MonthlyClimate:
    """Monthly normals of a full typical year (8,760 hours) of weather."""
    if not weather.is_full_year:
        raise ValueError("monthly normals need a full year of 8,760 hours")
    daily_max = weather.drybulb_c.reshape(365, 24).max(axis=1)
    daily_min = weather.drybulb_c.reshape(365, 24).min(axis=1)
    day_month = weather.month.reshape(365, 24)[:, 0] - 1
    counts = np.bincount(day_month, minlength=12)
    return MonthlyClimate(
        weather.monthly_mean(weather.drybulb_c),
        np.bincount(day_month, weights=daily_max, minlength=12) / counts,
        np.bincount(day_month, weights=daily_min, minlength=12) / counts,
        weather.monthly_mean(weather.rh_pct),
    )
