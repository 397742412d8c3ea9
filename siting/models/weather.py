"""Hourly weather of a typical year and its psychrometrics (pure physics, no I/O).

A site's weather is one typical year of hours (8,760 for an EPW file; any whole number of
hours per month for synthetic weather): dry bulb, dew point, relative humidity, pressure,
wet bulb and the three irradiance components.  Psychrometrics come from psychrolib
(Meyer & Thevenard 2019, J. Open Source Softw. 4(33) 1137: the ASHRAE Handbook -
Fundamentals 2017 ch. 1 formulas) in SI units; psychrolib works on scalars, so a series is
computed once when it is derived or imported (``siting.data.weather``) and shipped with its
wet bulb.

Elevation correction (``lapse_rate_correction``): where a station stands at another height
than the site, the dry bulb moves by the environmental lapse rate (6.5 K/km, the mean
tropospheric rate of the ICAO standard atmosphere; IUPAC Gold Book "temperature lapse rate",
doi:10.1351/goldbook.T06266), the pressure by the ratio of the standard-atmosphere pressures of
the two heights (psychrolib ``GetStandardAtmPressure``), and the humidity ratio [kg/kg] is kept
(water vapour is conserved when air moves without condensing), so the dew point and relative
humidity stay physically consistent with the new temperature and pressure; where the cooled air
would be supersaturated the dew point is capped at the dry bulb.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import psychrolib

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

psychrolib.SetUnitSystem(psychrolib.SI)

#: Days in each month of a non-leap year.
DAYS_PER_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
#: Hours of a typical (non-leap) year.
HOURS_PER_YEAR = 8760
#: Month (1-12) of each hour of a typical year.
MONTH_OF_HOUR: IntArray = np.repeat(np.arange(1, 13), DAYS_PER_MONTH * 24).astype(np.int64)
#: Hour of day (0-23, the hour *ending* at h+1 in EPW terms) of each hour of a typical year.
HOUR_OF_DAY: IntArray = np.tile(np.arange(24), 365).astype(np.int64)
#: Mean tropospheric (environmental) lapse rate [K/km] (ICAO standard atmosphere; IUPAC Gold Book T06266).
STANDARD_LAPSE_RATE_K_PER_KM = 6.5

COLUMNS = ("drybulb_c", "dewpoint_c", "rh_pct", "pressure_pa", "wetbulb_c", "ghi_w_per_m2", "dni_w_per_m2",
           "dhi_w_per_m2")


@dataclass(frozen=True)
class HourlyWeather:
    """Hourly weather of a typical year (arrays of equal length, one value per hour).

    Attributes
    ----------
    drybulb_c, dewpoint_c, wetbulb_c : [degC]
    rh_pct : relative humidity [%]
    pressure_pa : station pressure [Pa]
    ghi_w_per_m2, dni_w_per_m2, dhi_w_per_m2 : global horizontal, direct normal, diffuse horizontal irradiance,
        mean over the hour [W/m2] (= Wh/m2 in the hour)
    month : month (1-12) of each hour; hour_of_day : 0-23
    """

    drybulb_c: FloatArray
    dewpoint_c: FloatArray
    rh_pct: FloatArray
    pressure_pa: FloatArray
    wetbulb_c: FloatArray
    ghi_w_per_m2: FloatArray
    dni_w_per_m2: FloatArray
    dhi_w_per_m2: FloatArray
    month: IntArray
    hour_of_day: IntArray

    @property
    def n_hours(self) -> int:
        return int(self.drybulb_c.shape[0])

    @property
    def is_full_year(self) -> bool:
        """8,760 hours in calendar order (what hourly tariffs and PV need)."""
        return self.n_hours == HOURS_PER_YEAR

    @classmethod
    def from_columns(cls, columns: dict[str, FloatArray], month: IntArray | None = None,
                     hour_of_day: IntArray | None = None) -> HourlyWeather:
        """From the ``COLUMNS`` arrays of a full typical year (month and hour of day implied) or with them given."""
        arrays = {c: np.ascontiguousarray(columns[c], dtype=float) for c in COLUMNS}
        n = arrays["drybulb_c"].shape[0]
        if any(a.shape != (n,) for a in arrays.values()):
            raise ValueError("weather columns must be 1-D arrays of one length")
        if month is None or hour_of_day is None:
            if n != HOURS_PER_YEAR:
                raise ValueError(f"a typical year has {HOURS_PER_YEAR} hours, got {n}")
            month, hour_of_day = MONTH_OF_HOUR, HOUR_OF_DAY
        return cls(**arrays, month=np.asarray(month, dtype=np.int64), hour_of_day=np.asarray(hour_of_day,
                                                                                              dtype=np.int64))

    def monthly_mean(self, values: FloatArray) -> FloatArray:
        """Mean of an hourly array within each month (12,)."""
        sums = np.bincount(self.month - 1, weights=values, minlength=12)
        counts = np.bincount(self.month - 1, minlength=12)
        return np.asarray(sums / np.maximum(counts, 1), dtype=float)

    def monthly_max(self, values: FloatArray) -> FloatArray:
        """Largest value of an hourly array within each month (12,)."""
        out = np.full(12, -np.inf)
        np.maximum.at(out, self.month - 1, values)
        return out


def _vectorise(func: Callable[..., float]) -> np.ufunc:
    return np.frompyfunc(func, 3, 1)


_WETBULB = _vectorise(psychrolib.GetTWetBulbFromTDewPoint)
_RH = np.frompyfunc(psychrolib.GetRelHumFromTDewPoint, 2, 1)
_W_FROM_TDEW = np.frompyfunc(psychrolib.GetHumRatioFromTDewPoint, 2, 1)
_TDEW_FROM_W = _vectorise(psychrolib.GetTDewPointFromHumRatio)
_ENTHALPY = np.frompyfunc(psychrolib.GetMoistAirEnthalpy, 2, 1)


def wetbulb_c(drybulb_c: npt.ArrayLike, dewpoint_c: npt.ArrayLike, pressure_pa: npt.ArrayLike) -> FloatArray:
    """Psychrometric wet bulb [degC] from dry bulb, dew point [degC] and pressure [Pa] (psychrolib, ASHRAE)."""
    t = np.asarray(drybulb_c, dtype=float)
    td = np.minimum(np.asarray(dewpoint_c, dtype=float), t)
    return np.asarray(_WETBULB(t, td, np.asarray(pressure_pa, dtype=float)), dtype=float)


def rh_pct(drybulb_c: npt.ArrayLike, dewpoint_c: npt.ArrayLike) -> FloatArray:
    """Relative humidity [%] from dry bulb and dew point [degC] (psychrolib)."""
    t = np.asarray(drybulb_c, dtype=float)
    td = np.minimum(np.asarray(dewpoint_c, dtype=float), t)
    return np.asarray(_RH(t, td), dtype=float) * 100.0


def humidity_ratio_kg_per_kg(dewpoint_c: npt.ArrayLike, pressure_pa: npt.ArrayLike) -> FloatArray:
    """Humidity ratio [kg water / kg dry air] from dew point [degC] and pressure [Pa] (psychrolib)."""
    return np.asarray(_W_FROM_TDEW(np.asarray(dewpoint_c, dtype=float), np.asarray(pressure_pa, dtype=float)),
                      dtype=float)


def enthalpy_j_per_kg(drybulb_c: npt.ArrayLike, humidity_ratio: npt.ArrayLike) -> FloatArray:
    """Moist-air enthalpy [J per kg dry air] (psychrolib)."""
    return np.asarray(_ENTHALPY(np.asarray(drybulb_c, dtype=float), np.asarray(humidity_ratio, dtype=float)),
                      dtype=float)


def standard_pressure_pa(elevation_m: float) -> float:
    """Pressure of the standard atmosphere at an elevation [Pa] (psychrolib, ASHRAE 2017 ch. 1 eq. 3)."""
    return float(psychrolib.GetStandardAtmPressure(float(elevation_m)))


def lapse_rate_correction(
    drybulb_c: npt.ArrayLike, dewpoint_c: npt.ArrayLike, pressure_pa: npt.ArrayLike, station_elevation_m: float,
    site_elevation_m: float, lapse_k_per_km: float = STANDARD_LAPSE_RATE_K_PER_KM,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Move a station's dry bulb, dew point and pressure to the site's elevation (module docstring).

    Returns (dry bulb [degC], dew point [degC], pressure [Pa]) at the site: the dry bulb changes by
    ``-lapse * (site - station) / 1000``, the pressure by the standard-atmosphere ratio and the
    humidity ratio is kept (dew point capped at the new dry bulb).
    """
    dz_km = (float(site_elevation_m) - float(station_elevation_m)) / 1000.0
    t = np.asarray(drybulb_c, dtype=float) - lapse_k_per_km * dz_km
    p0 = np.asarray(pressure_pa, dtype=float)
    p = p0 * standard_pressure_pa(site_elevation_m) / standard_pressure_pa(station_elevation_m)
    w = humidity_ratio_kg_per_kg(np.asarray(dewpoint_c, dtype=float), p0)
    td = np.asarray(_TDEW_FROM_W(t, w, p), dtype=float)
    return t, np.minimum(td, t), p


