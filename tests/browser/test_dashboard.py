"""The activity page in a real headless browser (Debian's chromium through chromedriver):
perla served on loopback over SQLite with leads, a client, an order, an inquiry and WhatsApp
conversations made through the webhook; staff log in through the form, the key figures on
the page equal the API's, the three charts are drawn (canvases with a size and pixels on
them), the console has no errors, and a screenshot is saved to
``test-artifacts/dashboard.png``. Without chromium it skips locally and fails under CI=true.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from litestar.testing import TestClient
from tests.browser.scenario import api_figures, dashboard_container, fill
from tests.browser.webdriver import binaries, chromium_session
from tests.e2e.test_metrics_api import key

from perla_adapters.loopback import serving
from perla_core.access.model import Role
from perla_entrypoints.http import create_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHARTS = ("chart-messages", "chart-handoffs", "chart-orders")
FIGURES = """
return Object.fromEntries(Array.from(document.querySelectorAll('[data-figure]'))
  .map(e => [e.dataset.figure, e.dataset.value]));
"""
CANVAS = """
const c = document.getElementById(arguments[0]);
if (!c) return null;
const r = c.getBoundingClientRect();
const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let painted = 0;
for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) painted++; }
return {width: r.width, height: r.height, painted: painted, chart: !!Chart.getChart(c)};
"""


def test_staff_log_in_and_see_the_apis_figures_and_drawn_charts(tmp_path: Path) -> None:
    binaries()
    with dashboard_container(f"sqlite:///{tmp_path}/perla.db", tmp_path) as container:
        with TestClient(create_app(container)) as setup:
            fill(container, setup)
        reader = key(container, Role.READONLY)["Authorization"].removeprefix("Bearer ")
        with (
            serving(create_app(container)) as base,
            chromium_session(tmp_path / "profile") as browser,
        ):
            browser.open(f"{base}/dashboard")
            browser.wait_for("return document.readyState === 'complete'")
            assert browser.url == f"{base}/dashboard/login"

            browser.type("#api_key", "perla_000000000000_wrong")
            browser.click("button[type=submit]")
            browser.wait_for("return document.querySelector('.error') !== null")
            assert "no es válida" in browser.run(
                "return document.querySelector('.error').textContent"
            )
            browser.console()  # the 401 of the wrong key is expected; start afresh

            browser.type("#api_key", reader)
            browser.click("button[type=submit]")
            browser.wait_for("return document.body.dataset.charts === 'ready'")
            assert browser.url == f"{base}/dashboard"
            assert browser.run("return document.title") == "Resumen de actividad"
            assert browser.run("return document.cookie") == ""  # HttpOnly: not visible to JS

            shown = browser.run(FIGURES)
            with httpx.Client(base_url=base, timeout=10) as api:
                expected = api_figures(api, {"Authorization": f"Bearer {reader}"})
            assert shown == expected
            assert expected["messages_in"] == "5"
            assert expected["orders_month"] == "1"

            for chart in CHARTS:
                drawn = browser.run(CANVAS, chart)
                assert drawn is not None, chart
                assert drawn["chart"], chart
                assert drawn["width"] > 100, (chart, drawn)
                assert drawn["height"] > 100, (chart, drawn)
                assert drawn["painted"] > 0, (chart, drawn)

            browser.screenshot(ARTIFACTS / "dashboard.png")
            errors = [e for e in browser.console() if e.get("level") == "SEVERE"]
            assert errors == []
            assert (ARTIFACTS / "dashboard.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

            browser.click("header button[type=submit]")
            browser.wait_for("return document.getElementById('api_key') !== null")
            assert browser.url == f"{base}/dashboard/login"
