"""Annual cost of hosting IT load at a site, component by component.

All component models are per MW of IT capacity per year [yuan/(MW*yr)] so that
the optimisation core can use them as linear coefficients; the fixed cost of
opening a site is separate.  With P MW of IT capacity at utilisation u:

- energy    = P * u * 8760 h * PUE * 1000 kWh/MWh * price [yuan/kWh]; over time-of-use periods and
              monthly PUE where the province has a schedule (:mod:`siting.models.tariffs`)
- capex     = P * capex [yuan/MW] * CRF(r, n)
- land      = P * land_m2_per_mw * land price [yuan/m2] * CRF(r, n)
- labour    = P * staff_per_mw * wage [yuan/yr]
- water     = P * u * 8760 * 1000 kWh/MWh * WUE [L/kWh] / 1000 L/m3 * water price [yuan/m3]
- bandwidth = P * egress [Gbps/MW] * price [yuan/(Gbps*month)] * 12
- carbon    = P * u * 8760 * PUE * grid factor [t/MWh] * carbon price [yuan/t]

minus subsidies (see :mod:`siting.models.subsidies`).  Usage-driven components
(energy, water, bandwidth, carbon) are multiplied by the schedule's usage factor
when a phased build-out is requested.  The levelised cost divides the annual
cost by the IT capacity in kW and 12 months [yuan/(kW*month)].

Water usage effectiveness by cooling technology (``WUE_L_PER_KWH``), site water
for the cooling plant per kWh of IT energy: evaporative towers reject ~1.5 kg
of water per kWh of heat (latent heat 2.45 MJ/kg) plus drift and blow-down,
1.8 L/kWh being the commonly quoted average (Shehabi et al., "United States
Data Center Energy Usage Report", LBNL-1005775, 2016); direct air-side and
dry-cooler systems use water only for humidification or adiabatic assist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from siting.models.tariffs import PERIODS, TouSchedule, energy_cost_by_period

HOURS_PER_YEAR = 8760.0
COST_COMPONENTS = ("energy", "capex", "land", "labour", "water", "bandwidth", "carbon")
USAGE_COMPONENTS = ("energy", "water", "bandwidth", "carbon")

#: Site water use per kWh of IT energy [L/kWh] by cooling technology (see module docstring).
WUE_L_PER_KWH = {"airside": 0.2, "waterside": 1.8, "chiller": 1.9, "liquid": 0.4}


def energy_mwh_per_mw_year(pue: float, utilisation_fraction: float) -> float:
    """Facility energy drawn per MW of IT capacity [MWh/(MW*yr)]."""
    return HOURS_PER_YEAR * utilisation_fraction * pue


def energy_cost_yuan_per_mw_year(price_yuan_per_kwh: float, pue: float, utilisation_fraction: float) -> float:
    """Electricity cost per MW of IT capacity [yuan/(MW*yr)]."""
    return energy_mwh_per_mw_year(pue, utilisation_fraction) * 1000.0 * price_yuan_per_kwh


def demand_charge_yuan_per_kwh(demand_charge_yuan_per_kw_month: float, load_factor: float) -> float:
    """A basic (demand) charge [yuan/(kW*month)] per kWh at load factor L [1]: D * 12 / (8760 h * L).

    Two-part tariffs bill the maximum demand monthly; a data centre with mean/peak demand L spreads
    12 D yuan per kW-year over 8760 L kWh.  E.g. 27 yuan/(kW*month) at L = 0.7 is 0.0528 yuan/kWh.
    """
    if not 0 < load_factor <= 1:
        raise ValueError(f"load_factor must be in (0, 1], got {load_factor}")
    return demand_charge_yuan_per_kw_month * 12.0 / (HOURS_PER_YEAR * load_factor)


def capex_cost_yuan_per_mw_year(capex_yuan_per_mw: float, crf_per_year: float) -> float:
    """Annuity of the construction cost [yuan/(MW*yr)]."""
    return capex_yuan_per_mw * crf_per_year


def land_cost_yuan_per_mw_year(land_price_yuan_per_m2: float, land_m2_per_mw: float, crf_per_year: float) -> float:
    """Annuity of the land-use right [yuan/(MW*yr)]."""
    return land_price_yuan_per_m2 * land_m2_per_mw * crf_per_year


def labour_cost_yuan_per_mw_year(wage_yuan_per_year: float, staff_per_mw: float) -> float:
    """Operations staff cost [yuan/(MW*yr)]."""
    return wage_yuan_per_year * staff_per_mw


def water_cost_yuan_per_mw_year(
    water_price_yuan_per_m3: float, wue_l_per_kwh: float, utilisation_fraction: float
) -> float:
    """Cooling water cost [yuan/(MW*yr)] from WUE [L per kWh of IT energy]."""
    it_kwh = HOURS_PER_YEAR * utilisation_fraction * 1000.0
    return it_kwh * wue_l_per_kwh / 1000.0 * water_price_yuan_per_m3


def bandwidth_cost_yuan_per_mw_year(price_yuan_per_gbps_month: float, egress_gbps_per_mw: float) -> float:
    """Egress bandwidth cost before subsidies [yuan/(MW*yr)]."""
    return price_yuan_per_gbps_month * egress_gbps_per_mw * 12.0


def emissions_t_per_mw_year(pue: float, utilisation_fraction: float, grid_emission_factor_t_per_mwh: float) -> float:
    """Location-based CO2 emissions per MW of IT capacity [t/(MW*yr)]."""
    return energy_mwh_per_mw_year(pue, utilisation_fraction) * grid_emission_factor_t_per_mwh


def levelised_cost_yuan_per_kw_month(annual_cost_yuan: float, it_capacity_mw: float) -> float:
    """Annual cost spread over IT capacity [yuan/(kW*month)]."""
    if it_capacity_mw <= 0:
        return float("nan")
    return annual_cost_yuan / (it_capacity_mw * 1000.0 * 12.0)


@dataclass(frozen=True)
class SiteInputs:
    """The physical and economic inputs of one site for a request, in schema units."""

    site: str
    price_yuan_per_kwh: float
    pue: float
    capex_yuan_per_mw: float
    land_price_yuan_per_m2: float
    wage_yuan_per_year: float
    water_price_yuan_per_m3: float
    bandwidth_price_yuan_per_gbps_month: float
    grid_emission_factor_t_per_mwh: float
    renewable_share_fraction: float
    available_capacity_mw: float
    # the price over the year (see siting.models.tariffs); price_yuan_per_kwh is a flat load's all-in mean
    price_flat_yuan_per_kwh: float | None = None  # flat-period price the schedule multiplies (None: flat)
    # the same price month by month (12, January first) where the province publishes monthly tables; their
    # mean weighted by the hours of each month is price_flat_yuan_per_kwh
    price_flat_monthly_yuan_per_kwh: tuple[float, ...] | None = None
    price_adder_yuan_per_kwh: float = 0.0  # demand charge per kWh at the load factor
    tou: TouSchedule | None = None
    pue_monthly: tuple[float, ...] | None = None
    # hour by hour (siting.models.tariffs): the 8,760 hourly PUE, each month's peak PUE, the demand charge
    pue_hourly: npt.NDArray[np.float64] | None = field(default=None, compare=False, repr=False)
    pue_monthly_peak: tuple[float, ...] | None = None
    demand_charge_yuan_per_kw_month: float = 0.0


@dataclass(frozen=True)
class Assumptions:
    """Request-level assumptions shared by every site."""

    utilisation_fraction: float
    usage_factor: float  # present-value-weighted mean load / peak over the horizon (1 without phases): costs
    mean_usage_factor: float  # plain mean load / peak over the horizon: energy and emissions per year
    crf_per_year: float
    discount_rate_fraction: float
    horizon_years: float
    land_m2_per_mw: float
    staff_per_mw: float
    fixed_site_cost_yuan_per_year: float
    carbon_price_yuan_per_t: float
    wue_l_per_kwh: float


def energy_cost_of_site_by_period(site: SiteInputs, utilisation: float, flexible_share: float = 0.0
                                  ) -> npt.NDArray[np.float64]:
    """(12, periods) energy cost of 1 MW of IT [yuan/yr]: hour by hour where the site has hourly PUE and its
    schedule clock hours, else over the periods at the monthly PUE (``siting.models.tariffs``); a site without
    a schedule pays its all-in price in one flat period."""
    if site.tou is None or site.price_flat_yuan_per_kwh is None or site.pue_monthly is None:
        out = np.zeros((12, len(PERIODS)))
        days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)
        pue_m = np.asarray(site.pue_monthly) if site.pue_monthly is not None else np.full(12, site.pue)
        out[:, PERIODS.index("flat")] = days * 24.0 * utilisation * pue_m * 1000.0 * site.price_yuan_per_kwh
        return out
    base = (site.price_flat_monthly_yuan_per_kwh if site.price_flat_monthly_yuan_per_kwh is not None
            else site.price_flat_yuan_per_kwh)
    return energy_cost_by_period(base, site.price_adder_yuan_per_kwh, site.tou,
                                 np.asarray(site.pue_monthly), utilisation, flexible_share, site.pue_hourly,
                                 site.demand_charge_yuan_per_kw_month,
                                 None if site.pue_monthly_peak is None else np.asarray(site.pue_monthly_peak))


def energy_cost_of_site_yuan_per_mw_year(site: SiteInputs, utilisation: float, flexible_share: float = 0.0) -> float:
    """Energy cost of 1 MW of IT at full usage [yuan/yr] (:func:`energy_cost_of_site_by_period`, summed)."""
    if site.tou is None or site.price_flat_yuan_per_kwh is None or site.pue_monthly is None:
        return energy_cost_yuan_per_mw_year(site.price_yuan_per_kwh, site.pue, utilisation)
    return float(energy_cost_of_site_by_period(site, utilisation, flexible_share).sum())


def unit_costs_yuan_per_mw_year(site: SiteInputs, a: Assumptions, egress_gbps_per_mw: float,
                                flexible_share: float = 0.0) -> dict[str, float]:
    """Every cost component for one MW of IT capacity at ``site`` [yuan/(MW*yr)], before subsidies.

    ``flexible_share``: the share of the class's daily IT energy it may move to cheaper hours.
    """
    u = a.utilisation_fraction
    usage = a.usage_factor
    return {
        "energy": usage * energy_cost_of_site_yuan_per_mw_year(site, u, flexible_share),
        "capex": capex_cost_yuan_per_mw_year(site.capex_yuan_per_mw, a.crf_per_year),
        "land": land_cost_yuan_per_mw_year(site.land_price_yuan_per_m2, a.land_m2_per_mw, a.crf_per_year),
        "labour": labour_cost_yuan_per_mw_year(site.wage_yuan_per_year, a.staff_per_mw),
        "water": usage * water_cost_yuan_per_mw_year(site.water_price_yuan_per_m3, a.wue_l_per_kwh, u),
        "bandwidth": usage * bandwidth_cost_yuan_per_mw_year(site.bandwidth_price_yuan_per_gbps_month,
                                                             egress_gbps_per_mw),
        "carbon": usage * emissions_t_per_mw_year(site.pue, u, site.grid_emission_factor_t_per_mwh)
        * a.carbon_price_yuan_per_t,
    }
