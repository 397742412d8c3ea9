"""Service limits on top of the engine's own validation; each error names field, value and limit."""

from __future__ import annotations

from typing import Any

from siting.data.request import SiteRequest

from .errors import LimitExceeded
from .settings import Settings


def check_count(field: str, n: int, limit: int, what: str = "items") -> None:
    if n > limit:
        raise LimitExceeded(field, n, limit, what)


def check_time_limit(field: str, value: float | None, limit: float) -> float:
    """The effective time limit: ``value`` (checked against ``limit``) or ``limit`` itself."""
    if value is None:
        return limit
    if value > limit:
        raise LimitExceeded(field, f"{value:g}", f"{limit:g}", "s")
    return value


def check_site_request(req: SiteRequest, settings: Settings, prefix: str = "request") -> None:
    """Sizes of every list in a site request against the service limits."""
    s = settings
    if req.candidates is not None:
        check_count(f"{prefix}.candidates", len(req.candidates), s.max_candidates)
    check_count(f"{prefix}.locked_sites", len(req.locked_sites), s.max_candidates)
    check_count(f"{prefix}.excluded_sites", len(req.excluded_sites), s.max_candidates)
    check_count(f"{prefix}.eligibility", len(req.eligibility), s.max_candidates)
    check_count(f"{prefix}.classes", len(req.classes), s.max_classes)
    if req.phases is not None:
        check_count(f"{prefix}.phases", len(req.phases), s.max_phases)
    for n, cls in enumerate(req.classes):
        where = f"{prefix}.classes.{n}"
        if cls.allowed_sites is not None:
            check_count(f"{where}.allowed_sites", len(cls.allowed_sites), s.max_candidates)
        check_count(f"{where}.forbidden_sites", len(cls.forbidden_sites), s.max_candidates)
        if cls.demand_weights is not None:
            check_count(f"{where}.demand_weights", len(cls.demand_weights), s.max_candidates)


def check_scenario(scenario: Any, document: dict[str, Any], settings: Settings,
                   prefix: str = "scenario") -> None:
    """A scenario's base request and sample count against the service limits."""
    req = getattr(scenario, "request", None)
    if isinstance(req, SiteRequest):
        check_site_request(req, settings, f"{prefix}.request")
    monte_carlo = getattr(scenario, "monte_carlo", None)
    samples = getattr(monte_carlo, "samples", None)
    if isinstance(samples, int) and not isinstance(samples, bool):
        check_count(f"{prefix}.monte_carlo.samples", samples, settings.max_samples, "samples")
    for section in ("monte_carlo", "sensitivity"):
        params = getattr(getattr(scenario, section, None), "parameters", None)
        if params is not None:
            check_count(f"{prefix}.{section}.parameters", len(params), settings.max_sweep_parameters,
                        "parameters")
