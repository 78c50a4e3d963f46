"""First-load time of the dashboard's pages in headless Chromium, against a running server.

    python bench/dashboard_load.py --url http://127.0.0.1:8000 [--runs 5]

Needs the demo data (`make run` seeds it) and Debian's /usr/bin/chromium. For each page it opens a
fresh browser context (cold: no cache, no token), signs in once per context through the cookie
session, then loads each page `--runs` times in new tabs and reports:
- `cold`: the first load (nothing cached but the session cookie), `warm`: the median of the rest
  (static files cached), both from navigation start until the page's widget shows its data;
- `requests`: the API and feed round trips the page made (the cookie refresh included).
The baseline, measured the same way in the same run, is the sign-in page (a shell with one small
script): the ratio says what a page's data costs on top of serving a shell.
"""

from __future__ import annotations

import argparse
import statistics

from playwright.sync_api import sync_playwright

READY = "document.querySelector('[data-widget] .state') && document.querySelector('[data-widget] .state').hidden"


def measure(page, path: str, wait_ready: bool) -> tuple[float, int]:
    calls: list[str] = []
    page.on("request", lambda r: calls.append(r.url) if ("/api/" in r.url or "/app/session/" in r.url) else None)
    page.on("websocket", lambda ws: calls.append(ws.url))
    page.goto(path, wait_until="domcontentloaded")
    if wait_ready:
        page.wait_for_function(READY, timeout=15_000)
    else:
        page.wait_for_load_state("load")
    elapsed = page.evaluate("performance.now()")
    return elapsed, len(calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        context = browser.new_context(base_url=args.url)
        page = context.new_page()
        page.goto("/app/signin/")
        page.get_by_label("Username or e-mail address").fill("owner-trattoria")
        page.get_by_label("Password").fill("panbot-dev-owner-trattoria")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/today/")
        business = page.url.split("/b/")[1].split("/")[0]
        page.goto(f"/app/b/{business}/numbers/")
        number = page.locator("tbody tr a").first.get_attribute("href")
        page.goto(f"/app/b/{business}/menu/")
        item = page.get_by_role("link", name="Edit Margherita").get_attribute("href")
        pages = [
            ("sign-in page (baseline)", "/app/signin/", False),
            ("today", f"/app/b/{business}/today/", True),
            ("numbers", f"/app/b/{business}/numbers/", True),
            ("a number", number, True),
            ("order board", f"/app/b/{business}/board/", True),
            ("menu", f"/app/b/{business}/menu/", True),
            ("a menu item", item, True),
        ]
        results = {}
        for name, path, wait_ready in pages:
            times, counts = [], []
            for _ in range(args.runs):
                fresh = context.new_page()
                elapsed, count = measure(fresh, path, wait_ready)
                times.append(elapsed)
                counts.append(count)
                fresh.close()
            results[name] = (times[0], statistics.median(times[1:] or times), max(counts))
        browser.close()

    base_cold, base_warm, _ = results["sign-in page (baseline)"]
    print(f"{'page':<26} {'cold ms':>8} {'x base':>7} {'warm ms':>8} {'x base':>7} {'round trips':>12}")
    for name, (cold, warm, count) in results.items():
        print(f"{name:<26} {cold:>8.0f} {cold / base_cold:>7.1f} {warm:>8.0f} {warm / base_warm:>7.1f} {count:>12}")


if __name__ == "__main__":
    main()
