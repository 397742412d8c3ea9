"""Subsidy records as linear terms, against numbers worked out by hand (siting.models.subsidies)."""

from __future__ import annotations

import math

import pytest

from siting.data.catalog import Subsidy
from siting.models.subsidies import subsidy_term

CRF_8PC_15Y = 0.11682954493601999   # 0.08 * 1.08**15 / (1.08**15 - 1)
PVA_8PC_5Y = 3.9927100370780884     # (1 - 1.08**-5) / 0.08


def test_lump_sum_is_spread_as_an_annuity() -> None:
    t = subsidy_term(Subsidy("bw", "zhongwei", "bandwidth", amount_yuan=190e6), 0.08, 15)
    assert (t.component, t.factor) == ("bandwidth", 1.0)
    assert t.annual_cap_yuan == pytest.approx(22_197_613.537843797)  # 190e6 * CRF
    # never more than the site pays for bandwidth
    assert t.annual_value(1_000_000.0) == pytest.approx(1_000_000.0)
    assert t.annual_value(50e6) == pytest.approx(22_197_613.537843797)


def test_one_off_capex_rate() -> None:
    t = subsidy_term(Subsidy("cx", "yaan", "capex", rate_fraction=0.2), 0.08, 15)
    assert (t.component, t.factor, t.annual_cap_yuan) == ("capex", 0.2, math.inf)
    assert t.annual_value(700_000.0) == pytest.approx(140_000.0)


def test_rate_paid_for_five_years_of_fifteen() -> None:
    t = subsidy_term(Subsidy("el", "guian", "electricity", rate_fraction=0.1, duration_years=5), 0.08, 15)
    # 0.1 * PVA(8 %, 5 y) * CRF(8 %, 15 y)
    assert t.factor == pytest.approx(0.1 * PVA_8PC_5Y * CRF_8PC_15Y)
    assert t.factor == pytest.approx(0.04664664966933126)


def test_capped_rate_and_price_reduction() -> None:
    capped = subsidy_term(Subsidy("cx", "yaan", "capex", rate_fraction=0.2, cap_yuan=50e6), 0.08, 15)
    assert capped.annual_cap_yuan == pytest.approx(5_841_477.246800999)  # 50e6 * CRF
    cut = subsidy_term(Subsidy("pr", "yaan", "electricity", price_reduction_yuan_per_kwh=0.05), 0.08, 15,
                       price_yuan_per_kwh=0.40)
    assert (cut.component, cut.factor) == ("energy", pytest.approx(0.125))  # 0.05 of 0.40, whole horizon


def test_price_reduction_needs_a_price() -> None:
    with pytest.raises(ValueError, match="needs the site's electricity price"):
        subsidy_term(Subsidy("pr", "yaan", "electricity", price_reduction_yuan_per_kwh=0.05), 0.08, 15)
