// Runs one browser test script (see castellan-testkit's browser.rs) in headless Chromium.
const { chromium } = require("playwright-core");
const path = require("path");

(async () => {
  const args = JSON.parse(process.env.CASTELLAN_ARGS || "{}");
  const browser = await chromium.launch({
    executablePath: process.env.CASTELLAN_CHROMIUM,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  let code = 0;
  try {
    const context = await browser.newContext({ javaScriptEnabled: args.javascript !== false });
    const page = await context.newPage();
    const helpers = {
      screenshot: (name) =>
        page.screenshot({ path: path.join(process.env.CASTELLAN_SCREENSHOTS, name + ".png"), fullPage: true }),
    };
    const test = async (page, args, helpers) => {
/*SCRIPT*/
    };
    const result = await test(page, args, helpers);
    process.stdout.write("\n" + JSON.stringify(result === undefined ? null : result) + "\n");
  } catch (e) {
    console.error(e && e.stack ? e.stack : String(e));
    code = 1;
  } finally {
    await browser.close();
  }
  process.exit(code);
})();
