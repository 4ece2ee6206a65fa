// Drive JupyterLab in headless Chromium as a person would: open a Rhai notebook, wait for
// the kernel to be idle, run the cell with Shift+Enter and check its output appears.
// Run through jupyterlab_check.sh, which starts JupyterLab and sets LAB_URL.
const { chromium } = require(process.env.PLAYWRIGHT_CORE || "playwright-core");

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run",
    ],
  });
  const page = await browser.newPage();
  try {
    await page.goto(process.env.LAB_URL, { timeout: 60000 });
    // The status bar names the kernel and its state once it is really connected.
    await page.getByText(/Rhai \(Ladder\) \| Idle/).waitFor({ timeout: 60000 });
    await page.locator(".jp-Cell .cm-content").first().click();
    await page.keyboard.press("Shift+Enter");
    const output = page.locator(".jp-OutputArea-output");
    await output.filter({ hasText: "hello from rhai" }).first().waitFor({ timeout: 30000 });
    await output.filter({ hasText: "42" }).first().waitFor({ timeout: 30000 });
    const texts = await output.allInnerTexts();
    console.log("cell outputs:", JSON.stringify(texts));
    console.log("JupyterLab check passed");
  } catch (error) {
    await page.screenshot({ path: process.env.SCREENSHOT || "jupyterlab-check.png" });
    throw error;
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
