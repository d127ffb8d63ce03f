"""docs/walkthrough.md, run as it stands (its shell blocks, in order) against the live
system: the documented journey must keep working."""
import os
import re
import shutil
import subprocess

import pytest

from .conftest import ADMIN_PASSWORD

WALKTHROUGH = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "walkthrough.md")


@pytest.mark.skipif(not (shutil.which("jq") and shutil.which("curl")),
                    reason="the walk-through uses curl and jq")
def test_the_curl_walkthrough_books_a_break_and_gets_it_approved(api):
    with open(WALKTHROUGH) as page:
        blocks = re.findall(r"```sh\n(.*?)```", page.read(), re.DOTALL)
    script = "set -euo pipefail\n" + "\n".join(blocks)
    run = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, BASE=api.base_url + "/api/v1",
                                  SEIBIANT_ADMIN_PASSWORD=ADMIN_PASSWORD))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "is awaiting_approval" in run.stdout
    assert "is confirmed" in run.stdout
    assert '"held_pence": 4800' in run.stdout
    assert '"status": 422' in run.stdout
