"""Typical-year weather per site: EPW files in, compact hourly series out, the station table.

A site's weather is one gzip CSV, ``weather/<site>.csv.gz`` in the catalog directory, of
8,760 rows in calendar order (hour 1 = 00:00-01:00 local standard time of 1 January) with the
columns of :data:`siting.models.weather.COLUMNS` (dry bulb, dew point [degC, 0.1], RH [%],
pressure [Pa], psychrolib wet bulb [degC, 0.01], GHI/DNI/DHI [W/m2]), and one row in
``weather_stations.csv`` naming its station, WMO number, coordinates, elevation, distance and
elevation difference to the site, the lapse-rate correction applied, the source, year, status
and why the station was chosen.  The shipped series are derived from the Chinese Standard
Weather Data (CSWD) EPW files by ``scripts/derive_weather.py``; a planner brings a file of their
own with :func:`import_epw` (``siting climate import``).

EPW files are read with pvlib (``pvlib.iotools.read_epw``) after a line-by-line check that
names the first bad line (field count, a non-numeric value, fewer than 8,760 hours), since the
parser itself reports only that something failed.
"""

from __future__ import annotations

import io
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from siting.errors import CatalogError
from siting.models.weather import (
    COLUMNS,
    HOURS_PER_YEAR,
    STANDARD_LAPSE_RATE_K_PER_KM,
    HourlyWeather,
    lapse_rate_correction,
    rh_pct,
    wetbulb_c,
)

#: Columns of ``weather_stations.csv``.
STATION_COLUMNS = ("site", "station", "wmo", "lat_deg", "lon_deg", "elevation_m", "site_elevation_m",
                   "distance_km", "elevation_difference_m", "lapse_rate_k_per_km", "drybulb_correction_k", "file",
                   "source", "year", "status", "note")
#: Decimal places kept per column in the shipped series.
PRECISION = {"drybulb_c": 1, "dewpoint_c": 1, "rh_pct": 0, "pressure_pa": 0, "wetbulb_c": 2, "ghi_w_per_m2": 0,
             "dni_w_per_m2": 0, "dhi_w_per_m2": 0}
#: Below this elevation difference [m] no lapse correction is applied (0.65 K at 6.5 K/km).
CORRECTION_THRESHOLD_M = 100.0
_EPW_HEADER_LINES = 8
_EPW_FIELDS = 35
# EPW data fields used (0-based): year, month, day, hour, minute, then the weather fields
_EPW_NUMERIC = {0: "year", 1: "month", 2: "day", 3: "hour", 6: "dry bulb", 7: "dew point", 8: "relative humidity",
                9: "station pressure", 13: "global horizontal irradiance", 14: "direct normal irradiance",
                15: "diffuse horizontal irradiance"}


@dataclass(frozen=True)
class EpwStation:
    """The LOCATION line of an EPW file."""

    name: str
    wmo: str
    lat_deg: float
    lon_deg: float
    elevation_m: float


def check_epw_text(text: str, name: str = "EPW file") -> EpwStation:
    """Check an EPW file line by line; raise :class:`CatalogError` naming the first bad line.

    The LOCATION line must carry coordinates and elevation; every data line (from line 9) needs 35
    comma-separated fields with numbers in the fields the engine uses; there must be at least 8,760.
    """
    lines = text.splitlines()
    if not lines or not lines[0].startswith("LOCATION"):
        raise CatalogError(f"{name} line 1: expected a LOCATION header line, got {lines[0][:40] if lines else ''!r}")
    loc = lines[0].split(",")
    try:
        station = EpwStation(loc[1].strip(), loc[5].strip(), float(loc[6]), float(loc[7]), float(loc[9]))
    except (IndexError, ValueError):
        raise CatalogError(f"{name} line 1: LOCATION needs city, ..., WMO, latitude, longitude, time zone and "
                           f"elevation (10 fields), got {lines[0][:80]!r}") from None
    data = [ln for ln in lines[_EPW_HEADER_LINES:] if ln.strip()]
    for n, line in enumerate(data, start=_EPW_HEADER_LINES + 1):
        fields = line.split(",")
        if len(fields) < _EPW_FIELDS:
            raise CatalogError(f"{name} line {n}: {len(fields)} fields, an EPW data line has {_EPW_FIELDS}")
        for i, what in _EPW_NUMERIC.items():
            try:
                value = float(fields[i])
            except ValueError:
                raise CatalogError(f"{name} line {n}: field {i + 1} ({what}) = {fields[i]!r} is not a number") from None
            if not math.isfinite(value):
                raise CatalogError(f"{name} line {n}: field {i + 1} ({what}) = {fields[i]!r} is not finite")
    if len(data) < HOURS_PER_YEAR:
        raise CatalogError(f"{name}: {len(data)} hourly lines after the 8 header lines, a typical year needs "
                           f"{HOURS_PER_YEAR}")
    return station


