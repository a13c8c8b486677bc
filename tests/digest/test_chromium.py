"""MathML in a real browser: the HTML page's formulas laid out by headless Chromium.

Skipped (with the reason) when no Chromium is installed: ``make test`` must not need one.
On Debian: ``apt-get install chromium``. The test renders a digest whose summary, title and
abstract hold TeX, asks Chromium for the layout of each ``<math>`` (a fraction's numerator
must sit above its denominator, a subscript below its base: only a MathML engine does
that), and takes a screenshot. Set ``DIGESTKIT_SCREENSHOTS=DIR`` to keep it, e.g.::

    DIGESTKIT_SCREENSHOTS=/tmp/shots .venv/bin/python -m pytest tests/digest/test_chromium.py

The same by hand, on any digest::

    digestkit convert fixtures/seeds/004_d81097d59b79f536.txt --to html -o 004.html
    chromium --headless --no-sandbox --screenshot=004.png --window-size=1000,1600 \\
        "file://$PWD/004.html"
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from digestkit.digest.model import Digest, Entry, Summary
from digestkit.digest.render import render

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium) to check MathML"
)

SUMMARY = r"""### 方法

我们使用学习率 $5\times10^{-4}$，$\beta_1=0.9, \beta_2=0.95$，并且

$$
\text{H-score} = 2 \cdot \frac{A_{up} \cdot A_{down}}{A_{up} + A_{down}}
$$

复杂度为 $O(k)$，注意力按 $\sqrt{d_k}$ 缩放。"""

# Reports the layout of every formula into the DOM, which --dump-dom prints. It is added
# to a copy of the page for the test only: the page itself has no scripts.
PROBE = """<script>
const box = e => e.getBoundingClientRect();
const out = [...document.querySelectorAll('math')].map(m => {
  const r = box(m);
  const f = m.querySelector('mfrac');
  const s = m.querySelector('msub');
  return {w: r.width, h: r.height,
          frac: f ? box(f.children[1]).top >= box(f.children[0]).bottom - 1 : null,
          sub: s ? box(s.children[1]).bottom > box(s.children[0]).bottom : null};
});
document.body.setAttribute('data-math', JSON.stringify(out));
</script>"""


def _page() -> str:
    summary = Summary(language="zh", sections=(("", SUMMARY),))
    entry = Entry(
        arxiv_id="2602.04870",
        version=1,
        title=r"Scaling $\mathcal{O}(n^2)$ attention",
        authors=(r"Osman Alperen Kora\c{s}", r"Ana Mar\'ia T\'arano"),
        abstract=r"We bound the error by $\epsilon \leq \frac{1}{\sqrt{n}}$.",
        summary=summary,
    )
    return render(Digest(title="MathML check", date=dt.date(2026, 2, 5), entries=(entry,)), "html")


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_mathml_is_laid_out_by_chromium(tmp_path: Path) -> None:
    page = _page()
    assert "<script" not in page
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = _chromium("--dump-dom", probe.as_uri()).stdout
    found = re.search(r'data-math="([^"]*)"', dom)
    assert found, "Chromium printed no layout"
    layout = json.loads(found.group(1).replace("&quot;", '"'))
    assert len(layout) == page.count("<math ") >= 7
    assert all(m["w"] > 0 and m["h"] > 0 for m in layout)
    fractions = [m["frac"] for m in layout if m["frac"] is not None]
    subscripts = [m["sub"] for m in layout if m["sub"] is not None]
    assert fractions and all(fractions), "numerators not above denominators: no MathML layout"
    assert subscripts and all(subscripts), "subscripts not lowered: no MathML layout"


def test_screenshot(tmp_path: Path) -> None:
    html = tmp_path / "page.html"
    html.write_text(_page(), encoding="utf-8")
    shot = tmp_path / "mathml.png"
    run = _chromium(f"--screenshot={shot}", "--window-size=900,1100", html.as_uri())
    assert shot.exists(), run.stderr[-1000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000
    keep = os.environ.get("DIGESTKIT_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
        shutil.copy(html, Path(keep) / html.name)
