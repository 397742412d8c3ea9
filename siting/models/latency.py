"""Round-trip time between sites and demand centres.

Model: RTT [ms] = 2 * route_factor * geodesic distance / fibre speed + equipment delay.

- Light in G.652 single-mode fibre travels at c / n_g with group index
  n_g ~ 1.468 at 1550 nm, i.e. ~204,000 km/s (~4.9 us per km one way).
- Fibre routes follow roads, railways and regional aggregation points and are
  longer than the great circle: route factors of 1.3-2.0 are typical; 1.5 is
  the default (see ``sites/defaults.csv`` for the sources).
- Routers, switches and serialisation add a fixed delay (default 1 ms RTT).

A measured RTT matrix (CSV with ``site,centre,rtt_ms``) can replace the model
for any pair it contains (``rtt_matrix_ms(..., measured=...)``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import Geod

_GEOD = Geod(ellps="WGS84")

FloatArray = npt.NDArray[np.float64]


def geodesic_km(
    lat1_deg: npt.ArrayLike, lon1_deg: npt.ArrayLike, lat2_deg: npt.ArrayLike, lon2_deg: npt.ArrayLike
) -> FloatArray:
    """Geodesic (WGS84 ellipsoid) distance [km], broadcast over array inputs."""
    lat1, lon1, lat2, lon2 = np.broadcast_arrays(
        np.asarray(lat1_deg, dtype=float),
        np.asarray(lon1_deg, dtype=float),
        np.asarray(lat2_deg, dtype=float),
        np.asarray(lon2_deg, dtype=float),
    )
    _, _, dist_m = _GEOD.inv(lon1.ravel(), lat1.ravel(), lon2.ravel(), lat2.ravel())
    return np.asarray(dist_m, dtype=float).reshape(lat1.shape) / 1000.0


def rtt_ms(
    distance_km: npt.ArrayLike,
    route_factor: float = 1.5,
    fibre_km_per_s: float = 2.04e5,
    equipment_ms: float = 1.0,
) -> FloatArray:
    """Round-trip time [ms] over fibre for a great-circle ``distance_km`` [km].

    Parameters
    ----------
    distance_km : array-like
        Great-circle distance [km], >= 0.
    route_factor : float
        Fibre route length / great-circle distance [1], default 1.5.
    fibre_km_per_s : float
        Signal speed in fibre [km/s], default 2.04e5 (c / 1.468).
    equipment_ms : float
        Fixed round-trip equipment delay [ms], default 1.0.
    """
    d = np.asarray(distance_km, dtype=float)
    return 2.0 * route_factor * d / fibre_km_per_s * 1000.0 + equipment_ms


def rtt_matrix_ms(
    sites: pd.DataFrame,
    centres: pd.DataFrame,
    route_factor: float = 1.5,
    fibre_km_per_s: float = 2.04e5,
    equipment_ms: float = 1.0,
    measured: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """RTT [ms] for every (centre, site) pair: rows are centre ids, columns site ids.

    ``sites`` and ``centres`` are indexed by id with ``lat_deg`` and ``lon_deg``
    columns.  Pairs present in ``measured`` (columns ``site, centre, rtt_ms``)
    replace the modelled value.
    """
    dist = geodesic_km(
        centres["lat_deg"].to_numpy()[:, None],
        centres["lon_deg"].to_numpy()[:, None],
        sites["lat_deg"].to_numpy()[None, :],
        sites["lon_deg"].to_numpy()[None, :],
    )
    rtt = pd.DataFrame(
        rtt_ms(dist, route_factor, fibre_km_per_s, equipment_ms),
        index=centres.index,
        columns=sites.index,
    )
    if measured is not None:
        for row in measured.itertuples(index=False):
            if row.centre in rtt.index and row.site in rtt.columns:
                rtt.loc[row.centre, row.site] = float(row.rtt_ms)
    return rtt