def read_epw_text(text: str, name: str = "EPW file") -> tuple[EpwStation, pd.DataFrame]:
    """Check and parse an EPW file (pvlib); returns the station and the first 8,760 hours (pvlib's columns)."""
    station = check_epw_text(text, name)
    from pvlib.iotools import read_epw  # heavy import, only when a file is read

    try:
        data, _meta = read_epw(io.StringIO(text))
    except Exception as exc:  # pvlib raises several parser error types
        raise CatalogError(f"{name}: pvlib could not parse the file ({exc})") from None
    return station, data.iloc[:HOURS_PER_YEAR]


def derive_series(data: pd.DataFrame, station_elevation_m: float, site_elevation_m: float | None = None,
                  lapse_k_per_km: float = STANDARD_LAPSE_RATE_K_PER_KM) -> pd.DataFrame:
    """The shipped hourly columns from pvlib's EPW frame, moved to the site's elevation when given.

    EPW missing-value codes (99.9 degC, 999999 Pa, 9999 W/m2) are out of any physical range: such
    hours are filled by linear interpolation in time (a CSWD typical year has none in the fields used).
    """
    def col(name: str, lo: float, hi: float) -> np.ndarray:
        s = pd.Series(data[name].to_numpy(dtype=float))
        s[(s < lo) | (s > hi)] = np.nan
        return s.interpolate(limit_direction="both").to_numpy(dtype=float)

    t, td, p = col("temp_air", -70, 60), col("temp_dew", -90, 40), col("atmospheric_pressure", 3e4, 1.2e5)
    td = np.minimum(td, t)
    if site_elevation_m is not None:
        t, td, p = lapse_rate_correction(t, td, p, station_elevation_m, site_elevation_m, lapse_k_per_km)
    out = pd.DataFrame({
        "drybulb_c": t, "dewpoint_c": td, "rh_pct": rh_pct(t, td), "pressure_pa": p,
        "wetbulb_c": wetbulb_c(t, td, p), "ghi_w_per_m2": col("ghi", 0, 1500), "dni_w_per_m2": col("dni", 0, 1500),
        "dhi_w_per_m2": col("dhi", 0, 1000),
    })
    return out.round(PRECISION)


