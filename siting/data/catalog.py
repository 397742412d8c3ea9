"""The site catalog: candidate sites, climate normals, subsidies, demand centres and defaults.

Every number lives in a long, tidy CSV table with its provenance::

    site,parameter,value,unit,source,year,status,note

and ``sites/schema.csv`` says which parameters each table may hold, their type,
unit, allowed range and whether every row-owner must have them.  The loader
checks every value against the schema and every source key against
``sources.csv``; bad data raises :class:`~siting.errors.CatalogError` naming the
file, row, site, parameter and value.

Tables (all in ``sites/``, shipped as the package ``siting.catalog_data``):

================== ==========================================================
sites.csv           identity: id, names, province, hub, cluster, role
site_parameters.csv per-site numbers (long)
weather_stations.csv per site: the station of its hourly typical-year weather, provenance
weather/<site>.csv.gz 8,760 hours of dry bulb, dew point, RH, pressure, wet bulb, irradiance
subsidies.csv       structured subsidy records (kind, amount/rate, cap, duration)
centres.csv         demand-centre identity
centre_parameters   per-centre numbers (long): coordinates, population
defaults.csv        global planning defaults (discount rate, route factor, ...)
sources.csv         bibliography: key, title, publisher, url, year
schema.csv          the allowed parameters with type, unit, range, description
monthly_prices.csv  12 monthly energy prices of one year per province (optional)
================== ==========================================================
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.data.weather import STATION_COLUMNS, read_series
from siting.errors import CatalogError, UnknownIdError
from siting.models.green import PRICE_BASES, pv_yield_kwh_per_kwp_year
from siting.models.pue import MonthlyClimate, PueHours, annual_from_monthly, monthly_normals, pue_hours
from siting.models.tariffs import PERIODS as TOU_PERIODS
from siting.models.tariffs import TouSchedule, parse_clock_hours
from siting.models.weather import HourlyWeather
from siting.serialize import to_jsonable

STATUSES = ("sourced", "derived", "assumption")
SUBSIDY_KINDS = ("electricity", "bandwidth", "capex")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
PROVENANCE_COLUMNS = ("value", "unit", "source", "year", "status", "note")
_MAX_REPORTED = 25
#: Largest subsidy amount or cap accepted [yuan] (1 trillion: far above any data-centre deal).
MAX_SUBSIDY_YUAN = 1e12


def default_catalog_dir() -> Path:
    """Directory of the shipped catalog (works from a checkout and from a wheel)."""
    return Path(str(resources.files("siting.catalog_data")))


@dataclass(frozen=True)
class Subsidy:
    """One subsidy record.

    Exactly one of ``amount_yuan`` (lump sum), ``rate_fraction`` (share of the
    cost of ``kind``) or ``price_reduction_yuan_per_kwh`` (electricity only) is set.
    ``cap_yuan`` caps the total paid over the horizon; ``duration_years`` limits
    how long a rate is paid (``None``: the whole horizon).
    """

    subsidy_id: str
    site: str
    kind: str
    amount_yuan: float | None = None
    rate_fraction: float | None = None
    price_reduction_yuan_per_kwh: float | None = None
    cap_yuan: float | None = None
    duration_years: float | None = None
    conditions: str = ""
    requires: str = ""  # eligibility tag a request must declare; empty = applies to every project
    package: str = ""  # the package it belongs to (applied only when a request opts in); empty = standing policy
    source: str = ""
    year: int | None = None
    status: str = "sourced"
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


PACKAGE_KINDS = ("negotiated_deal", "policy_price", "policy_subsidy")
PACKAGE_PRICE = "electricity_price_package_yuan_per_kwh"


@dataclass(frozen=True)
class PackageTerm:
    """One site parameter a package sets (e.g. its electricity price at a site), with provenance."""

    site: str
    parameter: str
    value: float
    unit: str
    source: str
    year: int
    status: str
    note: str = ""


@dataclass(frozen=True)
class Package:
    """A negotiated deal or a policy a request may opt into (``packages: [id]``); never a default.

    ``requires``: eligibility tags of which the request must declare at least one (empty: any
    project may opt in); ``terms``: site parameters it sets; ``subsidy_ids``: subsidies it brings.
    """

    package_id: str
    title: str
    kind: str
    requires: tuple[str, ...]
    conditions: str
    source: str
    year: int
    status: str
    note: str = ""
    terms: tuple[PackageTerm, ...] = ()
    subsidy_ids: tuple[str, ...] = ()

    @property
    def sites(self) -> list[str]:
        return sorted({t.site for t in self.terms})

    def summary(self) -> str:
        """One line: what the package changes, e.g. "0.36 yuan/kWh at zhongwei; subsidy zhongwei-bw-2015"."""
        parts = [f"{t.value:g} {t.unit} at {t.site}" for t in self.terms]
        parts += [f"subsidy {sid}" for sid in self.subsidy_ids]
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"package_id": self.package_id, "title": self.title, "kind": self.kind,
                "requires": list(self.requires), "conditions": self.conditions, "source": self.source,
                "year": self.year, "status": self.status, "note": self.note, "changes": self.summary(),
                "terms": [t.__dict__ for t in self.terms], "subsidy_ids": list(self.subsidy_ids)}


@dataclass(frozen=True)
class GreenOption:
    """A way to buy or make renewable energy: a price per MWh on a basis, a cap, where it applies, provenance
    and a range (:mod:`siting.models.green`)."""

    option_id: str
    title: str
    kind: str
    price_basis: str  # premium (over grid energy) | delivered (replaces it) | lcoe (on-site solar, computed)
    scope: str  # national, a province (sites.csv spelling) or a site id
    price_yuan_per_mwh: float | None  # the premium or the delivered price; None for lcoe
    max_share_of_grid_energy: float  # of a site's consumption that the grid mix leaves non-renewable
    source: str
    year: int
    status: str
    note: str = ""
    low: float | None = None
    high: float | None = None

    def applies_to(self, site: str, province: str) -> bool:
        return self.scope in ("national", site, province)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Catalog:
    """Validated catalog tables.

    Attributes
    ----------
    sites : GeoDataFrame
        One row per site (index ``site``): identity columns plus one column per
        site parameter (NaN where an optional parameter is unknown), WGS84 points.
    centres : GeoDataFrame
        One row per demand centre (index ``centre``) with coordinates and population.
    climate : DataFrame
        Where each site's weather comes from (``weather_stations.csv``: station, WMO, distance,
        elevation difference, lapse correction, source, year, status, note).
    weather : dict
        Each site's typical-year hours (:class:`~siting.models.weather.HourlyWeather`).
    subsidies : tuple of Subsidy
    defaults : dict
        Global planning defaults by parameter name (values in schema units).
    site_parameters, centre_parameters, defaults_table : DataFrame
        The long provenance tables as loaded (one row per value).
    sources, schema : DataFrame
    """

    sites: gpd.GeoDataFrame
    centres: gpd.GeoDataFrame
    climate: pd.DataFrame
    subsidies: tuple[Subsidy, ...]
    defaults: dict[str, float]
    site_parameters: pd.DataFrame
    centre_parameters: pd.DataFrame
    defaults_table: pd.DataFrame
    sources: pd.DataFrame
    schema: pd.DataFrame
    overrides: tuple[tuple[str, str, float], ...] = field(default=())
    weather: dict[str, HourlyWeather] = field(default_factory=dict)
    # PUE hours per (site, cooling, dust days) and PV yield per site: computed once, shared by copies
    _pue_cache: dict[tuple[str, str, float], PueHours] = field(default_factory=dict, repr=False, compare=False)
    _pv_cache: dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    packages: dict[str, Package] = field(default_factory=dict)
    applied_packages: tuple[str, ...] = ()  # packages whose terms are in ``sites`` (see with_packages)
    tou: dict[str, TouSchedule] = field(default_factory=dict)  # time-of-use schedules by province
    tou_periods: pd.DataFrame | None = None  # the long table they come from (provenance)
    grid_capacity: pd.DataFrame | None = None  # site, from_year, value [MW], provenance: capacity by year
    green_options: dict[str, GreenOption] = field(default_factory=dict)  # certificates, PPAs a request may buy
    monthly_prices: pd.DataFrame | None = None  # province, year, month, parameter, value [yuan/kWh], provenance

    def monthly_base_price_yuan_per_kwh(self, site: str) -> np.ndarray | None:
        """The 12 monthly delivered flat-period energy prices of ``site``'s province [yuan/kWh], January first.

        Same definition as the site's ``electricity_price_list_yuan_per_kwh`` (sites/monthly_prices.csv holds
        12 months of one year per province); ``None`` where the province has no monthly table.
        """
        self.check_site(site)
        if self.monthly_prices is None or self.monthly_prices.empty:
            return None
        mp = self.monthly_prices
        rows = mp[(mp["province"] == self.sites.at[site, "province"])
                  & (mp["parameter"] == "electricity_price_list_yuan_per_kwh")]
        if rows.empty:
            return None
        return rows.sort_values("month")["value"].to_numpy(dtype=float)

    def capacity_in(self, site: str, year: int) -> tuple[float, str]:
        """MW of grid capacity for new data-centre load at ``site`` in ``year``, and where it comes from.

        A step function of ``grid_capacity.csv`` (a row holds from its ``from_year`` on); before the
        first row, and for sites without rows, ``available_capacity_mw``.
        """
        steps = [st for st in self._grid_steps.get(site, ()) if st[0] <= year]
        if steps:
            start, value, source, status = steps[-1]
            return value, f"grid_capacity.csv from {start}: {source}, {status}"
        return float(self.sites.at[site, "available_capacity_mw"]), "available_capacity_mw"

    @functools.cached_property
    def _grid_steps(self) -> dict[str, list[tuple[int, float, str, str]]]:
        out: dict[str, list[tuple[int, float, str, str]]] = {}
        if self.grid_capacity is not None:
            for r in self.grid_capacity.sort_values("from_year").to_dict("records"):
                out.setdefault(str(r["site"]), []).append((int(r["from_year"]), float(r["value"]), str(r["source"]),
                                                           str(r["status"])))
        return out

    # -- look-ups ---------------------------------------------------------------
    @property
    def site_ids(self) -> list[str]:
        return list(self.sites.index)

    @property
    def centre_ids(self) -> list[str]:
        return list(self.centres.index)

    @property
    def default_candidates(self) -> list[str]:
        return list(self.sites.index[self.sites["default_candidate"]])

    def check_site(self, site: str, field_name: str = "site") -> str:
        if site not in self.sites.index:
            raise UnknownIdError("site", site, self.site_ids, field=field_name)
        return site

    def check_centre(self, centre: str, field_name: str = "centre") -> str:
        if centre not in self.centres.index:
            raise UnknownIdError("demand centre", centre, self.centre_ids, field=field_name)
        return centre

    def site_value(self, site: str, parameter: str) -> float:
        """A site's numeric parameter [schema unit]; NaN when an optional one is unknown."""
        self.check_site(site)
        if parameter not in self.sites.columns:
            raise CatalogError(f"unknown site parameter {parameter!r}", field=parameter)
        return float(self.sites.at[site, parameter])

    def weather_of(self, site: str) -> HourlyWeather:
        """The typical-year hours of ``site`` (``weather_stations.csv`` names the station)."""
        self.check_site(site)
        if site not in self.weather:
            raise CatalogError(f"site {site!r} has no weather: add a weather_stations.csv row (siting climate import)",
                               field=site)
        return self.weather[site]

    def climate_of(self, site: str) -> MonthlyClimate:
        """Monthly normals of ``site`` derived from its hours (:func:`~siting.models.pue.monthly_normals`)."""
        return monthly_normals(self.weather_of(site))

    def pue_hours_of(self, site: str, cooling: str, dust_days_per_year: float = 0.0) -> PueHours:
        """Hourly, monthly, monthly-peak and annual PUE of ``site`` (cached per site, cooling and dust days)."""
        key = (site, cooling, float(dust_days_per_year))
        if key not in self._pue_cache:
            self._pue_cache[key] = pue_hours(self.weather_of(site), cooling, dust_days_per_year)
        return self._pue_cache[key]

    def pv_yield_kwh_per_kwp(self, site: str) -> float:
        """On-site PV yield [kWh/kWp/yr] from the site's irradiance hours (:mod:`siting.models.green`), cached."""
        if site not in self._pv_cache:
            lat, lon = self.site_value(site, "lat_deg"), self.site_value(site, "lon_deg")
            self._pv_cache[site] = pv_yield_kwh_per_kwp_year(self.weather_of(site), lat, lon)
        return self._pv_cache[site]

    def has_irradiance(self, site: str) -> bool:
        """Whether the site's weather carries solar irradiance (a full year with some GHI)."""
        w = self.weather.get(site)
        return w is not None and w.is_full_year and bool((w.ghi_w_per_m2 > 0).any())

    def green_offered_at(self, option_id: str, site: str) -> bool:
        """Whether a green option is offered at a site: its ``scope`` names the site, its province or the
        nation, and an on-site solar option (``price_basis: lcoe``) also needs the site's hourly irradiance
        (its weather, :mod:`siting.models.green`)."""
        o = self.green_options[option_id]
        if not o.applies_to(site, str(self.sites.at[site, "province"])):
            return False
        if o.price_basis == "lcoe":
            return self.has_irradiance(site)
        return True

    def green_option_records(self) -> list[dict[str, Any]]:
        """Every green option with its provenance and the sites where it is offered (``sites``)."""
        return [{**o.to_dict(), "sites": [s for s in self.site_ids if self.green_offered_at(o.option_id, s)]}
                for o in self.green_options.values()]

    def subsidies_of(self, site: str) -> list[Subsidy]:
        return [s for s in self.subsidies if s.site == site]

    def provenance(self, site: str, parameter: str) -> dict[str, Any]:
        """The catalog row behind a site parameter: value, unit, source, year, status, note, low, high, url."""
        rows = self.site_parameters[
            (self.site_parameters["site"] == site) & (self.site_parameters["parameter"] == parameter)
        ]
        if rows.empty:
            raise CatalogError(f"site {site!r} has no value for {parameter!r}", field=parameter)
        row = rows.iloc[-1]
        out = _row_provenance(row)
        out["url"] = to_jsonable(self.sources.set_index("key")["url"].get(row["source"], ""))
        return out

    # -- overrides (scenarios) -------------------------------------------------
    def with_site_value(self, site: str, parameter: str, value: float, note: str = "scenario override") -> Catalog:
        """A copy with one site parameter replaced (validated against the schema range)."""
        self.check_site(site, field_name=f"sites.{site}")
        spec = _schema_row(self.schema, "site_parameters", parameter)
        if spec is None:
            allowed = sorted(self.schema[self.schema["table"] == "site_parameters"]["parameter"])
            raise CatalogError(
                f"sites.{site}.{parameter}: unknown parameter; allowed: {', '.join(allowed)}",
                field=f"sites.{site}.{parameter}",
            )
        _check_range(float(value), spec, f"sites.{site}.{parameter}")
        sites = self.sites.copy()
        sites.at[site, parameter] = float(value)
        params = self.site_parameters.copy()
        mask = (params["site"] == site) & (params["parameter"] == parameter)
        new_row = {
            "site": site, "parameter": parameter, "value": float(value), "unit": spec["unit"],
            "source": "scenario", "year": np.nan, "status": "assumption", "note": note,
        }
        params = pd.concat([params[~mask], pd.DataFrame([new_row])], ignore_index=True)
        return replace(
            self, sites=sites, site_parameters=params,
            overrides=self.overrides + ((site, parameter, float(value)),),
        )

    def check_package(self, package_id: str, field_name: str = "packages") -> Package:
        if package_id not in self.packages:
            raise UnknownIdError("package", package_id, sorted(self.packages), field=field_name)
        return self.packages[package_id]

    def with_packages(self, package_ids: Iterable[str]) -> Catalog:
        """A copy with the packages' site terms written into ``sites`` (no-op when already applied).

        Only the terms are written here; a package's subsidies are selected when the problem is
        built (``siting.optimization.problem``).  Conditions are checked against the request there.
        """
        ids = tuple(dict.fromkeys(package_ids))
        if not ids or set(ids) <= set(self.applied_packages):
            return self
        sites = self.sites.copy()
        setter: dict[tuple[str, str], str] = {}
        for n, pid in enumerate(ids):
            pkg = self.check_package(pid, field_name=f"packages[{n}]")
            if pid in self.applied_packages:
                continue
            for t in pkg.terms:
                if (t.site, t.parameter) in setter:
                    raise CatalogError(f"packages: {setter[(t.site, t.parameter)]} and {pid} both set {t.parameter} "
                                       f"at {t.site}; choose one", field="packages")
                setter[(t.site, t.parameter)] = pid
                sites.at[t.site, t.parameter] = t.value
        return replace(self, sites=sites, applied_packages=tuple(dict.fromkeys([*self.applied_packages, *ids])))

    def with_subsidies(self, subsidies: Iterable[Subsidy]) -> Catalog:
        subs = tuple(subsidies)
        for s in subs:
            self.check_site(s.site, field_name=f"subsidies.{s.subsidy_id}.site")
            _validate_subsidy(s, f"subsidies.{s.subsidy_id}")
        return replace(self, subsidies=subs)

    def with_default(self, parameter: str, value: float) -> Catalog:
        spec = _schema_row(self.schema, "defaults", parameter)
        if spec is None:
            raise CatalogError(f"defaults.{parameter}: unknown parameter", field=f"defaults.{parameter}")
        _check_range(float(value), spec, f"defaults.{parameter}")
        return replace(self, defaults={**self.defaults, parameter: float(value)})

    # -- exports ---------------------------------------------------------------
    def sites_geojson(self) -> dict[str, Any]:
        """The sites as a GeoJSON FeatureCollection with values, units and sources per parameter."""
        features = []
        for site, row in self.sites.iterrows():
            params = self.site_parameters[self.site_parameters["site"] == site]
            props: dict[str, Any] = {
                "id": site,
                **{c: to_jsonable(row[c]) for c in ("name_en", "name_zh", "province", "hub", "cluster", "role")},
                "default_candidate": bool(row["default_candidate"]),
                "parameters": {p["parameter"]: _row_provenance(p) for _, p in params.iterrows()},
                "subsidies": [s.to_dict() for s in self.subsidies_of(str(site))],
            }
            features.append({
                "type": "Feature",
                "id": site,
                "geometry": {"type": "Point", "coordinates": [float(row["lon_deg"]), float(row["lat_deg"])]},
                "properties": props,
            })
        return {"type": "FeatureCollection", "features": features}

    def sites_flat_geodataframe(self) -> gpd.GeoDataFrame:
        """Sites with plain columns (one per parameter) for QGIS or ``GeoDataFrame.to_file``."""
        out = self.sites.reset_index()
        out["default_candidate"] = out["default_candidate"].astype(bool)
        return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")


