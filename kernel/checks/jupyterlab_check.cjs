// Drive JupyterLab in headless Chromium as a person would: open a Rhai notebook, wait for
// the kernel to be idle, run the cell with Shift+Enter and check its output appears.
// Run through jupyterlab_check.sh, which starts JupyterLab and sets LAB_URL.
const { runCheck } = require("./lab_browser.cjs");

const screenshot = process.env.SCREENSHOT || "jupyterlab-check.png";
runCheck({ url: process.env.LAB_URL, screenshot }, async (page) => {
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
});
