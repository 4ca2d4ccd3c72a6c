"""Take the README's screenshots of the French report again, on the 650-site benchmark store.

    python docs/screenshots.py                      # builds /tmp/govlinks-bench.db once if missing
    python docs/screenshots.py --db X.db --out docs/

Why a script: screenshots go stale each time a template or the CSS changes, and one
command that anybody can run keeps them honest. It builds the store of
``bench/report.py`` when missing (the same generator and seed, so the same 650 sites
and 1.2 M links), renders the single-file report and the report site in French with
``govlinks report`` in a child process (the code of this checkout), then opens them in
Debian's headless ``chromium`` driven by Playwright (no browser download) and writes:

- ``report-desktop.png`` and ``report-phone.png``: the top of the single-file report,
  1280 px wide and on a 390 px phone;
- ``site-desktop.png`` and ``site-phone.png``: the page of the least integrated site
  (rank 1 of the report), as a site owner would be sent it;
- ``explorer.png``: the network explorer of the site's index with that site selected.

Each shot is one viewport high (the top of the page, what a reader sees first) and
palette-reduced with Pillow, so that each stays well under 400 KB in the repository.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FloatRect, ViewportSize

ROOT = Path(__file__).resolve().parent.parent
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
# The browser tests' flags: headless, no sandbox (containers), nothing fetched behind the page's back.
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
COLOURS = 256  # a palette PNG: text, charts and the network stay sharp at a third of the size


def govlinks(*args: str) -> None:
    """Run ``govlinks`` of this checkout in a child process, stopping on failure."""
    subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def ensure_store(db: Path) -> None:
    """Build the benchmark store at ``db`` (``bench/report.py``'s defaults) unless it is there."""
    if db.exists():
        return
    sys.path.insert(0, str(ROOT))
    from bench.report import build

    print(f"building the 650-site benchmark store at {db} (about a minute)…")
    build(db, n_sites=650, pages_per_site=300, links_per_page=6)


def render(db: Path, work: Path) -> str:
    """Write the single-file report and the report site in French under ``work``; return the id of
    the least integrated site (the report's rank 1)."""
    report = ("report", "--db", str(db), "--lang", "fr", "--format")
    govlinks(*report, "html", "-o", str(work / "report.html"))
    govlinks(*report, "html", "--output-dir", str(work / "site"))
    govlinks(*report, "json", "-o", str(work / "report.json"))
    sites = json.loads((work / "report.json").read_text(encoding="utf-8"))["sites"]
    return str(min(sites, key=lambda s: s["rank"])["site"])


def shrink(path: Path) -> int:
    """Reduce the PNG at ``path`` to a palette of :data:`COLOURS`; return its size in bytes."""
    from PIL import Image

    with Image.open(path) as img:
        rgb = img.convert("RGB")
    small = rgb.quantize(COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)
    return path.stat().st_size


@contextmanager
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        sys.exit("Debian's chromium is needed: apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def shoot(work: Path, site: str, out: Path) -> dict[str, int]:
    """Take the five screenshots into ``out``; return each file's size in bytes."""
    from graphs.report_site import page_names

    page = work / "site" / "sites" / f"{page_names([site])[site]}.html"
    shots = [
        ("report-desktop.png", work / "report.html", DESKTOP, 1),
        ("report-phone.png", work / "report.html", PHONE, 2),
        ("site-desktop.png", page, DESKTOP, 1),
        ("site-phone.png", page, PHONE, 2),
    ]
    sizes: dict[str, int] = {}
    with chromium() as browser:
        for name, path, viewport, scale in shots:
            tab = browser.new_page(viewport=viewport, device_scale_factor=scale)
            tab.goto(path.as_uri())
            if path.name == "report.html":
                tab.wait_for_selector("#explorer[data-ready=graph]")
            tab.screenshot(path=str(out / name))
            tab.close()
        # The explorer of the site's index: the site searched by name, chosen, its neighbours lit.
        tab = browser.new_page(viewport={"width": 1280, "height": 1000})
        tab.goto((work / "site" / "index.html").as_uri())
        tab.wait_for_selector("#explorer[data-ready=graph]")
        tab.fill("#ex-q", site)
        tab.click(f'#ex-suggestions [data-site="{site}"]')
        tab.wait_for_selector(f'#explorer[data-selected="{site}"]')
        tab.wait_for_timeout(1500)  # the camera's move to the site
        box = tab.locator("#explorer").bounding_box()  # in the viewport: the clip below is in the page
        assert box is not None
        top = box["y"] + tab.evaluate("() => window.scrollY")
        margin = 16  # the page's white around the controls, which start at the box's edge
        clip: FloatRect = {"x": box["x"] - margin, "y": top - margin,
                "width": box["width"] + 2 * margin, "height": box["height"] + 2 * margin}  # fmt: skip
        tab.screenshot(path=str(out / "explorer.png"), clip=clip, full_page=True)
        tab.close()
    for name in [*(s[0] for s in shots), "explorer.png"]:
        sizes[name] = shrink(out / name)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/govlinks-bench.db"),
                        help="benchmark store, built there when missing (default: %(default)s)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder of the PNGs (default: docs/)")
    args = parser.parse_args()
    ensure_store(args.db)
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="govlinks-shots-") as tmp:
        work = Path(tmp)
        site = render(args.db, work)
        args.out.mkdir(parents=True, exist_ok=True)
        sizes = shoot(work, site, args.out)
    for name, size in sizes.items():
        print(f"{args.out / name}: {size / 1000:.0f} KB")


if __name__ == "__main__":
    main()