def _row_provenance(row: Mapping[str, Any]) -> dict[str, Any]:
    """One provenance row as data: value, unit, source, the year as an integer, status, note and the range
    (``low``/``high``, null where the row gives none)."""
    out = {c: to_jsonable(row[c]) for c in PROVENANCE_COLUMNS}
    year = row["year"]
    out["year"] = int(year) if year is not None and np.isfinite(float(year)) else None
    for end in ("low", "high"):
        text = row.get(end)
        out[end] = _float_or_none(text) if isinstance(text, str) else None
    return out


def _schema_row(schema: pd.DataFrame, table: str, parameter: str) -> Mapping[str, Any] | None:
    rows = schema[(schema["table"] == table) & (schema["parameter"] == parameter)]
    return None if rows.empty else rows.iloc[0].to_dict()


def _check_range(value: float, spec: Mapping[str, Any], where: str) -> None:
    lo, hi = float(spec["min"]), float(spec["max"])
    if not np.isfinite(value) or value < lo or value > hi:
        raise CatalogError(
            f"{where} = {value!r} is out of range: must be between {lo:g} and {hi:g} [{spec['unit']}]",
            field=where,
        )


def _read_csv(directory: Path, name: str, columns: Iterable[str], errors: list[str]) -> pd.DataFrame:
    path = directory / name
    if not path.exists():
        errors.append(f"{name}: file is missing from {directory}")
        return pd.DataFrame(columns=list(columns))
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except Exception as exc:  # pandas raises several parser error types
        errors.append(f"{name}: cannot be parsed as CSV ({exc})")
        return pd.DataFrame(columns=list(columns))
    missing = [c for c in columns if c not in df.columns]
    if missing:
        errors.append(f"{name}: missing column(s) {', '.join(missing)}")
        return pd.DataFrame(columns=list(columns))
    return df


