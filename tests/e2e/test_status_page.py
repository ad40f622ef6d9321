"""/status in a real headless browser: an adapter turns red when its registry fails and green
again when it heals, the page refreshing itself, readable at a phone's width.

Real parts throughout: the registry simulators and the API each under uvicorn on loopback,
the background probes, Debian's chromium over the DevTools protocol. Screenshots are kept
under test-artifacts/ (gitignored) for people to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from lookup_api.app import create_app
from shared_data.settings import Settings
from tests.apiserver import running_app
from tests.dbutil import migrated_database
from tests.e2e.browser import Page, chromium_path, headless_chromium
from tests.opsutil import wait_until
from tests.simserver import SIM_TOKEN, SimulatorServer, running_simulators, small_world

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
RED, GREEN = "rgb(207, 34, 46)", "rgb(26, 127, 55)"
# Probes every 0.3 s (down after 2 failed ones), the page reloading itself every second.
PROBE_INTERVAL_S, REFRESH_S, TIMEOUT_S = 0.3, 1, 10.0

CARD = """(() => {
  const card = document.querySelector('[data-registry="DANCU"]');
  if (!card) return null;
  const badge = card.querySelector('.badge');
  return {state: card.dataset.state, text: badge.textContent.trim(),
          color: getComputedStyle(badge).backgroundColor,
          overall: document.getElementById('overall').textContent.trim(),
          loaded: performance.timeOrigin};
})()"""


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[str, SimulatorServer]]:
    chromium_path()  # skip (or fail under CI) before starting anything
    with (
        running_simulators(small_world(), SIM_TOKEN) as sims,
        migrated_database("sqlite", tmp_path) as url,
    ):
        settings = Settings(
            database_url=url,
            simulator_url=sims.base_url,
            simulator_token=SecretStr(SIM_TOKEN),
            probe_interval_s=PROBE_INTERVAL_S,
            probe_timeout_s=1.0,
            status_refresh_s=REFRESH_S,
            access_log=False,
        )
        with running_app(create_app(settings)) as base_url:
            yield base_url, sims


def card(page: Page) -> dict[str, Any] | None:
    value = page.evaluate(CARD)
    return value if isinstance(value, dict) else None


def test_status_page_turns_red_when_a_registry_fails_and_green_when_it_heals(
    stack: tuple[str, SimulatorServer],
) -> None:
    base_url, sims = stack
    fault_url = f"{sims.base_url}/_sim/faults/dancu"
    with headless_chromium() as page:
        page.open(f"{base_url}/status")
        up, _ = wait_until(lambda: card(page), lambda c: c is not None and c["state"] == "up",
                           TIMEOUT_S)  # fmt: skip
        assert up is not None and (up["text"], up["color"]) == ("up", GREEN)
        fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert fits is True, "the page scrolls sideways at a phone's width"
        dom = page.evaluate("document.documentElement.outerHTML")
        assert isinstance(dom, str) and sims.base_url not in dom and "127.0.0.1" not in dom
        coverage = page.evaluate("document.getElementById('coverage').textContent")
        assert "Procedures restructured on data" in coverage  # the Plan 86 summary
        page.screenshot(ARTIFACTS / "status-page-up.png")

        httpx.put(fault_url, json={"mode": "error", "status": 503}).raise_for_status()
        # No navigation from here on: the page must reload itself to show the change.
        down, _ = wait_until(lambda: card(page), lambda c: c is not None and c["state"] == "down",
                             TIMEOUT_S)  # fmt: skip
        assert down is not None and (down["text"], down["color"]) == ("down", RED)
        assert down["loaded"] > up["loaded"]  # a new document: the meta refresh did it
        assert "DANCU" in down["overall"]
        shot = page.screenshot(ARTIFACTS / "status-page-down.png")

        httpx.delete(fault_url).raise_for_status()
        healed, _ = wait_until(lambda: card(page), lambda c: c is not None and c["state"] == "up",
                               TIMEOUT_S)  # fmt: skip
        assert healed is not None and healed["color"] == GREEN
        assert healed["overall"] == "All registries up"
        page.screenshot(ARTIFACTS / "status-page-healed.png")
    assert shot.stat().st_size > 5_000  # a real picture of the page
