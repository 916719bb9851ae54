// Firefox for the page's smoke tests (tests/engines.py): Puppeteer drives it over WebDriver BiDi, as Firefox ships
// it (no patched build, no geckodriver). One request per line on stdin, `{"method": ..., "args": [...]}`, and one
// reply per line on stdout, `{"value": ...}` or `{"error": "..."}`.
// Usage: node tests/firefox_bridge.mjs /usr/bin/firefox-esr
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

const puppeteer = createRequire(new URL('../web/package.json', import.meta.url))('puppeteer-core');

const browser = await puppeteer.launch({ browser: 'firefox', executablePath: process.argv[2], headless: true });
/** @type {import('puppeteer-core').Page} */
let page;
let errors = [];

const methods = {
  version: () => browser.version(),
  /** A new tab in a context of its own: no storage, service worker or cache of an earlier test. */
  async newTab() {
    await page?.browserContext().close();
    page = await (await browser.createBrowserContext()).newPage();
    errors = [];
    page.on('pageerror', (error) => errors.push(String(error?.message ?? error)));
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  },
  goto: (url) => page.goto(url),
  /** The body of a function, called with `args` as its `arguments` (as WebDriver's Execute Script does). */
  evaluate: (body, args) => page.evaluate(`(function () { ${body} }).apply(null, ${JSON.stringify(args)})`),
  click: (selector) => page.click(selector),
  fill: (selector, text) => page.locator(selector).fill(text),
  upload: async (selector, path) => (await page.$(selector)).uploadFile(path),
  errors: () => errors,
};

for await (const line of createInterface({ input: process.stdin })) {
  const { method, args } = JSON.parse(line);
  let reply;
  try {
    reply = { value: (await methods[method](...args)) ?? null };
  } catch (error) {
    reply = { error: String(error?.message ?? error) };
  }
  process.stdout.write(`${JSON.stringify(reply)}\n`);
}
await browser.close();