def _source_status_errors(row: Mapping[str, Any], who: str, source_keys: set[str]) -> list[str]:
    """A row's source must be a key of sources.csv and its status one of STATUSES."""
    out = []
    if row["source"] not in source_keys:
        out.append(f"{who}: source {row['source']!r} is not a key of sources.csv")
    if row["status"] not in STATUSES:
        out.append(f"{who}: status {row['status']!r} is not one of {', '.join(STATUSES)}")
    return out


def _range_errors(row: Mapping[str, Any], value: float, who: str) -> list[str]:
    """``low``/``high``: required for an assumption, optional otherwise; low <= value <= high."""
    if "low" not in row and "high" not in row:
        return []  # tables without range columns (climate, centre parameters)
    lo_text, hi_text = str(row.get("low", "")).strip(), str(row.get("high", "")).strip()
    if not lo_text and not hi_text:
        return [f"{who}: an assumption needs a range: fill low and high (and say why in the note)"] if (
            row["status"] == "assumption") else []
    try:
        lo, hi = float(lo_text), float(hi_text)
    except ValueError:
        return [f"{who}: low {lo_text!r} and high {hi_text!r} must both be numbers"]
    if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
        return [f"{who}: range [{lo_text}, {hi_text}] must be finite with low <= high"]
    if np.isfinite(value) and not lo <= value <= hi:
        return [f"{who}: value {value:g} is outside its own range [{lo:g}, {hi:g}]"]
    return []


