"""``siting climate``: a site's typical-year weather (``siting climate import FILE.epw --site ID``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from siting.cli.lazy import lazy_function
from siting.cli.options import console, domain_errors

import_epw = lazy_function("siting.data.weather", "import_epw")  # pandas on first use: not at `siting --help`

climate_app = typer.Typer(help="A site's hourly typical-year weather: show where it comes from, bring your own EPW.",
                          no_args_is_help=True)


@climate_app.command("import")
@domain_errors
def import_command(
    epw: Annotated[Path, typer.Argument(help="An EnergyPlus weather file (.epw, 8,760 hours)", exists=True,
                                        dir_okay=False)],
    site: Annotated[str, typer.Option("--site", help="Site id whose weather the file becomes")],
    catalog: Annotated[Path, typer.Option(
        "--catalog", help="User catalog directory to write to; created as a copy of the shipped catalog if it does "
        "not exist. Use it afterwards with --catalog DIR on any command (rank, optimize, ...)")] = Path("my-catalog"),
    site_elevation_m: Annotated[float | None, typer.Option(
        "--site-elevation-m", help="Site elevation [m]: moves the dry bulb from the station's elevation at 6.5 K/km "
        "(humidity ratio kept); omit to use the station's values as they are")] = None,
) -> None:
    """Bring a station file of your own in as SITE's weather.

    The EPW file is checked line by line (a bad line is named), parsed with pvlib, turned into the
    compact hourly series (dry bulb, dew point, RH, pressure, psychrolib wet bulb, GHI/DNI/DHI) and
    written to CATALOG/weather/SITE.csv.gz, with SITE's row of CATALOG/weather_stations.csv replaced
    (source user-epw).  PUE, energy cost and PV yield then come from these hours.
    """
    row = import_epw(epw, site, catalog, site_elevation_m)
    console.print(f"{site}: weather from {row['station']} (WMO {row['wmo']}, {row['elevation_m']} m, "
                  f"{row['distance_km']} km away, dry-bulb correction {row['drybulb_correction_k']} K) written to "
                  f"{catalog / 'weather' / (site + '.csv.gz')}; use --catalog {catalog}")
