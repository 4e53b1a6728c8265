// The evidence report in a real headless Chromium (Debian's, driven by playwright-core): it
// renders, requests nothing but the file itself, logs no console error, runs none of the markup
// the evidence carries, and shows the key facts. Without Chromium this fails, never skips:
// .ci/run installs it.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "chai";
import { chromium, type BrowserContext } from "playwright-core";
import { writeReport } from "../../automation/report/cli";
import { HOSTILE_AGENT, labEvidence } from "../support/lab-evidence";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = path.join(os.tmpdir(), "trail-lab-report.png");

describe("automation/report: the evidence report in headless Chromium", function () {
  this.timeout(60_000);
  let dir: string;
  let context: BrowserContext;

  before(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`Chromium is missing at ${CHROMIUM}: install Debian's package (apt-get update && apt-get install -y chromium), as .ci/run does.`);
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-chromium-"));
    context = await chromium.launchPersistentContext(path.join(dir, "profile"), {
      executablePath: CHROMIUM,
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
      ["CloudTrail.3", "PASS"],
      ["CloudTrail.4", "PASS"],
      ["CloudTrail.5", "FAIL"],
      ["CloudTrail.6", "PASS"],
      ["CloudTrail.7", "PASS"],
      ["S3.1", "N/A"],
      ["S3.4", "PASS"],
      ["S3.5", "PASS"],
      ["S3.8", "PASS"],
      ["S3.9", "PASS"],
      ["S3.12", "PASS"],
      ["S3.14", "PASS"],
    ]);
    // Styled as meant: the inline stylesheet applied (a failing control's badge is red on pink).
    const background = await page.evaluate(`getComputedStyle(document.querySelector("tr:has(td.id) .badge.bad")).backgroundColor`);
    expect(background).to.equal("rgb(251, 224, 222)");
    await page.close();
  });
});
