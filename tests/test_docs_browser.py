"""/docs in a real headless Chromium: the page loads offline, lists the routes, and a reader can
authorize with a bearer token and try GET /auth/me."""

import shutil

import pytest

from tests.live_server import live_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Debian's chromium is not installed (.ci/install-system-packages installs it)",
    ),
]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser_page():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        external_requests = []
        page.on(
            "request",
            lambda request: (
                external_requests.append(request.url)
                if not request.url.startswith(("http://127.0.0.1", "data:"))
                else None
            ),
        )
        page.external_requests = external_requests
        yield page
        browser.close()


def test_docs_lists_routes_and_tries_auth_me_with_a_token(fresh_database, tmp_path, browser_page):
    page = browser_page
    with live_server(fresh_database, tmp_path) as server:
        token = server.login("admin", "123")
        page.goto(f"{server.base}/docs", wait_until="networkidle")
        page.wait_for_selector(".opblock", timeout=15_000)
        paths = {el.inner_text() for el in page.query_selector_all(".opblock-summary-path")}
        assert {"/auth/me", "/auth/login", "/api/users"} <= {p.replace("\u200b", "") for p in paths}

        page.click("button.authorize")
        page.fill(".modal-ux input", token)
        page.click(".modal-ux button.authorize")
        page.click(".modal-ux button.btn-done")

        operation = page.locator("#operations-auth-get_auth_me")
        operation.locator(".opblock-summary").click()
        operation.locator("button.try-out__btn").click()
        operation.locator("button.execute").click()
        status = operation.locator(".live-responses-table tbody .response-col_status").first
        status.wait_for(timeout=15_000)
        assert status.inner_text().strip() == "200"
        body = operation.locator(".live-responses-table tbody .microlight").first.inner_text()
        assert '"username": "admin"' in body
    assert page.external_requests == []