def write_series(series: pd.DataFrame, path: Path) -> None:
    """Write a derived series as a gzip CSV (deterministic: no timestamp in the gzip header)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    import gzip

    text = series.to_csv(index=False, lineterminator="\n")
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(text.encode("utf-8"))


def read_series(path: Path) -> HourlyWeather:
    """Read a shipped or imported series (8,760 rows, :data:`COLUMNS`) as :class:`HourlyWeather`."""
    try:
        df = pd.read_csv(path, compression="gzip", dtype=float, engine="c")
    except Exception as exc:  # pandas raises several error types
        raise CatalogError(f"{path.name}: cannot be read as a gzip CSV ({exc})") from None
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise CatalogError(f"{path.name}: missing column(s) {', '.join(missing)}")
    if len(df) != HOURS_PER_YEAR:
        raise CatalogError(f"{path.name}: {len(df)} rows, a typical year has {HOURS_PER_YEAR}")
    if df[list(COLUMNS)].isna().to_numpy().any():
        bad = int(np.flatnonzero(df[list(COLUMNS)].isna().to_numpy().any(axis=1))[0]) + 2
        raise CatalogError(f"{path.name} line {bad}: empty or non-numeric value")
    return HourlyWeather.from_columns({c: df[c].to_numpy() for c in COLUMNS})


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance [km] on a sphere of radius 6,371 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def station_row(site: str, station: EpwStation, site_lat: float, site_lon: float, site_elevation_m: float | None,
                corrected: bool, file: str, source: str, year: int, status: str, note: str) -> dict[str, object]:
    """One ``weather_stations.csv`` row."""
    dz = (site_elevation_m - station.elevation_m) if site_elevation_m is not None else None
    return {
        "site": site, "station": station.name, "wmo": station.wmo, "lat_deg": station.lat_deg,
        "lon_deg": station.lon_deg, "elevation_m": station.elevation_m,
        "site_elevation_m": "" if site_elevation_m is None else site_elevation_m,
        "distance_km": round(haversine_km(site_lat, site_lon, station.lat_deg, station.lon_deg), 1),
        "elevation_difference_m": "" if dz is None else round(dz, 1),
        "lapse_rate_k_per_km": STANDARD_LAPSE_RATE_K_PER_KM if corrected else 0.0,
        "drybulb_correction_k": round(-STANDARD_LAPSE_RATE_K_PER_KM * dz / 1000.0, 2) if corrected and dz else 0.0,
        "file": file, "source": source, "year": year, "status": status, "note": note,
    }


def import_epw(epw_path: str | Path, site: str, catalog_dir: str | Path, site_elevation_m: float | None = None,
               note: str = "") -> dict[str, object]:
    """Bring a planner's EPW file in as ``site``'s weather in a user catalog directory.

    ``catalog_dir`` is created as a copy of the shipped catalog when it does not exist yet; the
    series is written to ``<catalog_dir>/weather/<site>.csv.gz`` and the site's row of
    ``weather_stations.csv`` is replaced (source ``user-epw``, status ``sourced``, the file name
    in the note).  With ``site_elevation_m`` the dry bulb is moved from the station's elevation
    at 6.5 K/km (humidity ratio kept).  Load the result with ``load_catalog(catalog_dir)`` or
    ``--catalog DIR`` on any command.  Returns the station row written.
    """
    from siting.data.catalog import default_catalog_dir, load_catalog

    src = Path(epw_path)
    d = Path(catalog_dir)
    try:
        text = src.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise CatalogError(f"{src}: cannot be read ({exc.strerror})") from None
    if not d.exists():
        shutil.copytree(default_catalog_dir(), d, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    catalog = load_catalog(d)
    catalog.check_site(site, field_name="--site")
    station, data = read_epw_text(text, src.name)
    corrected = site_elevation_m is not None and abs(site_elevation_m - station.elevation_m) >= 1.0
    series = derive_series(data, station.elevation_m, site_elevation_m if corrected else None)
    write_series(series, d / "weather" / f"{site}.csv.gz")
    row = station_row(site, station, catalog.site_value(site, "lat_deg"), catalog.site_value(site, "lon_deg"),
                      site_elevation_m, corrected, f"{site}.csv.gz", "user-epw", _epw_year(data), "sourced",
                      note or f"imported from {src.name} by siting climate import")
    table = pd.read_csv(d / "weather_stations.csv", dtype=str, keep_default_na=False)
    table = pd.concat([table[table["site"] != site], pd.DataFrame([row]).astype(str)], ignore_index=True)
    table.to_csv(d / "weather_stations.csv", index=False)
    sources = pd.read_csv(d / "sources.csv", dtype=str, keep_default_na=False)
    if "user-epw" not in set(sources["key"]):
        extra = {c: "" for c in sources.columns}
        extra.update({"key": "user-epw", "title": "EPW weather file supplied by the planner (siting climate import)",
                      "publisher": "user", "year": str(row["year"])})
        pd.concat([sources, pd.DataFrame([extra])], ignore_index=True).to_csv(d / "sources.csv", index=False)
    load_catalog(d)  # the directory must still load
    return row


def _epw_year(data: pd.DataFrame) -> int:
    years = pd.Series(data.index.year)
    year = int(years.mode().iloc[0]) if len(years) else 2000
    return year if 1900 <= year <= 2100 else 2000
