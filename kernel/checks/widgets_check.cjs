// JupyterLab with jupyterlab_widgets, in headless Chromium: run a Rhai cell that shows a
// slider and a chart made by `interact`, drag the slider, and check that the chart's image
// changes and that Rhai reads the slider's new value. Run through jupyterlab_check.sh
// (CHECK=widgets), which starts JupyterLab and sets LAB_URL.
const { runCheck } = require("./lab_browser.cjs");

// The status bar names the kernel and its state only once it is really connected.
async function openNotebook(page) {
  await page.getByText(/Rhai \(Ladder\) \| Idle/).waitFor({ timeout: 60000 });
}

async function chartSource(page) {
  return page.locator(".widget-output img").first().getAttribute("src", { timeout: 30000 });
}

async function check(page) {
  await openNotebook(page);
  await page.locator(".jp-Cell .cm-content").first().click();
  await page.keyboard.press("Shift+Enter");

  const handle = page.locator(".widget-slider .noUi-handle").first();
  await handle.waitFor({ timeout: 30000 });
  const before = await chartSource(page);
  const readout = page.locator(".widget-readout").first();
  const start = parseFloat((await readout.innerText()).trim());

  // Drag the handle to the right, as a person would.
  const box = await handle.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2, { steps: 10 });
  await page.mouse.up();
  const moved = parseFloat((await readout.innerText()).trim());
  if (!(moved > start)) throw new Error(`the slider did not move: ${start} -> ${moved}`);

  const deadline = Date.now() + 30000;
  let after = before;
  while (after === before && Date.now() < deadline) {
    await page.waitForTimeout(200);
    after = await chartSource(page);
  }
  if (after === before) throw new Error("the chart did not change after the slider moved");
  console.log(`slider moved ${start} -> ${moved}; the chart's image changed`);
  await page.screenshot({ path: screenshot });

  await page.locator(".jp-Cell .cm-content").nth(1).click();
  await page.keyboard.press("Shift+Enter");
  const printed = page.locator(".jp-OutputArea-output").filter({ hasText: /^T = / });
  await printed.first().waitFor({ timeout: 30000 });
  const text = (await printed.first().innerText()).trim();
  if (parseFloat(text.replace("T = ", "")) !== moved) {
    throw new Error(`Rhai reads ${text}, the slider shows ${moved}`);
  }
  console.log(`Rhai reads ${text}`);

  // A reloaded page asks the kernel for its widgets again and shows them as they were.
  await page.keyboard.press("Control+s");
  await page.waitForTimeout(1500);
  await page.reload();
  await openNotebook(page);
  const restored = page.locator(".widget-readout").first();
  await restored.waitFor({ timeout: 30000 });
  const shown = parseFloat((await restored.innerText()).trim());
  if (shown !== moved) throw new Error(`after a reload the slider shows ${shown}, not ${moved}`);
  await page.locator(".widget-output img").first().waitFor({ timeout: 30000 });
  console.log(`after a reload the slider shows ${shown} and the chart is back`);
  console.log("JupyterLab widgets check passed");
}

const screenshot = process.env.SCREENSHOT || "widgets-lab.png";
runCheck({ url: process.env.LAB_URL, viewport: { width: 1100, height: 800 }, screenshot }, check);
