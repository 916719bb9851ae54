"""The page's start-up in a real Chromium: an odd browser language does not stop it, and a failure while its modules
load is said on the page instead of "Loading the Python runtime…" for ever."""

import re

from playwright.sync_api import expect

from conftest import READY

CRASHED = re.compile(r'^The page could not start \(.+\)\. Reload it; if this persists, try a recent Chrome, Firefox '
                     r'or Safari\.$')


def test_a_language_that_is_no_language_tag_still_starts(page, site_url):
    """LANG=C makes some browsers report the language "C", on which uPlot's module throws as it loads."""
    page.add_init_script("Object.defineProperty(Navigator.prototype, 'language', { get: () => 'C' })")
    page.goto(site_url)
    expect(page.locator('#status')).to_have_text(READY, timeout=60_000)
    expect(page.locator('#dataset-info')).to_contain_text('4,192 parameters', timeout=30_000)
    assert page.evaluate('navigator.language') == 'en-US'  # spoken instead, as the boot module decides


def test_a_module_that_throws_is_reported(page, site_url):
    broken = ('export class LossChart {} export function smoothed() {} export function colour() {} '
              'throw new Error("a broken chart module");')
    page.route('**/chart.js', lambda route: route.fulfill(body=broken, content_type='text/javascript'))
    page.goto(site_url)
    expect(page.locator('#status')).to_have_text(CRASHED, timeout=30_000)
    expect(page.locator('#status')).to_contain_text('a broken chart module')
    expect(page.locator('#status')).to_have_attribute('data-phase', 'crashed')
    expect(page.locator('#load-hint')).to_have_count(0)


def test_a_missing_module_is_reported(page, site_url):
    page.route('**/panels/names.js', lambda route: route.fulfill(status=404, body='not found'))
    page.goto(site_url)
    expect(page.locator('#status')).to_have_text(CRASHED, timeout=30_000)