def _validate_long(
    df: pd.DataFrame,
    file: str,
    table: str,
    owner: str,
    schema: pd.DataFrame,
    source_keys: set[str],
    errors: list[str],
) -> pd.DataFrame:
    """Check a long provenance table row by row; returns it with numeric ``value`` and ``year``."""
    specs = schema[schema["table"] == table].set_index("parameter")
    values: list[float] = []
    years: list[float] = []
    for n, row in enumerate(df.to_dict("records"), start=2):  # header is line 1
        who = f"{file} line {n} ({owner}={row.get(owner, '')}, parameter={row['parameter']})" if owner else (
            f"{file} line {n} (parameter={row['parameter']})"
        )
        value = np.nan
        if row["parameter"] not in specs.index:
            errors.append(f"{who}: unknown parameter; allowed: {', '.join(specs.index)}")
        else:
            spec = specs.loc[row["parameter"]]
            if row["unit"] != spec["unit"]:
                errors.append(f"{who}: unit {row['unit']!r} should be {spec['unit']!r}")
            try:
                value = float(row["value"])
            except ValueError:
                errors.append(f"{who}: value {row['value']!r} is not a number")
            else:
                lo, hi = float(spec["min"]), float(spec["max"])
                if not (lo <= value <= hi):
                    errors.append(f"{who}: value {value:g} is outside [{lo:g}, {hi:g}] {spec['unit']}")
        if not row["source"].strip():
            errors.append(f"{who}: source is empty")
        elif row["source"] not in source_keys:
            errors.append(f"{who}: source {row['source']!r} is not a key of sources.csv")
        try:
            year = float(int(row["year"]))
            if not 1900 <= year <= 2100:
                errors.append(f"{who}: year {row['year']!r} is outside 1900-2100")
        except ValueError:
            errors.append(f"{who}: year {row['year']!r} is not an integer year")
            year = np.nan
        if row["status"] not in STATUSES:
            errors.append(f"{who}: status {row['status']!r} is not one of {', '.join(STATUSES)}")
        if row["status"] == "assumption" and not row["note"].strip():
            errors.append(f"{who}: an assumption needs a note that justifies it")
        errors.extend(_range_errors(row, value, who))
        values.append(value)
        years.append(year)
    out = df.copy()
    out["value"] = values
    out["year"] = years
    return out


def _check_required(
    df: pd.DataFrame, table: str, owner: str, owners: Iterable[str], schema: pd.DataFrame, file: str, errors: list[str]
) -> None:
    required = schema[(schema["table"] == table) & (schema["required"] == "all")]["parameter"]
    have = set(zip(df[owner], df["parameter"], strict=True)) if owner else set(df["parameter"])
    dup = df.duplicated(subset=[owner, "parameter"] if owner else ["parameter"], keep=False)
    for row in df[dup].to_dict("records"):
        errors.append(f"{file}: duplicate value for ({row.get(owner, '')}, {row['parameter']})")
    for o in owners:
        for p in required:
            if (o, p) not in have:
                errors.append(f"{file}: {owner} {o!r} has no value for required parameter {p!r}")
    if not owner:
        for p in required:
            if p not in have:
                errors.append(f"{file}: required parameter {p!r} is missing")


def _float_or_none(text: str) -> float | None:
    text = text.strip()
    return float(text) if text else None


