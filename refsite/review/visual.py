"""The pages as they look: screenshots of the base and the new state in headless Chromium, compared.

Text comparison cannot see a style sheet that hides the notes or a template that drops a
line; pictures can. Each page is shot in both states at one window size, network off, and the
pages whose pictures differ are listed, with both pictures and their difference kept.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 1280, 900
MAX_PAGES = 40
"""At most this many pages are shot, the changed ones first."""


@dataclass
class Visual:
    """What the visual comparison found."""

    compared: list[str] = field(default_factory=list)
    differ: list[str] = field(default_factory=list)
    note: str = ""


def _slug(url: str) -> str:
    return url.strip("/").replace("/", "--") or "home"


def _shoot(page: object, site: Path, url: str, dest: Path) -> bool:
    """A full-page picture of ``url`` of a built site; False when the page is not there."""
    html = site / url / "index.html"
    if not html.is_file():
        return False
    page.goto(html.resolve().as_uri(), wait_until="load")  # type: ignore[attr-defined]
    page.screenshot(path=str(dest), full_page=True, animations="disabled")  # type: ignore[attr-defined]
    return True


def _on(image_module: Any, picture: Any, size: tuple[int, int]) -> Any:
    """A picture on a white canvas of ``size`` (its top left corner at the canvas's)."""
    canvas = image_module.new("RGB", size, "white")
    canvas.paste(picture, (0, 0))
    return canvas


def compare(old_site: Path, new_site: Path, urls: list[str], out: Path) -> Visual:
    """Shoot ``urls`` in both sites into ``out``; the pages whose pictures differ."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return Visual(note="not run: Chromium is not installed")
    try:
        from PIL import Image, ImageChops
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        return Visual(note=f"not run: {exc.name} is not installed")
    out.mkdir(parents=True, exist_ok=True)
    result = Visual()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=1)
            # file pages only: nothing leaves the machine
            context.route(
                "**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort()
            )
            page = context.new_page()
            for url in urls[:MAX_PAGES]:
                before, after = out / f"{_slug(url)}.base.png", out / f"{_slug(url)}.head.png"
                if not (_shoot(page, old_site, url, before) and _shoot(page, new_site, url, after)):
                    continue
                result.compared.append(url)
                a, b = Image.open(before).convert("RGB"), Image.open(after).convert("RGB")
                if a.size != b.size:  # one page longer: compare them on one canvas
                    size = (max(a.width, b.width), max(a.height, b.height))
                    a, b = _on(Image, a, size), _on(Image, b, size)
                box = ImageChops.difference(a, b).getbbox()
                if box is None:
                    before.unlink()
                    after.unlink()
                else:
                    result.differ.append(url)
                    ImageChops.difference(a, b).save(out / f"{_slug(url)}.diff.png")
        finally:
            browser.close()
    if len(urls) > MAX_PAGES:
        result.note = f"the first {MAX_PAGES} of {len(urls)} pages were compared"
    return result
