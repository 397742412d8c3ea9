"""The README's "Use from Python" examples run as written (doctest)."""

from __future__ import annotations

import doctest
from pathlib import Path

README = Path(__file__).parent.parent / "README.md"


def test_readme_python_examples_run() -> None:
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted >= 10
    assert result.failed == 0


def test_readme_rank_table_is_what_command_1_prints() -> None:
    """The README shows command 1's output (``siting rank`` on the default request, 80 columns): keep it
    true when the catalog changes (a Gansu time-of-use table once changed Qingyang's row unseen)."""
    import os
    import re
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).parent.parent
    text = (root / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```\n(Sites ranked for .*?siting packages\)\.)\n```", text, re.S)
    assert block is not None
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1"}
    exe = Path(sys.executable).with_name("siting")
    out = subprocess.run([str(exe), "rank"], cwd=root, env=env, capture_output=True,
                         text=True, check=True).stdout
    printed = re.search(r"(Sites ranked for .*?siting packages\)\.)", out, re.S)
    assert printed is not None
    def lines(text: str) -> list[str]:  # trailing blanks of the terminal's padding are invisible in the README
        return [line.rstrip() for line in text.splitlines()]

    assert lines(printed.group(1)) == lines(block.group(1))


def test_readme_story_excerpt_is_what_optimize_prints() -> None:
    """The README quotes the end of `siting optimize examples/default.yaml` at 80 columns (how sure, what would
    change it, what it rests on; '  ...' marks lines left out): every quoted line is printed, in that order."""
    import os
    import re
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).parent.parent
    text = (root / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```\n(How sure\n.*?)\n```", text, re.S)
    assert block is not None
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1"}
    exe = Path(sys.executable).with_name("siting")
    out = subprocess.run([str(exe), "optimize", "examples/default.yaml"], cwd=root, env=env, capture_output=True,
                         text=True, check=True).stdout
    printed = [line.rstrip() for line in out.splitlines()]
    quoted = [line.rstrip() for line in block.group(1).splitlines() if line.strip() != "..."]
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
    ai = re.search(r"at most two campuses: Helinger ([\d.]+) MW \+ Zhongwei ([\d.]+) MW, ([\d.,]+) yuan/kW/month", text)
    video = re.search(r"streaming ≤ 30 ms to the east: Zhongwei ([\d.]+) MW \+ Gui'an ([\d.]+) MW", text)
    assert ai is not None and video is not None
    r = siting.optimize(yaml.safe_load((root / "examples" / "ai-training-100mw.yaml").read_text()), explain=False)
    mw = r.sites["it_mw"]
    assert (f"{mw['helinger']:.0f}", f"{mw['zhongwei']:.0f}") == (ai.group(1), ai.group(2))
    assert f"{r.objective_yuan_per_year / (r.sites['it_mw'].sum() * 1000 * 12):,.1f}" == ai.group(3)
    r = siting.optimize(yaml.safe_load((root / "examples" / "video-30mw.yaml").read_text()), explain=False)
    mw = r.sites["it_mw"]
    assert (f"{mw['zhongwei']:.0f}", f"{mw['guian']:.0f}") == (video.group(1), video.group(2))
