"""Build the offline basemap shipped with siting (web page map and HTML report).

Input: Natural Earth 1:50m admin-0 countries as TopoJSON from the npm package world-atlas 2.0.2
(`npm pack world-atlas@2.0.2`, file package/countries-50m.json; Natural Earth is public domain, world-atlas
is ISC).  Output: siting/report/basemap/east_asia_50m.geojson, the countries clipped to 70-140 deg E,
10-56 deg N, coordinates rounded to 0.01 deg (about 1 km), properties {name}.

    python scripts/build_basemap.py /tmp/npm/world-atlas-2.0.2/package/countries-50m.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shapely.geometry import MultiPolygon, Polygon, box, mapping
from shapely.validation import make_valid

BBOX = (70.0, 10.0, 140.0, 56.0)
OUT = Path(__file__).resolve().parents[1] / "siting" / "report" / "basemap" / "east_asia_50m.geojson"


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """TopoJSON arcs: delta-encoded integer positions, quantised by the transform."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring(arcs: list[list[tuple[float, float]]], idx: list[int]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for i in idx:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(a if not pts else a[1:])
    return pts


def main(path: str) -> None:
    topo = json.loads(Path(path).read_text())
    arcs = decode_arcs(topo)
    clip = box(*BBOX)
    features = []
    for g in topo["objects"]["countries"]["geometries"]:
        if g["type"] == "Polygon":
            polys = [Polygon(ring(arcs, g["arcs"][0]), [ring(arcs, r) for r in g["arcs"][1:]])]
        elif g["type"] == "MultiPolygon":
            polys = [Polygon(ring(arcs, p[0]), [ring(arcs, r) for r in p[1:]]) for p in g["arcs"]]
        else:
            continue
        shape = make_valid(MultiPolygon(polys)).intersection(clip)
        if shape.is_empty:
            continue
        shape = shape.simplify(0.02, preserve_topology=True)
        geo = json.loads(json.dumps(mapping(shape)), parse_float=lambda v: round(float(v), 2))
        features.append({"type": "Feature", "properties": {"name": g["properties"]["name"]}, "geometry": geo})
    doc = {"type": "FeatureCollection",
           "source": "Natural Earth 1:50m admin-0 countries (public domain) via npm world-atlas 2.0.2",
           "features": sorted(features, key=lambda f: f["properties"]["name"])}
    OUT.write_text(json.dumps(doc, separators=(",", ":")))
    print(f"wrote {len(features)} countries to {OUT} ({OUT.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main(sys.argv[1])
