"""Green power a site may buy or make: certificates, green trading, PPAs and on-site solar.

Every option is one *offer* per site where it applies (``sites/green_options.csv``: ``scope`` is
``national``, a province or a site id), a decision variable ``green[o]`` [MWh/yr] of the
site-selection model.  A MWh of any offer covers one MWh of the site's energy that the grid mix
leaves non-renewable (the convention of the green-share row; the marginal grid MWh displaced is
fossil), so at a site ``sum_o green[o] <= (1 - g) E``.  What a MWh costs depends on the option's
``price_basis``:

- ``premium``:   q [yuan/MWh] on top of the grid energy (certificates 绿证, green trading 绿电交易: the
                 contract price plus an environmental premium);
- ``delivered``: a delivered price D [yuan/MWh] that replaces the site's grid energy price, so the net
                 cost is D - P_avoided (a long-term or inter-provincial PPA quoted at the meter);
- ``lcoe``:      on-site solar, whose cost is its levelised cost of energy (below) and which replaces
                 grid energy: net cost LCOE - P_avoided.

``P_avoided`` is the site's flat-period grid energy price (its all-in price where the province
has no time-of-use schedule): a solar day mixes peak, flat and valley hours, and the demand
(basic) charge is not avoided, since the campus still peaks at night.

On-site solar: ground-mounted or rooftop PV on the campus's own land.  Per MW of IT capacity
the campus has ``land_m2_per_mw`` of land (``sites/defaults.csv``); a share ``s`` of it carries
PV at ``a`` m2 per MWp (the national land-use indicator), so

    output [MWh/(MW_IT*yr)] = land_m2_per_mw * s / a * H

with H the site's PV yield [kWh/kWp/yr = full-load hours] computed from the same typical-year hours
as its PUE (:func:`pv_yield_kwh_per_kwp_year`), and

    LCOE [yuan/MWh] = (C * 1e6 * CRF(r, n) + M * 1e6) / H

with C the installed cost [yuan/W], M the operation and maintenance [yuan/(W*yr)], n the PV life
and r the request's discount rate (:func:`siting.models.finance.capital_recovery_factor`).
PV yield (:func:`pv_yield_kwh_per_kwp_year`), a documented fixed-tilt system computed with pvlib
from the site's EPW irradiance:

- modules facing due south (azimuth 180 deg) tilted at the site's latitude (the usual rule for the
  largest annual yield of a fixed array at these latitudes);
- plane-of-array irradiance from GHI by the Hay-Davies transposition
  (``pvlib.irradiance.get_total_irradiance``, ground albedo 0.2) at the sun's position at mid-hour
  (EPW hours end on the hour, local standard time UTC+8).  GHI is split into direct and diffuse by
  the Erbs et al. (1982) model (``pvlib.irradiance.erbs``) rather than taken from the file's DNI and
  DHI, because in the CSWD files these do not close with GHI (Yinchuan: DNI cos z + DHI sums to
  84 % of GHI over the year; Guangzhou 98 %);
- cell temperature from the Sandia model for open-rack glass/glass modules
  (``pvlib.temperature.sapm_cell``) at 1 m/s wind (the shipped series carry no wind);
- PVWatts DC model (``pvlib.pvsystem.pvwatts_dc``, temperature coefficient -0.47 %/K, the standard
  module of Dobos 2014), then the PVWatts default system losses of 14 % (soiling 2, shading 3,
  snow 0, mismatch 2, wiring 2, connections 0.5, light-induced degradation 1.5, nameplate 1,
  availability 3 %; Dobos, "PVWatts Version 5 Manual", NREL/TP-6A20-62641, 2014) and a 96 %
  inverter (PVWatts nominal inverter efficiency).

On-site output lowers the grid draw itself, so it also lowers location-based emissions; bought
options do so only under market-based accounting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting.models.finance import capital_recovery_factor
from siting.models.weather import HourlyWeather

PRICE_BASES = ("premium", "delivered", "lcoe")
#: ``sites/defaults.csv`` rows on-site solar needs (module docstring).
PV_DEFAULTS = ("pv_capex_yuan_per_w", "pv_om_yuan_per_w_year", "pv_life_years", "pv_land_m2_per_mwp",
               "pv_share_of_campus_land_fraction")


@dataclass(frozen=True)
class GreenOffer:
    """One green option at one site, in the units of the module docstring."""

    site: str
    option_id: str
    kind: str
    price_basis: str  # premium | delivered | lcoe
    price_yuan_per_mwh: float  # the premium, the delivered price or the LCOE: what is paid per MWh
    cap_share: float  # of the site's non-renewable energy [1]
    output_mwh_per_mw_year: float | None = None  # on-site generation per MW of IT [MWh/(MW*yr)]; None: no limit
    onsite: bool = False  # lowers the grid draw itself (emission credit under location-based accounting too)

    @property
    def replaces_grid_energy(self) -> bool:
        return self.price_basis != "premium"


def pv_lcoe_yuan_per_mwh(capex_yuan_per_w: float, om_yuan_per_w_year: float, life_years: float,
                         discount_rate: float, full_load_hours: float) -> float:
    """Levelised cost of PV energy [yuan/MWh]: (C 1e6 CRF(r, n) + M 1e6) / H (module docstring)."""
    if full_load_hours <= 0:
        raise ValueError(f"full_load_hours must be > 0, got {full_load_hours}")
    annual = capex_yuan_per_w * 1e6 * capital_recovery_factor(discount_rate, life_years) + om_yuan_per_w_year * 1e6
    return annual / full_load_hours


def onsite_pv_mwh_per_mw_year(land_m2_per_mw: float, pv_share_of_land: float, land_m2_per_mwp: float,
                              full_load_hours: float) -> float:
    """PV output on the campus's own land per MW of IT [MWh/(MW*yr)]: L s / a H (module docstring)."""
    if land_m2_per_mwp <= 0:
        raise ValueError(f"land_m2_per_mwp must be > 0, got {land_m2_per_mwp}")
    return land_m2_per_mw * pv_share_of_land / land_m2_per_mwp * full_load_hours