def _validate_subsidy(s: Subsidy, who: str) -> list[str]:
    problems = []
    if s.kind not in SUBSIDY_KINDS:
        problems.append(f"{who}: kind {s.kind!r} is not one of {', '.join(SUBSIDY_KINDS)}")
    given = [x for x in (s.amount_yuan, s.rate_fraction, s.price_reduction_yuan_per_kwh) if x is not None]
    if len(given) != 1:
        problems.append(f"{who}: exactly one of amount_yuan, rate_fraction, price_reduction_yuan_per_kwh must be set")
    for name in ("amount_yuan", "cap_yuan"):
        v = getattr(s, name)
        if v is not None and not (0 <= v <= MAX_SUBSIDY_YUAN):
            problems.append(f"{who}: {name} {v:g} must be between 0 and {MAX_SUBSIDY_YUAN:g} yuan")
    if s.rate_fraction is not None and not 0 <= s.rate_fraction <= 1:
        problems.append(f"{who}: rate_fraction {s.rate_fraction:g} must be between 0 and 1")
    if s.price_reduction_yuan_per_kwh is not None and (s.kind != "electricity" or s.price_reduction_yuan_per_kwh < 0):
        problems.append(f"{who}: price_reduction_yuan_per_kwh needs kind electricity and a value >= 0")
    if s.duration_years is not None and not 0 < s.duration_years <= 100:
        problems.append(f"{who}: duration_years {s.duration_years:g} must be in (0, 100]")
    if s.price_reduction_yuan_per_kwh is not None and s.price_reduction_yuan_per_kwh > 2.0:
        problems.append(f"{who}: price_reduction_yuan_per_kwh {s.price_reduction_yuan_per_kwh:g} must be <= 2")
    if problems and who.startswith("subsidies."):
        raise CatalogError("; ".join(problems), field=who)
    return problems


_SUBSIDY_COLUMNS = (
    "subsidy_id", "site", "kind", "amount_yuan", "rate_fraction", "price_reduction_yuan_per_kwh",
    "cap_yuan", "duration_years", "conditions", "requires", "package", "source", "year", "status", "note",
)
_TOU_COLUMNS = ("province", "months", "period", "hours_per_day", "multiplier", "source", "year", "status", "note")


def _load_tou(d: Path, provinces: set[str], source_keys: set[str], errors: list[str]
              ) -> tuple[dict[str, TouSchedule], pd.DataFrame]:
    """tou_periods.csv: per province, months x periods with hours per day and the multiplier of the flat price."""
    raw = _read_csv(d, "tou_periods.csv", _TOU_COLUMNS, errors)
    hours: dict[str, np.ndarray] = {}
    mult: dict[str, np.ndarray] = {}
    clock: dict[str, np.ndarray] = {}  # (12, 24) period index per clock hour, -1 where no row names the hour
    no_clock: set[str] = set()
    for n, row in enumerate(raw.to_dict("records"), start=2):
        who = f"tou_periods.csv line {n} ({row['province']}, {row['months']}, {row['period']})"
        prov = row["province"]
        if prov not in provinces:
            errors.append(f"{who}: province {prov!r} is not a province of sites.csv")
        if row["period"] not in TOU_PERIODS:
            errors.append(f"{who}: period must be one of {', '.join(TOU_PERIODS)}")
            continue
        errors.extend(_source_status_errors(row, who, source_keys))
        try:
            months = [int(m) for m in row["months"].split(",")]
            h, r = float(row["hours_per_day"]), float(row["multiplier"])
        except ValueError:
            errors.append(f"{who}: months, hours_per_day and multiplier must be numbers")
            continue
        if not all(1 <= m <= 12 for m in months) or not 0 < h <= 24 or not 0 < r <= 5:
            errors.append(f"{who}: months 1-12, hours in (0, 24], multiplier in (0, 5] expected")
            continue
        p = TOU_PERIODS.index(row["period"])
        text = str(row.get("clock_hours", "")).strip()
        clock_hours: list[int] = []
        if text:
            try:
                clock_hours = parse_clock_hours(text)
            except ValueError as exc:
                errors.append(f"{who}: {exc}")
                continue
            if len(clock_hours) != h:
                errors.append(f"{who}: clock_hours {text!r} cover {len(clock_hours)} h, hours_per_day says {h:g}")
                continue
        else:
            no_clock.add(prov)
        for m in months:
            hours.setdefault(prov, np.zeros((12, len(TOU_PERIODS))))[m - 1, p] += h
            mult.setdefault(prov, np.ones((12, len(TOU_PERIODS))))[m - 1, p] = r
            grid = clock.setdefault(prov, np.full((12, 24), -1, dtype=np.int64))
            for hr in clock_hours:
                if grid[m - 1, hr] >= 0:
                    errors.append(f"{who}: clock hour {hr}:00 of month {m} is already in period "
                                  f"{TOU_PERIODS[grid[m - 1, hr]]}")
                grid[m - 1, hr] = p
    schedules = {}
    for prov in hours:
        prov_grid = clock.get(prov)
        complete = prov not in no_clock and prov_grid is not None and bool((prov_grid >= 0).all())
        period_of_hour = prov_grid if complete else None
        sched = TouSchedule(hours[prov], mult[prov], f"{prov} time-of-use", period_of_hour)
        try:
            sched.check()
        except ValueError as exc:
            errors.append(f"tou_periods.csv: {exc}")
        schedules[prov] = sched
    return schedules, raw


_MONTHLY_COLUMNS = ("province", "year", "month", "parameter", "value", "unit", "source", "status", "note", "low",
                    "high")
#: The parts of capex_yuan_per_mw (site_parameters.csv); where a site has both, they must sum to it.
CAPEX_PARTS = ("capex_equipment_yuan_per_mw", "capex_regional_yuan_per_mw")
#: Largest difference accepted between capex_yuan_per_mw and the sum of its parts [yuan/MW] (rounding).
CAPEX_PART_TOLERANCE_YUAN_PER_MW = 1.0


