"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Playwright's sync API runs an event loop in the test's thread, so Django's async-safety check would
refuse the ORM calls the tests make for set-up; they are plain synchronous code, hence the switch.
"""

import os
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# The personas are defined once, in tests/conftest.py.
from tests.conftest import PASSWORD, _media_in_tmp, _memory_sms, _migration_data, world  # noqa: E402, F401

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_phone(browser, live_server):
    """Opens a fresh phone-sized browser (its own cookies) on the live server."""
    contexts = []

    def open_phone():
        context = browser.new_context(base_url=live_server.url, **PHONE)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in():
    return _sign_in


def _sign_in(page, mobile: str, password: str = PASSWORD) -> None:
    """Through the real form, as a person would."""
    page.goto("/sign-in/")
    form = page.locator("main form")
    form.locator("input[name=mobile]").fill(mobile)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").tap()
    page.wait_for_url(lambda url: "/sign-in/" not in url)
