// JupyterLab's debugger on a Rhai cell, driven as a person would in headless Chromium:
// turn the debugger on, click the gutter of the cell's second line to set a breakpoint,
// run the cell, see the call stack and variables of the stopped frame, step over a line,
// and continue to the cell's output. Saves a screenshot of the stopped frame.
// Run through debugger_lab_check.sh, which starts JupyterLab and sets LAB_URL.
const { runCheck } = require("./lab_browser.cjs");

const screenshot = process.env.SCREENSHOT || "debugger-lab-check.png";
const viewport = { width: 1400, height: 900 };
runCheck({ url: process.env.LAB_URL, viewport, screenshot }, async (page) => {
  await page.getByText(/Rhai \(Ladder\) \| Idle/).waitFor({ timeout: 60000 });
  // The bug button appears only for a kernel whose kernel_info says `debugger: true`.
  const bug = page.locator(".jp-DebuggerBugButton").first();
  await bug.waitFor({ timeout: 30000 });
  // A click before the notebook's kernel connection settles may be lost: click until on.
  const on = page.locator(".jp-DebuggerBugButton[aria-pressed='true']").first();
  for (let attempt = 0; attempt < 6 && !(await on.isVisible()); attempt++) {
    await bug.click();
    await on.waitFor({ timeout: 5000 }).catch(() => {});
  }
  await on.waitFor({ timeout: 1000 });
  // Open the debugger's side panel (call stack, variables, breakpoints).
  if (!(await page.locator(".jp-DebuggerVariables").first().isVisible())) {
    await page.locator(".jp-SideBar.jp-mod-right .lm-TabBar-tab[data-id='jp-debugger-sidebar']").click();
  }
  await page.locator(".jp-DebuggerVariables").first().waitFor({ timeout: 30000 });
  // The panel names the notebook once its debugging session is up; gutter clicks before that
  // are ignored.
  await page.locator("#jp-debugger-sidebar").getByText("debug.ipynb").first().waitFor({ timeout: 30000 });

  // A breakpoint on line 2: a click in the breakpoint gutter, level with that line.
  const cell = page.locator(".jp-Cell").first();
  await cell.locator(".cm-content").click();
  const gutter = await cell.locator(".cm-gutter.cm-breakpoint-gutter").first().boundingBox();
  const line = await cell.locator(".cm-line").nth(1).boundingBox();
  await page.mouse.click(gutter.x + gutter.width / 2, line.y + line.height / 2);
  // The gutter's first element is a hidden spacer holding an icon too: the marker is next.
  await cell.locator(".cm-gutter.cm-breakpoint-gutter .cm-breakpoint-icon").nth(1).waitFor({ timeout: 30000 });

  await page.keyboard.press("Control+Enter");
  const frames = page.locator(".jp-DebuggerCallstackFrame");
  await frames.first().waitFor({ timeout: 30000 });
  // The call stack is drawn anew at each stop: wait for a frame at the line, not on an element.
  const atLine = (n) => page.locator(".jp-DebuggerCallstackFrame-location", { hasText: new RegExp(`:${n}$`) }).first();
  await atLine(2).waitFor({ timeout: 30000 });
  const variables = page.locator(".jp-DebuggerVariables");
  await variables.getByText("weak", { exact: true }).first().waitFor({ timeout: 30000 });
  console.log("stopped at", await atLine(2).innerText(), "in", await frames.first().locator(".jp-DebuggerCallstackFrame-name").innerText());
  await page.screenshot({ path: screenshot });

  // Step over line 2: the frame moves to line 3 and `strong` appears.
  await page.locator("[data-command='debugger:next']").first().click();
  await atLine(3).waitFor({ timeout: 30000 });
  await variables.getByText("strong", { exact: true }).first().waitFor({ timeout: 30000 });
  console.log("stepped to", await atLine(3).innerText());

  await page.locator("[data-command='debugger:continue']").first().click();
  const output = page.locator(".jp-OutputArea-output");
  await output.filter({ hasText: "gap 0.25" }).first().waitFor({ timeout: 30000 });
  console.log("cell output:", JSON.stringify(await output.allInnerTexts()));
  console.log(`debugger check passed; screenshot ${screenshot}`);
});
