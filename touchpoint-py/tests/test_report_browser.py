"""The HTML report in a real browser: headless Chromium (Debian's, driven by Playwright; no
network) opens the file tp.report(...).to_html() wrote, shows every section heading and draws
every figure, without a JavaScript error; a full-page screenshot is written to
$TMPDIR/touchpoint-report-screenshot/report.png (the path is printed: ``pytest -s`` shows it)."""

from __future__ import annotations

import os
import pathlib
import tempfile
import time

from playwright.sync_api import sync_playwright

import touchpoint as tp

CHROMIUM = os.environ.get("TOUCHPOINT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def test_html_report_renders_in_chromium(tmp_path: pathlib.Path) -> None:
    assert os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing: apt-get install chromium (make py-env does)"
    rep = tp.report(tp.Events.demo(customers=2_000), lookback="30d")
    path = pathlib.Path(rep.to_html(tmp_path / "report.html"))
    shots = pathlib.Path(tempfile.gettempdir()) / "touchpoint-report-screenshot"  # out of the clone, overwritten
    shots.mkdir(exist_ok=True)
    errors: list = []
    blocked: list = []

    def route(r) -> None:
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    t0 = time.perf_counter()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.route("**/*", route)
            page.goto(path.as_uri(), wait_until="load")
            n_figures = len(rep.figures)
            page.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {n_figures}", timeout=60_000)
            page.wait_for_timeout(500)  # let the last plot settle before the screenshot
            h2 = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent)")
            plots = page.eval_on_selector_all(
                ".js-plotly-plot", "els => els.map(e => e.querySelectorAll('.main-svg').length)")
            sized = page.eval_on_selector_all(
                ".js-plotly-plot .main-svg", "els => els.filter(e => e.getBoundingClientRect().width > 300 && "
                "e.getBoundingClientRect().height > 200).length")
            toc = page.eval_on_selector_all("nav a", "els => els.map(e => e.textContent)")
            wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
            shot = shots / "report.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    print(f"\nbrowser check in {time.perf_counter() - t0:.1f} s; screenshot: {shot}")
    assert h2 == list(rep.sections)
    assert toc == list(rep.sections)
    assert len(plots) == n_figures and all(k >= 1 for k in plots), plots
    assert sized >= n_figures, "every figure is drawn at a readable size"
    assert not wide, "nothing overflows the page horizontally"
    assert errors == [], errors
    assert blocked == [], f"the report asked for the network: {blocked}"
    assert shot.stat().st_size > 50_000