def _load_monthly_prices(d: Path, provinces: set[str], schema: pd.DataFrame, source_keys: set[str],
                         errors: list[str]) -> pd.DataFrame:
    """monthly_prices.csv (optional file): per province and parameter, months 1-12 of one year once each.

    Each row is checked like a long provenance row (schema unit and range, source key, status, note and range
    of an assumption); returns the table with numeric ``value``, ``year`` and ``month``.
    """
    if not (d / "monthly_prices.csv").exists():
        return pd.DataFrame(columns=list(_MONTHLY_COLUMNS))
    raw = _read_csv(d, "monthly_prices.csv", _MONTHLY_COLUMNS, errors)
    months: list[float] = []
    for n, row in enumerate(raw.to_dict("records"), start=2):
        who = f"monthly_prices.csv line {n} (province={row['province']}, month={row['month']})"
        if row["province"] not in provinces:
            errors.append(f"{who}: province {row['province']!r} is not a province of sites.csv")
        try:
            month = int(row["month"])
        except ValueError:
            errors.append(f"{who}: month {row['month']!r} is not an integer 1-12")
            month = 0
        if not 1 <= month <= 12:
            errors.append(f"{who}: month {row['month']!r} is outside 1-12")
        months.append(float(month))
    out = _validate_long(raw, "monthly_prices.csv", "monthly_prices", "province", schema, source_keys, errors)
    out["month"] = months
    for (prov, param), sub in out.groupby(["province", "parameter"]):
        years = sorted(set(sub["year"].dropna().astype(int)))
        got = sorted(int(m) for m in sub["month"])
        if len(years) != 1 or got != list(range(1, 13)):
            errors.append(f"monthly_prices.csv: province {prov!r} parameter {param!r} needs months 1-12 of one year "
                          f"once each, has years {years} and months {got}")
    return out


#: Largest difference accepted between a site's price row and its province's monthly annual mean [yuan/kWh].
MONTHLY_MEAN_TOLERANCE_YUAN_PER_KWH = 5e-4


def _monthly_mean_errors(sp: pd.DataFrame, sites_id: pd.DataFrame, monthly: pd.DataFrame) -> list[str]:
    """Where a province has monthly tables, each of its sites' price row must be their hour-weighted annual mean
    (the model moves the price month by month around that row: siting.optimization.problem.site_inputs)."""
    if monthly.empty:
        return []
    param = "electricity_price_list_yuan_per_kwh"
    rows = sp[sp["parameter"] == param].set_index("site")["value"].astype(float)
    out = []
    for prov, sub in monthly[monthly["parameter"] == param].groupby("province"):
        if len(sub) != 12:
            continue  # reported by the loader
        mean = annual_from_monthly(sub.sort_values("month")["value"].to_numpy(dtype=float))
        for site in sites_id.loc[sites_id["province"] == prov, "site"]:
            if site in rows.index and abs(float(rows[site]) - mean) > MONTHLY_MEAN_TOLERANCE_YUAN_PER_KWH:
                out.append(f"site_parameters.csv ({site}): {param} {float(rows[site]):.6f} is not the annual mean "
                           f"{mean:.6f} of {prov}'s monthly_prices.csv (hour-weighted); make the row that mean")
    return out


def _capex_part_errors(sp: pd.DataFrame) -> list[str]:
    """Where a site has both capex parts, capex_yuan_per_mw must equal their sum (to CAPEX_PART_TOLERANCE)."""
    wide = sp.pivot_table(index="site", columns="parameter", values="value", aggfunc="last")
    if not set(CAPEX_PARTS) <= set(wide.columns) or "capex_yuan_per_mw" not in wide.columns:
        return []
    out = []
    for site, row in wide.iterrows():
        parts = [float(row[p]) for p in CAPEX_PARTS]
        total = float(row["capex_yuan_per_mw"])
        if all(np.isfinite(parts)) and abs(sum(parts) - total) > CAPEX_PART_TOLERANCE_YUAN_PER_MW:
            out.append(f"site_parameters.csv ({site}): capex_yuan_per_mw {total:,.0f} is not the sum of "
                       f"{' + '.join(CAPEX_PARTS)} = {sum(parts):,.0f} yuan/MW")
    return out
def _load_weather(d: Path, site_ids: list[str], source_keys: set[str], errors: list[str]
                  ) -> tuple[pd.DataFrame, dict[str, HourlyWeather]]:
    """weather_stations.csv and the series it names (each file read once, shared by the sites naming it)."""
    table = _read_csv(d, "weather_stations.csv", STATION_COLUMNS, errors)
    weather: dict[str, HourlyWeather] = {}
    files: dict[str, HourlyWeather] = {}
    for n, row in enumerate(table.to_dict("records"), start=2):
        who = f"weather_stations.csv line {n} ({row['site']})"
        if row["site"] not in site_ids:
            errors.append(f"{who}: site {row['site']!r} is not in sites.csv")
            continue
        errors.extend(_source_status_errors(row, who, source_keys))
        try:
            year = int(row["year"])
            float(row["distance_km"]), float(row["elevation_m"]), float(row["drybulb_correction_k"])
        except ValueError:
            errors.append(f"{who}: year, distance_km, elevation_m and drybulb_correction_k must be numbers")
            continue
        if not 1900 <= year <= 2100:
            errors.append(f"{who}: year {year} is outside 1900-2100")
        name = row["file"]
        if name not in files:
            path = d / "weather" / name
            if not path.is_file():
                errors.append(f"{who}: weather/{name} is missing")
                continue
            try:
                files[name] = read_series(path)
            except CatalogError as exc:
                errors.append(f"{who}: {exc}")
                continue
        if row["site"] in weather:
            errors.append(f"{who}: a second row for the site")
        weather[row["site"]] = files[name]
    for sid in site_ids:
        if sid not in weather and not any(sid == r for r in table["site"]):
            errors.append(f"weather_stations.csv: site {sid!r} has no weather (add a row and weather/<site>.csv.gz, "
                          "e.g. with siting climate import)")
    out = table.copy()
    out["year"] = pd.to_numeric(out["year"], errors="coerce")
    return out, weather


_PACKAGE_COLUMNS = ("package_id", "title", "kind", "requires", "conditions", "source", "year", "status", "note")
_TERM_COLUMNS = ("package_id", "site", "parameter", "value", "unit", "source", "year", "status", "note")


