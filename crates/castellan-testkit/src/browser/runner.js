// Runs one browser test script (see castellan-testkit's browser.rs) in headless Chromium.
const { chromium } = require("playwright-core");
const fs = require("fs");
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
    // The suite runs many tests at once on two cores: give slow moments room before failing.
    page.setDefaultTimeout(60000);
    page.setDefaultNavigationTimeout(60000);
    const helpers = {
      screenshot: (name) =>
        page.screenshot({ path: path.join(process.env.CASTELLAN_SCREENSHOTS, name + ".png"), fullPage: true }),
      // axe-core (npm, next to playwright-core) on the current page, WCAG 2.0/2.1 A and AA rules;
      // `exclude` lists CSS selectors of nodes left out, `strict` rule ids whose "needs review"
      // (incomplete) results count as violations too. Returns the violations, each with its rule
      // id, impact, help and the failing nodes' targets and summaries.
      axe: async (exclude, strict) => {
        const file = path.join(process.env.NODE_PATH, "axe-core", "axe.min.js");
        if (!fs.existsSync(file)) throw new Error(file + " is missing (scripts/test.sh installs axe-core)");
        if (!(await page.evaluate(() => typeof window.axe === "object"))) {
          // The pages' Content-Security-Policy refuses inline scripts, which addScriptTag makes;
          // evaluating the source through the DevTools protocol is not subject to it.
          await page.addScriptTag({ path: file }).catch(() => {});
          if (!(await page.evaluate(() => typeof window.axe === "object"))) {
            await page.evaluate(fs.readFileSync(file, "utf8"));
          }
        }
        return page.evaluate(async ([exclude, strict]) => {
          const context = exclude && exclude.length ? { exclude: exclude.map((s) => [s]) } : document;
          const result = await window.axe.run(context, {
            runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
          });
          const review = result.incomplete.filter((v) => strict.includes(v.id));
          return result.violations.concat(review).map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
          }));
        }, [exclude || [], strict || []]);
      },
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