#: The fixed-tilt system of :func:`pv_yield_kwh_per_kwp_year` (module docstring; Dobos 2014 for PVWatts values).
PV_SYSTEM = {"azimuth_deg": 180.0, "albedo": 0.2, "gamma_pdc_per_k": -0.0047, "system_losses_fraction": 0.14,
             "inverter_efficiency": 0.96, "wind_m_per_s": 1.0}
#: EPW local standard time of the Chinese stations [h east of UTC].
UTC_OFFSET_H = 8


def pv_yield_kwh_per_kwp_year(weather: HourlyWeather, lat_deg: float, lon_deg: float,
                              tilt_deg: float | None = None) -> float:
    """Annual AC yield of 1 kWp of fixed-tilt, south-facing PV [kWh/kWp/yr] from a year of hourly irradiance.

    ``tilt_deg`` defaults to the latitude; the chain is the module docstring's (pvlib, PVWatts).
    """
    import pvlib  # heavy import, only when solar is asked for

    if not weather.is_full_year:
        raise ValueError("PV yield needs a full year of 8,760 hours")
    s = PV_SYSTEM
    tilt = abs(lat_deg) if tilt_deg is None else tilt_deg
    times = pd.date_range("2005-01-01 00:30", periods=weather.n_hours, freq="h", tz=f"Etc/GMT-{UTC_OFFSET_H}")
    pos = pvlib.solarposition.get_solarposition(times, lat_deg, lon_deg, method="nrel_numpy")
    doy = np.asarray(times.day_of_year, dtype=float)  # day numbers: pvlib's datetime path warns under pandas 3
    dni_extra = pd.Series(pvlib.irradiance.get_extra_radiation(doy), index=times)
    ghi = pd.Series(weather.ghi_w_per_m2, index=times)
    split = pvlib.irradiance.erbs(ghi, pos["zenith"], doy)
    poa = pvlib.irradiance.get_total_irradiance(
        tilt, s["azimuth_deg"], pos["apparent_zenith"], pos["azimuth"], split["dni"], ghi, split["dhi"],
        dni_extra=dni_extra, albedo=s["albedo"], model="haydavies")
    poa_global = np.nan_to_num(np.asarray(poa["poa_global"], dtype=float), nan=0.0).clip(min=0.0)
    params = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_glass"]
    t_cell = pvlib.temperature.sapm_cell(poa_global, weather.drybulb_c, s["wind_m_per_s"], **params)
    pdc_kw = pvlib.pvsystem.pvwatts_dc(poa_global, t_cell, 1.0, s["gamma_pdc_per_k"])
    ac_kw = np.asarray(pdc_kw, dtype=float) * (1.0 - s["system_losses_fraction"]) * s["inverter_efficiency"]
    return float(np.clip(ac_kw, 0.0, None).sum())
