"""RTT model: geodesic distance, fibre speed and route factor."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from siting.data.catalog import Catalog
from siting.models.latency import geodesic_km, rtt_matrix_ms, rtt_ms


def test_geodesic_beijing_shanghai() -> None:
    # Beijing (39.9042 N, 116.4074 E) - Shanghai (31.2304 N, 121.4737 E): ~1,067 km on the WGS84 ellipsoid
    d = float(geodesic_km(39.9042, 116.4074, 31.2304, 121.4737))
    assert d == pytest.approx(1067, rel=0.01)


def test_rtt_hand_computed() -> None:
    # 1,000 km x 1.5 route factor x 2 ways / 204,000 km/s = 14.706 ms, + 1 ms equipment
    assert float(rtt_ms(1000.0)) == pytest.approx(15.706, abs=1e-3)
    # 4.9 us per km one way in fibre (data brief): 9.8 ms round trip per 1,000 km at route factor 1
    assert float(rtt_ms(1000.0, route_factor=1.0, equipment_ms=0.0)) == pytest.approx(9.8, rel=0.01)


def test_rtt_matrix_is_replaced_by_measurements() -> None:
    sites = pd.DataFrame({"lat_deg": [37.5], "lon_deg": [105.2]}, index=["zhongwei"])
    centres = pd.DataFrame({"lat_deg": [31.23, 39.90], "lon_deg": [121.47, 116.41]}, index=["shanghai", "beijing"])
    modelled = rtt_matrix_ms(sites, centres)
    measured = pd.DataFrame({"site": ["zhongwei"], "centre": ["shanghai"], "rtt_ms": [38.0]})
    mixed = rtt_matrix_ms(sites, centres, measured=measured)
    assert mixed.loc["shanghai", "zhongwei"] == 38.0
    assert mixed.loc["beijing", "zhongwei"] == modelled.loc["beijing", "zhongwei"]
    assert modelled.loc["shanghai", "zhongwei"] > modelled.loc["beijing", "zhongwei"]


def test_modelled_rtt_against_published_zhongwei_measurements(catalog: Catalog) -> None:
    """中新网 2022 (cns-2022-zhongwei-latency): Zhongwei -> Beijing measured one-way 8-10 ms (RTT 16-20 ms),
    -> Shanghai one-way within 15 ms (RTT <= 30 ms).  The fibre model must agree within 15 %."""
    import siting

    rank = siting.rank({}, catalog, all_sites=True)
    beijing, shanghai = rank.at["zhongwei", "rtt_ms[beijing]"], rank.at["zhongwei", "rtt_ms[shanghai]"]
    assert 0.85 * 16.0 <= beijing <= 1.15 * 20.0
    assert shanghai <= 30.0 * 1.15
    from siting.data.request import load_request

    shipped = siting.rank(load_request(
        Path(__file__).parent.parent / "examples" / "measured-rtt-published.yaml"), catalog)
    assert shipped.at["zhongwei", "rtt_ms[beijing]"] == 18.0 and shipped.at["zhongwei", "rtt_ms[shanghai]"] == 30.0
