// Open an executed notebook of charts in JupyterLab (headless Chromium) and check every
// chart is shown: each output image must have loaded with a real size. Saves a screenshot.
// Run through plot_lab_check.sh, which executes the notebook and starts JupyterLab.
const { runCheck } = require("../../kernel/checks/lab_browser.cjs");

const expected = Number(process.env.EXPECTED_IMAGES || 1);
const options = {
  url: process.env.LAB_URL,
  viewport: { width: 1200, height: 2600 },
  screenshot: process.env.SCREENSHOT,
  fullPage: true,
};
runCheck(options, async (page) => {
  const images = page.locator(".jp-OutputArea-output img");
  await images.nth(expected - 1).waitFor({ timeout: 60000 });
  // Let JupyterLab lay out every cell (it renders lazily), then check each image.
  await page.evaluate(() => document.querySelectorAll(".jp-Cell").forEach((c) => c.scrollIntoView()));
  await page.waitForTimeout(1000);
  const sizes = await images.evaluateAll((els) =>
    els.map((e) => ({ complete: e.complete, w: e.naturalWidth, h: e.naturalHeight })));
  console.log("images:", JSON.stringify(sizes));
  const shown = sizes.filter((s) => s.complete && s.w >= 300 && s.h >= 200).length;
  if (shown < expected) throw new Error(`only ${shown} of ${expected} charts are visible`);
  await page.evaluate(() => document.querySelector(".jp-Cell")?.scrollIntoView());
  await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  console.log(`plot check passed: ${shown} charts visible; screenshot ${process.env.SCREENSHOT}`);
});
