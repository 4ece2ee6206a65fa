// Shared by the browser checks: open a page in headless Chromium, run the check on it, and
// save a screenshot when the check fails (a passing check takes its own). Exits 1 on failure.
const { chromium } = require(process.env.PLAYWRIGHT_CORE || "playwright-core");

async function withPage({ url, viewport, screenshot, fullPage }, check) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run",
    ],
  });
  const page = await browser.newPage(viewport ? { viewport } : {});
  try {
    await page.goto(url, { timeout: 60000 });
    await check(page);
  } catch (error) {
    await page.screenshot({ path: screenshot, fullPage: Boolean(fullPage) });
    throw error;
  } finally {
    await browser.close();
  }
}

function runCheck(options, check) {
  withPage(options, check).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

module.exports = { runCheck };
