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
