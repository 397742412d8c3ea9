"""Plain JSON data from engine objects: one cleaner used by results, catalog exports, compare and the API."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd


def to_jsonable(obj: Any) -> Any:
    """Recursively: numpy scalars unwrapped, NaN/inf/NaT -> None, tuples -> lists, dict keys -> str."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is pd.NaT:
        return None
    return obj


def frame_records(df: pd.DataFrame | None, index: bool = True) -> list[dict[str, Any]] | None:
    """A DataFrame as JSON-ready records (index as the first column unless ``index=False``; NaN -> None).

    The one DataFrame-to-records conversion of the project (results, score cards, sensitivity, API, CLI).
    """
    if df is None:
        return None
    frame = df.reset_index() if index else df
    frame = frame.astype(object).where(frame.notna(), None)
    return [{str(k): to_jsonable(v) for k, v in r.items()} for r in frame.to_dict("records")]
