// The evidence report in a real headless Chromium (driven by playwright-core): it renders,
// requests nothing but the file itself, logs no console error, runs none of the markup the evidence
// carries, and shows the key facts. The browser is found by test/support/browser.ts: CHROMIUM_PATH,
// the system's Chromium or Chrome, else the one inside the @sparticuz/chromium devDependency. Never
// skipped: with the system's browser hidden, the report still renders in the registry's.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "chai";
import { chromium, type BrowserContext } from "playwright-core";
import { writeReport } from "../../automation/report/cli";
import { BROWSER_NAMES, BrowserNotFoundError, findBrowser, standardBrowserPaths, type Browser } from "../support/browser";
import { HOSTILE_AGENT, labEvidence } from "../support/lab-evidence";

const SCREENSHOT = path.join(os.tmpdir(), "trail-lab-report.png");

/** PATH without the folders that hold a browser by one of the names the finder looks for. */
function pathWithoutBrowsers(): string {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => dir && !BROWSER_NAMES.some((name) => fs.existsSync(path.join(dir, name))))
    .join(path.delimiter);
}

function reportInChromium(title: string, find: () => Promise<Browser>, check: (browser: Browser) => void = () => {}) {
  describe(title, function () {
    // Generous: the first run unpacks the registry's Chromium into the cache folder.
    this.timeout(360_000);
    let dir: string;
    let context: BrowserContext;

    before(async () => {
      const browser = await find();
      check(browser);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-chromium-"));
      context = await chromium.launchPersistentContext(path.join(dir, "profile"), {
        executablePath: browser.executablePath,
        env: { ...process.env, ...browser.env },
        headless: true,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        viewport: { width: 1200, height: 900 },
      });
    });
    after(async () => {
      await context?.close();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("renders from file:// with no other request, no console error, the evidence's markup inert, and the key facts on screen", async () => {
      const evidence = labEvidence({ hostile: true });
      const file = writeReport(evidence, path.join(dir, "run", "report.html"));
      const url = pathToFileURL(file).href;
      const page = await context.newPage();
      const requests: string[] = [];
      const problems: string[] = [];
      page.on("request", (request) => requests.push(request.url()));
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(error.message));
      page.on("dialog", (dialog) => {
        problems.push(`dialog: ${dialog.message()}`);
        void dialog.dismiss();
      });

      await page.goto(url, { waitUntil: "load" });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      expect(requests).to.deep.equal([url]);
      expect(problems).to.deep.equal([]);
      expect(await page.title()).to.equal(`trail-lab evidence: ${evidence.stack}`);
      expect(await page.locator("script, img").count()).to.equal(0);
      const record = JSON.parse(await page.locator("#record").innerText());
      expect(record.userAgent).to.equal(HOSTILE_AGENT);

      const body = await page.locator("body").innerText();
      expect(body).to.include("VERIFIED");
      expect(body).to.include(evidence.verify!.s3.eventId!);
      expect(body).to.include(`s3://${evidence.verify!.trail.bucket}/${evidence.verify!.s3.key}`);
      const ids = await page.locator("tr:has(td.id) td.id").allInnerTexts();
      const statuses = await page.locator("tr:has(td.id) td:nth-child(3)").allInnerTexts();
      expect(ids.map((id, i) => [id, statuses[i]])).to.deep.equal([
        ["CloudTrail.1", "PASS"],
        ["CloudTrail.2", "FAIL"],
        ["CloudTrail.5", "FAIL"],
        ["S3.1", "N/A"],
        ["S3.5", "PASS"],
      ]);
      // Styled as meant: the inline stylesheet applied (a failing control's badge is red on pink).
      const background = await page.evaluate(`getComputedStyle(document.querySelector("tr:has(td.id) .badge.bad")).backgroundColor`);
      expect(background).to.equal("rgb(251, 224, 222)");
      await page.close();
    });
  });
}

reportInChromium("automation/report: the evidence report in headless Chromium", () => findBrowser());

reportInChromium(
  "automation/report: the evidence report in the registry's Chromium, with the system's browser hidden",
  () => findBrowser({ env: { PATH: pathWithoutBrowsers(), HOME: process.env.HOME, TRAIL_LAB_CACHE: process.env.TRAIL_LAB_CACHE }, standardPaths: [] }),
  (browser) => expect(browser.source).to.match(/^@sparticuz\/chromium /),
);

describe("test/support/browser: finding a Chromium", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-find-browser-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A stand-in executable: the finder only looks, it never starts one. */
  function executable(...parts: string[]): string {
    const file = path.join(dir, ...parts);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    return file;
  }

  it("takes CHROMIUM_PATH first, before a browser on PATH and at a standard path", async () => {
    const chosen = executable("chosen", "my-chrome");
    executable("bin", "chromium");
    const standard = executable("opt", "chrome");
    const found = await findBrowser({ env: { CHROMIUM_PATH: chosen, PATH: path.join(dir, "bin") }, standardPaths: [standard] });
    expect(found).to.deep.equal({ executablePath: chosen, source: "CHROMIUM_PATH", env: {} });
  });

  it("refuses a CHROMIUM_PATH that is not an executable file, naming it, rather than look elsewhere", async () => {
    executable("bin", "chromium");
    const missing = path.join(dir, "no-such-chrome");
    const error = await findBrowser({ env: { CHROMIUM_PATH: missing, PATH: path.join(dir, "bin") }, standardPaths: [] }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).to.be.instanceOf(BrowserNotFoundError);
    expect((error as Error).message).to.contain(`CHROMIUM_PATH=${missing} is not an executable file`);
  });

  it("takes a chromium or chrome on PATH, in the order of BROWSER_NAMES, before the standard paths", async () => {
    executable("a", "google-chrome");
    const chromiumBin = executable("b", "chromium");
    const standard = executable("opt", "chrome");
    const found = await findBrowser({ env: { PATH: [path.join(dir, "a"), path.join(dir, "b")].join(path.delimiter) }, standardPaths: [standard] });
    expect(found).to.deep.equal({ executablePath: chromiumBin, source: "chromium on PATH", env: {} });
  });

  it("takes the first standard path that holds an executable when PATH has none, skipping a file that is not executable", async () => {
    const plain = path.join(dir, "usr", "bin", "chromium");
    fs.mkdirSync(path.dirname(plain), { recursive: true });
    fs.writeFileSync(plain, "not a program", { mode: 0o644 });
    const app = executable("Applications", "Google Chrome.app", "Contents", "MacOS", "Google Chrome");
    const found = await findBrowser({ env: { PATH: path.join(dir, "empty") }, standardPaths: [path.join(dir, "nowhere"), plain, app] });
    expect(found).to.deep.equal({ executablePath: app, source: app, env: {} });
  });

  it("knows Debian's, Ubuntu's, Google's and macOS's install paths", () => {
    const paths = standardBrowserPaths({ HOME: "/Users/lab" });
    expect(paths).to.include.members([
      "/usr/bin/chromium",
      "/snap/bin/chromium",
      "/opt/google/chrome/chrome",
      "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
      "/Users/lab/Applications/Chromium.app/Contents/MacOS/Chromium",
    ]);
  });
});
