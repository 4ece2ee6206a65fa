// Drive JupyterLab in headless Chromium as a person would: open a Rhai notebook, wait for
// the kernel to be idle, run the cell with Shift+Enter and check its output appears.
// Run through jupyterlab_check.sh, which starts JupyterLab and sets LAB_URL. Other checks
// (widgets_check.cjs) reuse `launch` and `openNotebook`.
const { chromium } = require(process.env.PLAYWRIGHT_CORE || "playwright-core");

function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run",
    ],
  });
}

// Open the notebook and wait until the status bar names the kernel and its state: only
// then is the kernel really connected (the toolbar says idle before).
async function openNotebook(page) {
  if (page.url() !== process.env.LAB_URL) await page.goto(process.env.LAB_URL, { timeout: 60000 });
  await page.getByText(/Rhai \(Ladder\) \| Idle/).waitFor({ timeout: 60000 });
}

// Run `check(page)`; on failure keep a screenshot of the page.
async function withPage(check, viewport) {
  const browser = await launch();
  const page = await browser.newPage(viewport ? { viewport } : {});
  try {
    await check(page);
  } catch (error) {
    await page.screenshot({ path: process.env.SCREENSHOT || "jupyterlab-check.png" });
    throw error;
  } finally {
    await browser.close();
  }
}

async function main(page) {
  await openNotebook(page);
  await page.locator(".jp-Cell .cm-content").first().click();
  await page.keyboard.press("Shift+Enter");
  const output = page.locator(".jp-OutputArea-output");
  await output.filter({ hasText: "hello from rhai" }).first().waitFor({ timeout: 30000 });
  await output.filter({ hasText: "42" }).first().waitFor({ timeout: 30000 });
  const texts = await output.allInnerTexts();
  console.log("cell outputs:", JSON.stringify(texts));
  console.log("JupyterLab check passed");
}

module.exports = { launch, openNotebook, withPage };

if (require.main === module) {
  withPage(main).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
