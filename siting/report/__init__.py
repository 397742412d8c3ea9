"""Reporting: charts and the self-contained HTML report."""