def _load_packages(d: Path, schema: pd.DataFrame, site_ids: list[str], source_keys: set[str],
                   subsidies: list[Subsidy], errors: list[str]) -> dict[str, Package]:
    """packages.csv + package_terms.csv (+ the ``package`` column of subsidies.csv), validated."""
    raw = _read_csv(d, "packages.csv", _PACKAGE_COLUMNS, errors)
    terms_raw = _read_csv(d, "package_terms.csv", _TERM_COLUMNS, errors)
    specs = schema[schema["table"] == "site_parameters"].set_index("parameter")
    terms: dict[str, list[PackageTerm]] = {}
    for n, row in enumerate(terms_raw.to_dict("records"), start=2):
        who = f"package_terms.csv line {n} ({row['package_id']}, {row['site']}, {row['parameter']})"
        if row["site"] not in site_ids:
            errors.append(f"{who}: site {row['site']!r} is not in sites.csv")
        if row["parameter"] not in specs.index:
            errors.append(f"{who}: unknown site parameter")
            continue
        spec = specs.loc[row["parameter"]]
        try:
            value = float(row["value"])
            year = int(row["year"])
        except ValueError:
            errors.append(f"{who}: value {row['value']!r} or year {row['year']!r} is not a number")
            continue
        if row["unit"] != spec["unit"]:
            errors.append(f"{who}: unit {row['unit']!r} should be {spec['unit']!r}")
        if not float(spec["min"]) <= value <= float(spec["max"]):
            errors.append(f"{who}: value {value:g} is outside [{spec['min']}, {spec['max']}] {spec['unit']}")
        errors.extend(_source_status_errors(row, who, source_keys))
        terms.setdefault(row["package_id"], []).append(PackageTerm(
            row["site"], row["parameter"], value, row["unit"], row["source"], year, row["status"], row["note"]))
    packages: dict[str, Package] = {}
    for n, row in enumerate(raw.to_dict("records"), start=2):
        pid = row["package_id"]
        who = f"packages.csv line {n} ({pid})"
        if not ID_PATTERN.match(pid.replace("-", "_")):
            errors.append(f"{who}: package id must be lowercase ASCII letters, digits, - and _")
        if row["kind"] not in PACKAGE_KINDS:
            errors.append(f"{who}: kind {row['kind']!r} is not one of {', '.join(PACKAGE_KINDS)}")
        errors.extend(_source_status_errors(row, who, source_keys))
        if not row["conditions"].strip():
            errors.append(f"{who}: a package must state its conditions")
        try:
            year = int(row["year"])
        except ValueError:
            errors.append(f"{who}: year {row['year']!r} is not an integer year")
            year = 0
        subs = tuple(s.subsidy_id for s in subsidies if s.package == pid)
        pkg_terms = tuple(terms.pop(pid, []))
        if not pkg_terms and not subs:
            errors.append(f"{who}: the package sets no term and brings no subsidy")
        packages[pid] = Package(pid, row["title"], row["kind"], tuple(t for t in row["requires"].split("|") if t),
                                row["conditions"], row["source"], year, row["status"], row["note"], pkg_terms, subs)
    for pid in sorted(terms):
        errors.append(f"package_terms.csv: package {pid!r} is not in packages.csv")
    for s in subsidies:
        if s.package and s.package not in packages:
            errors.append(f"subsidies.csv ({s.subsidy_id}): package {s.package!r} is not in packages.csv")
    return packages


