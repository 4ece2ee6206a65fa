// Open an HTML report from `ladder run --html` in headless Chromium and check that the PGR
// formula is drawn as MathML: a <math> element (a MathMLElement, so the browser knows it)
// holding a fraction, visible, with a real size. Also: no `$$` left in the page's text and
// the source line of the `remove-input` cell (HIDDEN_SOURCE) not shown. Saves screenshots.
// Run through report_math_check.sh, which writes the report.
const { chromium } = require(process.env.PLAYWRIGHT_CORE || "playwright-core");

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run",
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
  const shot = process.env.SCREENSHOT;
  try {
    await page.goto(process.env.REPORT_URL, { timeout: 60000 });
    const found = await page.evaluate(() => {
      const maths = [...document.querySelectorAll("math")];
      const pgr = maths.find((m) =>
        (m.querySelector("annotation")?.textContent || "").includes("\\mathrm{PGR}"));
      if (!pgr) return { maths: maths.length };
      pgr.scrollIntoView({ block: "center" });
      const box = pgr.getBoundingClientRect();
      const frac = pgr.querySelector("mfrac")?.getBoundingClientRect();
      const line = parseFloat(getComputedStyle(pgr.closest("p") || document.body).lineHeight) || 24;
      return {
        maths: maths.length,
        mathml: typeof MathMLElement !== "undefined" && pgr instanceof MathMLElement,
        display: pgr.getAttribute("display"),
        visible: pgr.checkVisibility ? pgr.checkVisibility() : true,
        width: box.width,
        height: box.height,
        fracHeight: frac ? frac.height : 0,
        line,
      };
    });
    console.log("PGR formula:", JSON.stringify(found));
    if (found.width === undefined) throw new Error(`no <math> holds the PGR formula (${found.maths} <math> elements)`);
    if (!found.mathml) throw new Error("the PGR <math> is not a MathMLElement: the browser does not draw it as math");
    if (!found.visible || found.width < 100 || found.height < 20)
      throw new Error(`the PGR formula is not visible with a real size (${found.width}x${found.height})`);
    if (found.fracHeight <= found.line * 0.9)
      throw new Error(`the PGR fraction is no taller than a line of text (${found.fracHeight} <= ${found.line})`);
    const text = await page.evaluate(() => document.body.innerText);
    if (text.includes("$$")) throw new Error("`$$` is left in the report's text: some math was not rendered");
    const sources = await page.locator("pre.source").allInnerTexts();
    const hidden = (process.env.HIDDEN_SOURCE || "").trim();
    if (!hidden) throw new Error("HIDDEN_SOURCE is empty");
    if (sources.some((s) => s.includes(hidden)))
      throw new Error(`the remove-input cell's source is shown: ${hidden}`);
    const pgr = page.locator("math", { has: page.locator("annotation", { hasText: "\\mathrm{PGR}" }) });
    await pgr.first().screenshot({ path: shot.replace(/(\.png)?$/, "-formula.png") });
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`report check passed: the PGR formula is visible MathML (${found.width}x${found.height}), `
      + `the tagged input is hidden; screenshots ${shot} and its -formula.png`);
  } catch (error) {
    await page.screenshot({ path: shot, fullPage: true });
    throw error;
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
