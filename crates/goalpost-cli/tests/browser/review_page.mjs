// Drives a real headless Chromium over one review page (crates/goalpost-cli/tests/it/browser.rs
// runs it). Usage:
//   node review_page.mjs PAGE.html SCREENSHOT.png PROFILE_DIR
// with PLAYWRIGHT_CORE naming the playwright-core package directory and CHROMIUM the browser.
// Prints one line per check; exits 1 on the first failed check, 0 when every check holds.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [page_path, shot, profile] = process.argv.slice(2);
const require = createRequire(process.env.PLAYWRIGHT_CORE + "/");
const { chromium } = require(process.env.PLAYWRIGHT_CORE);

let reported = false;
function check(ok, what) {
  if (!ok) {
    console.log(`FAIL ${what}`);
    reported = true;
    throw new Error(what);
  }
  console.log(`ok   ${what}`);
}

const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM,
  headless: true,
  viewport: { width: 1200, height: 900 },
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
let code = 0;
try {
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  const dialogs = [];
  page.on("console", (m) => {
    if (m.type() === "error" || /Content Security Policy|Refused to/i.test(m.text())) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("dialog", async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  // Counts CSP violations from before the page's first byte (CDP injects this; the page's own
  // CSP does not apply to it).
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  await page.goto(pathToFileURL(page_path).href, { waitUntil: "load" });
  await page.waitForTimeout(300);

  // The objective is on the page, above the criteria, the change log and the steps.
  const objective = page.locator("p.objective");
  check(await objective.isVisible(), "the objective is visible");
  check((await objective.innerText()).includes("greet the\nperson by name") || (await objective.innerText()).includes("greet the person by name"), "the objective's text is shown");
  const order = await page.evaluate(() => {
    const y = (sel) => document.querySelector(sel)?.getBoundingClientRect().top ?? -1;
    return [y("p.objective"), y("#criteria"), y("#changes"), y("#steps"), y("#final-diff")];
  });
  check(order.every((v, i) => v >= 0 && (i === 0 || v > order[i - 1])), `objective, criteria, change log, steps, final diff in that order (${order.map(Math.round)})`);

  // A step neither cited nor out of scope is closed: its output hidden until its summary is clicked.
  const closed = page
    .locator("ol.steps > li.step:not(.cited):not(.first-out-of-scope)")
    .filter({ hasText: "pytest" })
    .filter({ has: page.locator("pre") })
    .first();
  check((await closed.count()) === 1, "a collapsed step with output exists");
  const pre = closed.locator("pre").first();
  check(!(await pre.isVisible()), "its output is hidden before its summary is clicked");
  await closed.locator("summary").first().click();
  check(await pre.isVisible(), "its output is visible after the click");
  check((await closed.innerText()).includes("more line(s) not shown"), "a long output says how many lines it left out");

  // The cited step is open by default.
  const cited = page.locator("ol.steps > li.cited").first();
  check((await cited.count()) === 1, "a cited step exists");
  check(await cited.locator("details").first().evaluate((d) => d.open), "the cited step is open by default");
  check(await cited.locator("pre").first().isVisible(), "the cited step's output is visible without a click");
  // Its evidence link goes to it.
  const id = await cited.getAttribute("id");
  check((await page.locator(`ul.criteria a[href="#${id}"]`).count()) >= 1, `the failed criterion links to ${id}`);

  // Hostile text from the trajectory is text: shown, never run.
  const text = await page.evaluate(() => document.body.innerText);
  check(text.includes("<script>alert(1)</script>"), "the script tag from the trajectory is shown as text");
  check(text.includes("<img src=x onerror=alert(2)>"), "the img tag from the trajectory is shown as text");
  check(text.includes("\\u{202e}gnp.exe") && !text.includes("\u202e"), "the right-to-left override is shown escaped, not applied");
  check((await page.locator("script").count()) === 0 && (await page.locator("body img").count()) === 0, "no script or img element on the page");
  check(dialogs.length === 0, `no dialog opened (${dialogs})`);

  const violations = await page.evaluate(() => window.__violations);
  check(violations.length === 0, `no CSP violation (${violations})`);
  check(errors.length === 0, `no console error (${errors})`);

  await page.screenshot({ path: shot, fullPage: true });
  check(true, `screenshot at ${shot}`);
} catch (e) {
  if (!reported) console.log(`FAIL ${e.stack ?? e}`);
  code = 1;
} finally {
  await context.close();
}
process.exit(code);
