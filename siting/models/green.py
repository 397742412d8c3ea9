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

with H the province's PV full-load hours [h/yr] (``pv_full_load_hours_per_year``), and

    LCOE [yuan/MWh] = (C * 1e6 * CRF(r, n) + M * 1e6) / H

with C the installed cost [yuan/W], M the operation and maintenance [yuan/(W*yr)], n the PV life
and r the request's discount rate (:func:`siting.models.finance.capital_recovery_factor`).
On-site output lowers the grid draw itself, so it also lowers location-based emissions; bought
options do so only under market-based accounting.
"""

from __future__ import annotations

from dataclasses import dataclass

from siting.models.finance import capital_recovery_factor

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
