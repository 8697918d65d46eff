// Drives the dashboard in headless Chromium against a running API (started by DashboardBrowserIT):
// key entry, model ready, restart with confirmation and its 202, generation and routing-table
// version going up together, log lines of the new generation arriving, a read-only key without
// buttons, and a screenshot. Exits 1 with the reason on the first failed expectation.
import { chromium } from "playwright-core";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error("missing environment variable " + name);
  return v;
};
const BASE = env("BASE_URL");
const MODEL = env("MODEL");
const OPERATE_KEY = env("OPERATE_KEY");
const READ_KEY = env("READ_KEY");
const SCREENSHOT = env("SCREENSHOT");
const TIMEOUT = 60_000;

const log = (...a) => console.log("[dashboard-test]", ...a);
const row = `tr[data-model="${MODEL}"]`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
let page;
const failures = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on("pageerror", (e) => failures.push("page error: " + e.message));
  page.on("console", (m) => {
    // the first call without a key is answered 401 on purpose
    if (m.type() === "error" && !m.text().includes("status of 401")) failures.push("console error: " + m.text());
  });
  page.setDefaultTimeout(TIMEOUT);

  // the API has keys: the page asks for one and keeps it in the tab's session storage
  await page.goto(BASE + "/ui");
  await page.locator("#key-form").waitFor({ state: "visible" });
  await page.fill("#key-input", OPERATE_KEY);
  await page.click('#key-form button[type="submit"]');
  await page.locator("#whoami", { hasText: "operate" }).waitFor();
  log("key accepted, role operate");

  await page.locator(`${row} [data-testid="state"]`, { hasText: /^ready$/ }).waitFor();
  await page.locator(`${row} [data-testid="generation"]`, { hasText: /^\d+$/ }).waitFor();
  // the memory panel shows the budget per device, or says there is none
  await page.locator('[data-testid="memory-none"], [data-testid="memory-device"]').first().waitFor();
  log("memory:", await page.locator("#memory").innerText());
  const genBefore = Number(await page.locator(`${row} [data-testid="generation"]`).innerText());
  const versionBefore = routesVersion(await page.locator("#routes-version").innerText());
  log("ready: generation", genBefore, "routes version", versionBefore);
  if (!(genBefore >= 1)) throw new Error("no serving generation shown: " + genBefore);

  // the model view with its live log tail
  await page.click(`${row} td:first-child`);
  await page.locator("#model-title", { hasText: MODEL }).waitFor();
  await page.waitForFunction(() => document.querySelector("#model-logs").textContent.includes("listening on"));
  await page.locator("#log-status", { hasText: "live" }).waitFor();
  log("log tail shows the running generation");

  // restart: confirmation dialog, then the 202 answer
  await page.click(`${row} button[data-action="restart"]`);
  await page.locator("#confirm[open]").waitFor();
  const question = await page.locator("#confirm-text").innerText();
  if (!question.includes("blue-green")) throw new Error("unexpected confirmation: " + question);
  await page.click("#confirm-ok");
  await page.locator('[data-testid="action-status"]', { hasText: "202 Accepted" }).waitFor();
  log("202:", await page.locator('[data-testid="action-message"]').innerText());

  // the new generation's load shows its progress: elapsed against the startup deadline
  const progress = page.locator("#model-progress-text", { hasText: /generation \d+: loading \d+ s of \d+ (s|min)/ });
  await progress.waitFor();
  log("progress:", await progress.innerText());

  // the generation goes up with the routing-table version, without a reload
  await page.waitForFunction(
    ([sel, gen, version]) => {
      const g = Number(document.querySelector(sel + ' [data-testid="generation"]')?.textContent);
      const v = Number(document.querySelector("#routes-version").textContent.replace(/\D+/g, ""));
      return g > gen && v > version;
    },
    [row, genBefore, versionBefore],
  );
  const genAfter = Number(await page.locator(`${row} [data-testid="generation"]`).innerText());
  const versionAfter = routesVersion(await page.locator("#routes-version").innerText());
  log("after restart: generation", genAfter, "routes version", versionAfter);

  // log lines of the new generation arrive in the open tail (its own port in "listening on")
  const newPort = await page.evaluate(
    ([sel]) => document.querySelector(sel + " td:nth-child(4)").textContent.trim(),
    [row],
  );
  await page.waitForFunction(
    (port) => document.querySelector("#model-logs").textContent.includes("listening on http://127.0.0.1:" + port),
    newPort,
  );
  log("log tail shows generation", genAfter, "listening on port", newPort);

  // the event list saw the swap
  await page.locator("#events li", { hasText: "rollout done" }).first().waitFor();
  await page.locator(`${row} [data-testid="state"]`, { hasText: /^ready$/ }).waitFor();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: SCREENSHOT });
  log("screenshot", SCREENSHOT);

  // a read-only key: the same page without action buttons
  const viewer = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  await viewer.goto(BASE + "/ui");
  await viewer.fill("#key-input", READ_KEY);
  await viewer.click('#key-form button[type="submit"]');
  await viewer.locator("#whoami", { hasText: "read" }).waitFor();
  await viewer.locator(`${row} [data-testid="state"]`).waitFor();
  if (await viewer.locator(`${row} button[data-action="restart"]`).isVisible()) {
    throw new Error("a read-only key sees the restart button");
  }
  log("read-only key: no action buttons");

  if (failures.length) throw new Error(failures.join("\n"));
  log("PASS");
} catch (e) {
  console.error("[dashboard-test] FAIL:", e.message);
  for (const f of failures) console.error("[dashboard-test]", f);
  if (page) {
    await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, "-failed.png"), fullPage: true }).catch(() => {});
    const text = await page.evaluate(() => document.body.innerText).catch(() => "");
    console.error("[dashboard-test] page text:\n" + text);
  }
  process.exitCode = 1;
} finally {
  await browser.close();
}

function routesVersion(text) {
  return Number(text.replace(/\D+/g, ""));
}
