"""Capital recovery factor against standard compound-interest tables."""

from __future__ import annotations

import pytest

from siting.models.finance import annualise_limited_stream, capital_recovery_factor, present_value_of_annuity


def test_crf_matches_interest_table() -> None:
    # (A/P, 8 %, 15) = 0.11683 and (A/P, 10 %, 20) = 0.11746 in standard compound-interest tables
    assert capital_recovery_factor(0.08, 15) == pytest.approx(0.11683, abs=5e-6)
    assert capital_recovery_factor(0.10, 20) == pytest.approx(0.11746, abs=5e-6)


def test_crf_zero_rate_is_straight_line() -> None:
    assert capital_recovery_factor(0.0, 20) == pytest.approx(0.05)


def test_annuity_round_trip() -> None:
    assert present_value_of_annuity(0.08, 15) * capital_recovery_factor(0.08, 15) == pytest.approx(1.0)


def test_limited_stream_is_worth_less_than_full_horizon() -> None:
    full = annualise_limited_stream(100.0, None, 0.08, 15)
    five = annualise_limited_stream(100.0, 5, 0.08, 15)
    assert full == 100.0
    # 100 * PVA(8 %, 5) * CRF(8 %, 15) = 100 * 3.99271 * 0.11683
    assert five == pytest.approx(100 * 3.99271 * 0.116830, rel=1e-4)


@pytest.mark.parametrize(("rate", "years"), [(-0.1, 10), (0.05, 0)])
def test_crf_rejects_bad_input(rate: float, years: float) -> None:
    with pytest.raises(ValueError):
        capital_recovery_factor(rate, years)


@pytest.mark.parametrize("rate", [1e-17, 1e-12, 1e-9])
def test_crf_of_a_tiny_rate_is_the_zero_rate_limit(rate: float) -> None:
    # lim r->0 CRF = 1/n; the naive formula divided by zero at 1e-17 (a 500 on every compute route)
    assert capital_recovery_factor(rate, 15) == pytest.approx(1 / 15, rel=1e-6)


def test_crf_at_eight_percent_over_fifteen_years() -> None:
    assert capital_recovery_factor(0.08, 15) == pytest.approx(0.11682954493601999, rel=1e-12)