def load_catalog(directory: str | Path | None = None) -> Catalog:
    """Load and validate the catalog from ``directory`` (default: the shipped one).

    Raises
    ------
    CatalogError
        Listing every problem found (file, line, site or centre, parameter, value).
    """
    d = Path(directory) if directory is not None else default_catalog_dir()
    errors: list[str] = []
    schema = _read_csv(d, "schema.csv", ("table", "parameter", "type", "unit", "min", "max", "required"), errors)
    sources = _read_csv(d, "sources.csv", ("key", "title", "publisher", "url", "year"), errors)
    source_keys = set(sources["key"])
    long_cols = ("parameter", *PROVENANCE_COLUMNS)

    sites_id = _read_csv(d, "sites.csv", ("site", "name_en", "name_zh", "province", "hub", "cluster", "role",
                                          "default_candidate"), errors)
    for sid in sites_id["site"]:
        if not ID_PATTERN.match(sid):
            errors.append(f"sites.csv: site id {sid!r} must be lowercase ASCII letters, digits and _")
    if sites_id["site"].duplicated().any():
        errors.append(f"sites.csv: duplicate site ids {sorted(set(sites_id['site'][sites_id['site'].duplicated()]))}")
    site_ids = list(sites_id["site"])

    sp = _read_csv(d, "site_parameters.csv", ("site", *long_cols), errors)
    for sid in sorted(set(sp["site"]) - set(site_ids)):
        errors.append(f"site_parameters.csv: site {sid!r} is not in sites.csv")
    sp = _validate_long(sp, "site_parameters.csv", "site_parameters", "site", schema, source_keys, errors)
    _check_required(sp, "site_parameters", "site", site_ids, schema, "site_parameters.csv", errors)

    cl, weather = _load_weather(d, site_ids, source_keys, errors)

    centres_id = _read_csv(d, "centres.csv", ("centre", "name_en", "name_zh", "province", "region"), errors)
    centre_ids = list(centres_id["centre"])
    cp = _read_csv(d, "centre_parameters.csv", ("centre", *long_cols), errors)
    cp = _validate_long(cp, "centre_parameters.csv", "centre_parameters", "centre", schema, source_keys, errors)
    _check_required(cp, "centre_parameters", "centre", centre_ids, schema, "centre_parameters.csv", errors)

    df = _read_csv(d, "defaults.csv", long_cols, errors)
    df = _validate_long(df, "defaults.csv", "defaults", "", schema, source_keys, errors)
    _check_required(df, "defaults", "", [], schema, "defaults.csv", errors)

    subs_raw = _read_csv(d, "subsidies.csv", _SUBSIDY_COLUMNS, errors)
    subsidies: list[Subsidy] = []
    for n, row in enumerate(subs_raw.to_dict("records"), start=2):
        who = f"subsidies.csv line {n} ({row['subsidy_id']})"
        try:
            s = Subsidy(
                subsidy_id=row["subsidy_id"], site=row["site"], kind=row["kind"],
                amount_yuan=_float_or_none(row["amount_yuan"]),
                rate_fraction=_float_or_none(row["rate_fraction"]),
                price_reduction_yuan_per_kwh=_float_or_none(row["price_reduction_yuan_per_kwh"]),
                cap_yuan=_float_or_none(row["cap_yuan"]),
                duration_years=_float_or_none(row["duration_years"]),
                conditions=row["conditions"], requires=row["requires"].strip(), package=row["package"].strip(),
                source=row["source"],
                year=int(row["year"]) if row["year"].strip() else None,
                status=row["status"], note=row["note"],
            )
        except ValueError as exc:
            errors.append(f"{who}: {exc}")
            continue
        errors.extend(_validate_subsidy(s, who))
        if s.site not in site_ids:
            errors.append(f"{who}: site {s.site!r} is not in sites.csv")
        if s.source not in source_keys:
            errors.append(f"{who}: source {s.source!r} is not a key of sources.csv")
        if s.year is None:
            errors.append(f"{who}: year is empty")
        if s.status not in STATUSES:
            errors.append(f"{who}: status {s.status!r} is not one of {', '.join(STATUSES)}")
        subsidies.append(s)

    packages = _load_packages(d, schema, site_ids, source_keys, subsidies, errors)
    tou, tou_raw = _load_tou(d, set(sites_id["province"]), source_keys, errors)
    monthly = _load_monthly_prices(d, set(sites_id["province"]), schema, source_keys, errors)
    errors.extend(_capex_part_errors(sp))
    errors.extend(_monthly_mean_errors(sp, sites_id, monthly))
    green_options: dict[str, GreenOption] = {}
    scopes = {"national", *site_ids, *sites_id["province"]}
    for n, row in enumerate(_read_csv(d, "green_options.csv", ("option_id", "title", "kind", "price_basis", "scope",
                                                               "price_yuan_per_mwh", "max_share_of_grid_energy",
                                                               "source", "year", "status", "note", "low", "high"),
                                      errors).to_dict("records"), start=2):
        who = f"green_options.csv line {n} ({row['option_id']})"
        try:
            opt = GreenOption(row["option_id"], row["title"], row["kind"], str(row["price_basis"]), str(row["scope"]),
                              _float_or_none(row["price_yuan_per_mwh"]), float(row["max_share_of_grid_energy"]),
                              row["source"], int(row["year"]), row["status"], row["note"], _float_or_none(row["low"]),
                              _float_or_none(row["high"]))
        except ValueError as exc:
            errors.append(f"{who}: {exc}")
            continue
        errors.extend(_source_status_errors(row, who, source_keys))
        if opt.price_basis not in PRICE_BASES:
            errors.append(f"{who}: price_basis {opt.price_basis!r} is not one of {', '.join(PRICE_BASES)}")
        if opt.scope not in scopes:
            errors.append(f"{who}: scope {opt.scope!r} is not 'national', a province or a site id of sites.csv")
        if (opt.price_yuan_per_mwh is None) != (opt.price_basis == "lcoe"):
            errors.append(f"{who}: price_yuan_per_mwh must be empty for price_basis lcoe (computed from the PV "
                          "defaults) and a number otherwise")
        elif opt.price_yuan_per_mwh is not None:
            if not 0 <= opt.price_yuan_per_mwh <= 2000:
                errors.append(f"{who}: price_yuan_per_mwh {opt.price_yuan_per_mwh:g} is outside [0, 2000] yuan/MWh")
            errors.extend(_range_errors(row, opt.price_yuan_per_mwh, who))
        else:  # lcoe: the price is computed, so a range (if any) is only checked for shape
            errors.extend(_range_errors(row, float("nan"), who))
        if not 0 < opt.max_share_of_grid_energy <= 1:
            errors.append(f"{who}: max_share_of_grid_energy {opt.max_share_of_grid_energy:g} is outside (0, 1]")
        green_options[opt.option_id] = opt
    gc = _read_csv(d, "grid_capacity.csv", ("site", "from_year", "value", "unit", "source", "year", "status", "note",
                                            "low", "high"), errors)
    gc_years: list[float] = []
    for n, row in enumerate(gc.to_dict("records"), start=2):
        who = f"grid_capacity.csv line {n} ({row['site']}, from {row['from_year']})"
        if row["site"] not in site_ids:
            errors.append(f"{who}: site {row['site']!r} is not in sites.csv")
        try:
            gc_years.append(float(int(row["from_year"])))
        except ValueError:
            errors.append(f"{who}: from_year {row['from_year']!r} is not a year")
            gc_years.append(np.nan)
    gc = gc.assign(parameter="available_capacity_mw")
    gc = _validate_long(gc, "grid_capacity.csv", "site_parameters", "site", schema, source_keys, errors)
    gc["from_year"] = gc_years
    for n, row in enumerate(sp.to_dict("records"), start=2):
        if row["parameter"] == PACKAGE_PRICE:
            errors.append(f"site_parameters.csv line {n} ({row['site']}): {PACKAGE_PRICE} is set only by packages "
                          "(package_terms.csv): a negotiated deal or policy price is never a default")

    if errors:
        shown = errors[:_MAX_REPORTED]
        more = f"\n  ... and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
        raise CatalogError(f"invalid catalog in {d}:\n  " + "\n  ".join(shown) + more)

    wide = sp.pivot(index="site", columns="parameter", values="value")
    all_params = schema[schema["table"] == "site_parameters"]["parameter"]
    wide = wide.reindex(columns=list(all_params))
    sites = sites_id.set_index("site").join(wide)
    sites["default_candidate"] = sites["default_candidate"].str.lower().isin(["true", "1", "yes"])
    sites_gdf = gpd.GeoDataFrame(
        sites, geometry=gpd.points_from_xy(sites["lon_deg"], sites["lat_deg"]), crs="EPSG:4326"
    )
    cwide = cp.pivot(index="centre", columns="parameter", values="value")
    centres = centres_id.set_index("centre").join(cwide)
    centres_gdf = gpd.GeoDataFrame(
        centres, geometry=gpd.points_from_xy(centres["lon_deg"], centres["lat_deg"]), crs="EPSG:4326"
    )
    defaults = {str(r["parameter"]): float(r["value"]) for r in df.to_dict("records")}
    cat = Catalog(
        sites=sites_gdf, centres=centres_gdf, climate=cl, subsidies=tuple(subsidies), defaults=defaults,
        site_parameters=sp, centre_parameters=cp, defaults_table=df, sources=sources, schema=schema,
        packages=packages, tou=tou, tou_periods=tou_raw, grid_capacity=gc, green_options=green_options,
        monthly_prices=monthly,
        weather=weather,
    )
    return cat


_CACHE: dict[Path, Catalog] = {}


def default_catalog() -> Catalog:
    """The shipped catalog, loaded and validated once per process."""
    d = default_catalog_dir()
    if d not in _CACHE:
        _CACHE[d] = load_catalog(d)
    return _CACHE[d]