def synthetic_weather(temp_mean_c: npt.ArrayLike, temp_range_k: npt.ArrayLike, dewpoint_c: npt.ArrayLike,
                      pressure_pa: float = 101325.0) -> HourlyWeather:
    """A typical day per month (12 x 24 hours): dry bulb T_mean + range/2 cos(2 pi (h - 15) / 24) (peak at 15:00),
    the month's dew point held over the day (capped at the dry bulb), no irradiance.

    For property tests and synthetic benchmarks: monthly means are exact, the hours of a day are the
    month's typical diurnal cycle (no day-to-day spread).
    """
    mean = np.asarray(temp_mean_c, dtype=float).reshape(12)
    rng = np.asarray(temp_range_k, dtype=float).reshape(12)
    dew = np.asarray(dewpoint_c, dtype=float).reshape(12)
    h = np.arange(24)
    t = (mean[:, None] + rng[:, None] / 2.0 * np.cos(2 * np.pi * (h[None, :] - 15.0) / 24.0)).ravel()
    td = np.minimum(np.repeat(dew, 24), t)
    p = np.full(t.shape, float(pressure_pa))
    zero = np.zeros(t.shape)
    cols = {"drybulb_c": t, "dewpoint_c": td, "rh_pct": rh_pct(t, td), "pressure_pa": p,
            "wetbulb_c": wetbulb_c(t, td, p), "ghi_w_per_m2": zero, "dni_w_per_m2": zero, "dhi_w_per_m2": zero}
    return HourlyWeather.from_columns(cols, month=np.repeat(np.arange(1, 13), 24), hour_of_day=np.tile(h, 12))
