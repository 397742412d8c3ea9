"""The README's "Use from Python" examples run as written (doctest)."""

from __future__ import annotations

import doctest
from pathlib import Path

README = Path(__file__).parent.parent / "README.md"


def test_readme_python_examples_run() -> None:
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted >= 10
    assert result.failed == 0


def _siting_at_80(*args: str) -> str:
    """What a user sees: the installed console script at 80 columns, no colour, from the repository root."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1"}
    exe = Path(sys.executable).with_name("siting")
    return subprocess.run([str(exe), *args], cwd=README.parent, env=env, capture_output=True, text=True,
                          check=True).stdout


def _readme_block(pattern: str) -> str:
    import re

    block = re.search(pattern, README.read_text(encoding="utf-8"), re.S)
    assert block is not None
    return block.group(1)


def _lines(text: str) -> list[str]:  # trailing blanks of the terminal's padding are invisible in the README
    return [line.rstrip() for line in text.splitlines()]


def test_readme_rank_table_is_what_command_1_prints() -> None:
    """The README shows command 1's output (``siting rank`` on the default request, 80 columns): keep it
    true when the catalog changes (a Gansu time-of-use table once changed Qingyang's row unseen)."""
    import re

    block = _readme_block(r"```\n(Sites ranked for .*?siting packages\)\.)\n```")
    printed = re.search(r"(Sites ranked for .*?siting packages\)\.)", _siting_at_80("rank"), re.S)
    assert printed is not None
    assert _lines(printed.group(1)) == _lines(block)


def test_readme_story_excerpt_is_what_optimize_prints() -> None:
    """The README quotes `siting optimize examples/default.yaml` at 80 columns (the headline, how sure, what would
    change it, what it rests on; '  ...' marks lines left out): every quoted line is printed, in that order."""
    printed = _lines(_siting_at_80("optimize", "examples/default.yaml"))
    quoted = [line for line in _lines(_readme_block(r"```\n(In short\n.*?)\n```")) if line.strip() != "..."]
    assert len(quoted) >= 15
    at = 0
    for line in quoted:
        assert line in printed[at:], line
        at = printed.index(line, at) + 1


def test_readme_example_plans_are_what_the_engine_finds() -> None:
    """The README's one-line answers for two example requests are re-solved and compared."""
    import re
    from pathlib import Path

    import yaml

    import siting

    root = Path(__file__).parent.parent
    text = " ".join((root / "README.md").read_text(encoding="utf-8").split())
    ai = re.search(r"at most two campuses: Helinger ([\d.]+) MW \+ Qingyang ([\d.]+) MW, ([\d.,]+) yuan/kW/month", text)
    video = re.search(r"streaming, 95 % of it ≤ 30 ms to the east: Gui'an ([\d.]+) MW \+ Zhongwei ([\d.]+) MW", text)
    assert ai is not None and video is not None
    r = siting.optimize(yaml.safe_load((root / "examples" / "ai-training-100mw.yaml").read_text()), explain=False)
    mw = r.sites["it_mw"]
    assert (f"{mw['helinger']:.0f}", f"{mw['qingyang']:.0f}") == (ai.group(1), ai.group(2))
    assert f"{r.objective_yuan_per_year / (r.sites['it_mw'].sum() * 1000 * 12):,.1f}" == ai.group(3)
    r = siting.optimize(yaml.safe_load((root / "examples" / "video-30mw.yaml").read_text()), explain=False)
    mw = r.sites["it_mw"]
    assert (f"{mw['guian']:.0f}", f"{mw['zhongwei']:.0f}") == (video.group(1), video.group(2))


def test_readme_catalog_status_table_is_the_catalog() -> None:
    """The README's status counts (rows, sourced, derived, assumption per table) are recounted from the catalog."""
    import re

    import siting

    cat = siting.load_catalog()
    tables = {"site_parameters": cat.site_parameters, "weather_stations (hourly typical years)": cat.climate,
              "centre_parameters": cat.centre_parameters, "defaults": cat.defaults_table}
    text = README.read_text(encoding="utf-8")
    for name, df in tables.items():
        row = re.search(rf"^\| {re.escape(name)} \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$", text, re.M)
        assert row is not None, name
        counts = df["status"].value_counts()
        assert tuple(int(g) for g in row.groups()) == (
            len(df), int(counts.get("sourced", 0)), int(counts.get("derived", 0)), int(counts.get("assumption", 0)))


def test_readme_headline_figures_are_what_the_engine_finds() -> None:
    """The prose numbers around the story: the route factor above which the default plan's site misses the
    95 % service level, and the green-options plan."""
    import re

    import numpy as np

    import siting
    from siting.analysis.scorecard import within_share
    from siting.optimization.problem import build_site_problem

    text = " ".join(README.read_text(encoding="utf-8").split())
    cat = siting.load_catalog()
    p = build_site_problem(cat, siting.parse_request({}))
    chosen = siting.optimize({}, cat).chosen_sites
    assert chosen == ["guian"] and "above about 1.7 Gui'an no longer reaches 95 % of the users" in text
    j = p.sites.index("guian")
    factors = np.round(np.arange(1.50, 2.001, 0.01), 2)
    first_miss = next(f for f in factors if within_share(p.with_route_factor(float(f)), 0, j) < 0.95)
    assert round(float(first_miss), 1) == 1.7
    m = re.search(r"the plan moves to Zhongwei \(20 MW, no sliver of a second campus\), ([\d.]+) M yuan/yr, "
                  r"buying ([\d,]+) MWh/yr of the PPA and making ([\d,]+) MWh/yr on site", text)
    assert m is not None
    import yaml

    default = yaml.safe_load((README.parent / "examples" / "default.yaml").read_text())
    req = siting.parse_request({**default, "green_options": ["ppa-nx-pv", "onsite-pv"]})
    r = siting.optimize(req, cat)
    assert r.chosen_sites == ["zhongwei"]
    assert f"{r.objective_yuan_per_year / 1e6:.1f}" == m.group(1)
    bought = r.green_purchases.set_index("option")["mwh_per_year"]
    assert (f"{bought['ppa-nx-pv']:,.0f}", f"{bought['onsite-pv']:,.0f}") == (m.group(2), m.group(3))


def test_readme_what_moved_paragraph_states_todays_figures() -> None:
    """The paragraph on what moved in the rank table: every 'old to new' figure's new value is today's (the cost
    in yuan/kW/month of the default request's score card, or the site's annual airside PUE)."""
    import re

    import siting

    text = " ".join(README.read_text(encoding="utf-8").split())
    para = re.search(r"What moved in this table since the previous release (.*?) can host the request alone\.", text)
    assert para is not None
    names = {"Beijing": "beijing", "Shanghai": "shanghai", "Gui'an": "guian", "Ya'an": "yaan", "Zhongwei": "zhongwei",
             "Qingyang": "qingyang"}
    cards = siting.rank({})
    pairs = re.findall(r"(Beijing|Shanghai|Gui'an|Ya'an|Zhongwei|Qingyang) \(?([\d,.]+) to (\d[\d,]*\.\d+)",
                       para.group(1))
    assert len(pairs) == 7
    for name, _, new in pairs:
        site = names[name]
        if "," in new or float(new) > 10:  # a cost
            assert f"{cards.at[site, 'levelised_cost_yuan_per_kw_month']:,.1f}" == new, name
        else:  # a PUE
            assert f"{siting.site_pue(site, 'airside'):.3f}" == new, name
