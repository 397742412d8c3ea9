"""Derive the shipped hourly weather series (sites/weather/*.csv.gz) and sites/weather_stations.csv.

Reads the Chinese Standard Weather Data (CSWD) EPW files from a local clone of the public
repository gwyxjtu/eppy_for_power_load_generation (branch ``master``, folder ``weathers/spyder/``)
with ``git show``, parses them with pvlib, applies the lapse-rate correction where the site and
station elevations differ materially, and writes the compact series.  Run from the project root:

    .venv/bin/python scripts/derive_weather.py /path/to/eppy_for_power_load_generation/repo

The station chosen for each site, and why, is the ``CHOICES`` table below (it becomes the
``note`` of each row of weather_stations.csv).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from siting.data.weather import CORRECTION_THRESHOLD_M, derive_series, read_epw_text, station_row, write_series
from siting.models.weather import STANDARD_LAPSE_RATE_K_PER_KM

ROOT = Path(__file__).resolve().parents[1]
SITES = ROOT / "sites"
CSWD_YEAR = 2005  # 中国建筑热环境分析专用气象数据集 (CSWD), published 2005; EPW conversion May 2010

# site: (EPW folder under weathers/spyder, site elevation [m] or None, elevation source or "", why this station)
CHOICES: dict[str, tuple[str, float | None, str, str]] = {
    "zhongwei": ("CHN_Ningxia.Hui.Yinchuan.536140_CSWD", 1225.0, "wiki-zhongwei-infobox",
                 "Yinchuan, 141 km NE down the same Yellow River irrigated plain (arid temperate, cold-climate zone); "
                 "the nearest CSWD station (Guyuan 193 km, 1,753 m on the Loess Plateau, is higher and wetter); "
                 "Zhongwei 1,225 m (Wikipedia infobox citing the city profile) vs Yinchuan 1,111 m"),
    "guian": ("CHN_Guizhou.Guiyang.578160_CSWD", None, "",
              "Guiyang, 36 km E on the same central Guizhou plateau (mild-climate zone); the nearest station; "
              "Gui'an's elevation is not sourced (plateau surface about 1,200-1,300 m, station 1,224 m): "
              "no correction"),
    "yaan": ("CHN_Sichuan.Leshan.563860_CSWD", None, "cbj-2023",
             "Leshan, 86 km SE on the western rim of the Sichuan Basin (hot-summer cold-winter zone), the nearest "
             "station (Chengdu 124 km); Ya'an lies higher up the Qingyi valley. Its elevation is not sourced, so the "
             "correction is the one that brings Leshan's annual mean to the 15.6 degC stated for Ya'an (cbj-2023), "
             "applied with the 6.5 K/km lapse rate as an equivalent elevation difference (status derived)"),
    "chongqing": ("CHN_Chongqing.Chongqing.Shapingba.575160_CSWD", None, "",
                  "Chongqing Shapingba, 23 km SW in the same city (hot-summer cold-winter zone); station 259 m, "
                  "the Liangjiang New Area lies on the same hilly basin floor: no correction"),
    "chengdu": ("CHN_Sichuan.Chengdu.562940_CSWD", None, "",
                "Chengdu (Wenjiang), 28 km NW on the same Chengdu Plain (hot-summer cold-winter zone), 506 m: "
                "no correction"),
    "helinger": ("CHN_Nei.Mongol.Hohhot.534630_CSWD", None, "",
                 "Hohhot, 31 km N on the same Tumed plain (severe-cold zone), 1,063 m; Horinger lies at a similar "
                 "elevation (about 1,100 m): no correction"),
    "qingyang": ("CHN_Gansu.Xifengzhen.539230_CSWD", None, "",
                 "Xifengzhen, 2 km: the Qingyang (Xifeng) city station itself, 1,421 m: no correction"),
    "zhangjiakou": ("CHN_Hebei.Huailai.544050_CSWD", 716.0, "wiki-zhangjiakou-infobox",
                    "Huailai, 67 km SE in the same Yang-Sanggan river basin south of the Bashang escarpment "
                    "(cold zone), 536 m; Zhangbei (45 km) stands 1,393 m up on the Bashang plateau, 677 m above the "
                    "city, a different regime; Zhangjiakou 716 m (Wikipedia infobox)"),
    "shaoguan": ("CHN_Guangdong.Shaoguan.590820_CSWD", None, "",
                 "Shaoguan city station, 14 km (hot-summer warm-winter zone), 61 m: no correction"),
    "wuhu": ("CHN_Anhui.Hefei.583210_CSWD", None, "",
             "Hefei, 128 km NW, the nearest CSWD station (Anqing 160 km, Nanjing 168 km); all on the lower-Yangtze "
             "plain below 30 m (hot-summer cold-winter zone): no correction"),
    "yrd_demo": ("CHN_Shanghai.Shanghai.583620_CSWD", None, "",
                 "Shanghai (Baoshan), 42 km E on the same Yangtze delta plain (hot-summer cold-winter zone), 6 m: "
                 "no correction"),
    "beijing": ("CHN_Beijing.Beijing.545110_CSWD", None, "",
                "Beijing (Nanjiao) city station, 13 km, 31 m (cold zone): no correction"),
    "shanghai": ("CHN_Shanghai.Shanghai.583620_CSWD", None, "",
                 "Shanghai (Baoshan) city station, 19 km, 6 m: no correction"),
    "guangzhou": ("CHN_Guangdong.Guangzhou.592870_CSWD", None, "",
                  "Guangzhou city station, 8 km, 41 m (hot-summer warm-winter zone): no correction"),
}
#: Annual mean dry bulb stated for Ya'an [degC] (cbj-2023).
YAAN_ANNUAL_MEAN_C = 15.6


def epw_text(repo: Path, folder: str) -> str:
    path = f"weathers/spyder/{folder}/{folder}.epw"
    return subprocess.run(["git", "-C", str(repo), "show", f"master:{path}"], check=True, capture_output=True,
                          text=True, encoding="latin-1").stdout


def main(argv: list[str]) -> None:
    repo = Path(argv[0])
    coords = pd.read_csv(SITES / "site_parameters.csv", dtype=str, keep_default_na=False)
    coords = coords[coords["parameter"].isin(["lat_deg", "lon_deg"])].pivot(index="site", columns="parameter",
                                                                              values="value").astype(float)
    rows = []
    for site, (folder, site_elev, elev_source, why) in CHOICES.items():
        station, data = read_epw_text(epw_text(repo, folder), f"{folder}.epw")
        status, note = "derived", why
        if site == "yaan":  # equivalent elevation from the sourced annual mean
            mean = float(np.mean(data["temp_air"].to_numpy(dtype=float)))
            site_elev = station.elevation_m + (mean - YAAN_ANNUAL_MEAN_C) / STANDARD_LAPSE_RATE_K_PER_KM * 1000.0
            site_elev = round(site_elev, 0)
            note += f"; Leshan annual mean {mean:.2f} degC, equivalent site elevation {site_elev:.0f} m"
        corrected = site_elev is not None and abs(site_elev - station.elevation_m) >= CORRECTION_THRESHOLD_M
        if site_elev is not None and not corrected:
            note += "; elevation difference below 100 m: no correction"
        if corrected:
            note += (f"; dry bulb moved by -6.5 K/km x elevation difference (lapse rate: iupac-lapse-rate), "
                     f"humidity ratio kept, pressure scaled by the standard atmosphere (site elevation: {elev_source})")
        series = derive_series(data, station.elevation_m, site_elev if corrected else None)
        write_series(series, SITES / "weather" / f"{site}.csv.gz")
        rows.append(station_row(site, station, coords.at[site, "lat_deg"], coords.at[site, "lon_deg"], site_elev,
                                corrected, f"{site}.csv.gz", "cswd-2005", CSWD_YEAR, status, note))
        r = rows[-1]
        print(f"{site:12s} {station.name:22s} {r['distance_km']:6.1f} km  dz={r['elevation_difference_m']}"
              f"  corr={rows[-1]['drybulb_correction_k']}  mean={series['drybulb_c'].mean():.2f}")
    pd.DataFrame(rows).to_csv(SITES / "weather_stations.csv", index=False)


if __name__ == "__main__":
    main(sys.argv[1:])
