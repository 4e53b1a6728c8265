// The evidence report in a real headless Chromium, for each way a run ends (verified, not verified,
// a failed up, a failed cleanup) and for evidence carrying markup: rendered by `npm run report`'s
// own entry from an evidence.json on disk, it requests nothing but the file itself, logs no console
// error, runs none of the markup, shows each view's key values, draws the timeline's moments in
// time order with no label over another, and cannot fetch even when asked to. A full-page
// screenshot of each is written for a person to look at; the test prints where. The browser is
// found by test/support/browser.ts (CHROMIUM_PATH, the system's Chromium or Chrome, else the one
// inside the @sparticuz/chromium devDependency). Never skipped: with the system's browser hidden,
// the report still renders in the registry's.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "chai";
import type { Page } from "playwright-core";
import type { LabReport } from "../../../automation/evidence";
import { main } from "../../../automation/report/cli";
import { rejection } from "../../support/rejection";
import {
  BROWSER_NAMES,
  BrowserNotFoundError,
  SCREENSHOT_ATTEMPTS,
  findBrowser,
  launchBrowser,
  screenshot,
  standardBrowserPaths,
  type LaunchedBrowser,
} from "../../support/browser";
import { HOSTILE_AGENT, HOSTILE_NAME, labEvidence, rawLogFile } from "../../support/fixtures/lab-evidence";
import { drilledEvidence } from "../../support/fixtures/drill-evidence";

interface Box {
  what: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

const CASES: { name: string; evidence: LabReport; verdict: string; cleanup: string; shows: string[] }[] = [
  {
    name: "verified",
    evidence: labEvidence(),
    verdict: "VERIFIED",
    cleanup: "cleanup complete",
    shows: ["same as the S3 record's", "terminated", "ACCEPTED"],
  },
  {
    name: "not-verified",
    evidence: labEvidence({ outcome: "not-verified" }),
    verdict: "NOT VERIFIED",
    cleanup: "cleanup complete",
    shows: ["No log file in s3://", "41 log files read"],
  },
  {
    name: "up-failed",
    evidence: labEvidence({ outcome: "up-failed" }),
    verdict: "NOT VERIFIED: verify did not run",
    cleanup: "cleanup complete",
    shows: ["failed: UpFailedError", "No probe instance in this run"],
  },
  {
    name: "cleanup-failed",
    evidence: labEvidence({ outcome: "cleanup-failed" }),
    verdict: "VERIFIED",
    cleanup: "CLEANUP INCOMPLETE",
    shows: ["did not finish after 4 attempt(s)", "aws ec2 terminate-instances"],
  },
  { name: "hostile", evidence: labEvidence({ hostile: true }), verdict: "VERIFIED", cleanup: "cleanup complete", shows: [HOSTILE_NAME] },
];

export const SCREENSHOT_DIR = os.tmpdir();

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** The rendered boxes of the picture's labels, and its mark lines, in page pixels (evaluated in the page: no DOM types here). */
async function timelineGeometry(
  page: Page,
): Promise<{ svg: Box; marks: { kind: string; at: string; dot: Box; line: Box; label: Box }[]; texts: Box[] }> {
  return page.evaluate(`(() => {
    const box = (e, what) => { const r = e.getBoundingClientRect(); return { what, x: r.x, y: r.y, width: r.width, height: r.height }; };
    const svg = document.querySelector("svg.timeline");
    const marks = [...svg.querySelectorAll("g.mark")].map((g) => ({
      kind: g.dataset.kind,
      at: g.dataset.at,
      dot: box(g.querySelector("circle"), "dot"),
      line: box(g.querySelector("line"), "line"),
      label: box(g.querySelector("text"), "mark " + g.querySelector("text").textContent),
    }));
    const texts = [...svg.querySelectorAll("text")].map((t) => box(t, t.textContent));
    return { svg: box(svg, "svg"), marks, texts };
  })()`);
}

/** PATH without the folders that hold a browser by one of the names the finder looks for. */
function pathWithoutBrowsers(): string {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => dir && !BROWSER_NAMES.some((name) => fs.existsSync(path.join(dir, name))))
    .join(path.delimiter);
}

/** A run's folder as the lab leaves it: evidence.json and the kept raw log object, which `alter` changes after the run. */
function keepRun(run: string, evidence: LabReport, alter?: (raw: Buffer) => Buffer): string {
  fs.mkdirSync(run, { recursive: true });
  fs.writeFileSync(path.join(run, "evidence.json"), `${JSON.stringify(evidence, null, 2)}\n`);
  if (evidence.rawObject) {
    const raw = rawLogFile(evidence);
    fs.writeFileSync(path.join(run, path.basename(evidence.rawObject)), alter ? alter(raw) : raw);
  }
  return path.join(run, "evidence.json");
}

describe("automation/report: the evidence report in headless Chromium", function () {
  // Generous: the first run may unpack the registry's Chromium into the cache folder.
  this.timeout(360_000);
  let dir: string;
  let browser: LaunchedBrowser;

  before(async () => {
    browser = await launchBrowser();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-browser-"));
  });
  after(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Writes evidence.json and the kept raw log object beside it (`alter` changes the copy after the
   * run), renders them with `npm run report`'s entry, opens the page and watches everything it does.
   */
  async function open(name: string, evidence: LabReport, alter?: (raw: Buffer) => Buffer) {
    const run = path.join(dir, name);
    const err: string[] = [];
    const code = main([keepRun(run, evidence, alter)], { stdout: () => undefined, stderr: (t) => err.push(t) });
    expect(code, err.join("")).to.equal(alter ? 1 : 0);
    const url = pathToFileURL(path.join(run, "report.html")).href;
    const page = await browser.context.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("dialog", (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.goto(url, { waitUntil: "load" });
    return { page, url, requests, problems };
  }

  for (const c of CASES) {
    it(`${c.name}: requests only its own file, logs no error, runs nothing, shows each view, draws the moments in time order, and is screenshotted`, async () => {
      const { page, url, requests, problems } = await open(c.name, c.evidence);
      const shot = path.join(SCREENSHOT_DIR, `trail-lab-report-${c.name}.png`);
      await screenshot(page, shot);
      console.log(`      screenshot: ${shot}`);

      expect(requests).to.deep.equal([url]);
      expect(problems).to.deep.equal([]);
      expect(await page.title()).to.equal(`trail-lab evidence: ${c.evidence.stack}`);
      expect(await page.locator("script, img, image, iframe, object, embed, form, foreignObject").count()).to.equal(0);
      expect((await page.locator("h1").innerText()).replace(/\s+/g, " ")).to.equal(`trail-lab evidence report ${c.verdict} ${c.cleanup}`);

      const body = await page.locator("body").innerText();
      for (const value of c.shows) expect(body, value).to.include(value);
      for (const id of ["timeline", "trail", "bucket", "log-file", "instance", "event-history", "findings", "cleanup"]) {
        expect(await page.locator(`section#${id}`).isVisible(), id).to.equal(true);
      }
      const e = c.evidence;
      const trail = await page.locator("#trail").innerText();
      expect(trail).to.include(e.posture!.facts!.trail.arn).and.include("logging");
      const bucket = await page.locator("#bucket").innerText();
      expect(bucket)
        .to.include(e.posture!.facts!.bucket.name)
        .and.include("RestrictPublicBuckets")
        .and.include("denies every request made without TLS");
      if (e.verify?.s3.key) {
        expect(await page.locator("#log-file").innerText())
          .to.include(e.verify.s3.key.split("/").slice(-1)[0])
          .and.include(e.rawObjectSha256!);
        expect(await page.locator("#event-history").innerText()).to.include(e.verify.s3.eventId!);
      }
      if (e.instance?.atVerify)
        expect(await page.locator("#instance").innerText())
          .to.include(e.instance.atVerify.instanceId)
          .and.include("t3.micro");
      // The findings head the section with their counts: every bucket of the stack judged; the two unpaid
      // trail controls, the access-log bucket's S3.9, MFA delete on both buckets and the data-event
      // controls accepted; S3.1 read from S3 Control, so nothing n/a.
      expect(await page.locator("#findings .counts-line").innerText()).to.equal("0 fail · 7 accepted · 20 pass · 0 n/a");
      // Styled as meant: the inline stylesheet applied (a failing badge is red on pink, an accepted one amber).
      expect(await page.evaluate(`getComputedStyle(document.querySelector(".badge.warn")).backgroundColor`)).to.equal("rgb(253, 240, 213)");

      const geometry = await timelineGeometry(page);
      const times = geometry.marks.map((m) => Date.parse(m.at));
      expect(times).to.deep.equal([...times].sort((a, b) => a - b));
      const xs = geometry.marks.map((m) => m.dot.x);
      expect(xs).to.deep.equal([...xs].sort((a, b) => a - b));
      if (e.verify?.s3.found)
        expect(geometry.marks.map((m) => m.kind)).to.deep.equal(["event-time", "delivered", "s3-found", "history-found"]);
      // Nothing drawn over anything: no two labels overlap, no mark's line runs through a label, all inside the picture.
      const texts: Box[] = geometry.texts;
      for (let i = 0; i < texts.length; i++) {
        const t = texts[i];
        expect(
          t.x >= geometry.svg.x - 0.5 && t.x + t.width <= geometry.svg.x + geometry.svg.width + 0.5,
          `${t.what} inside the picture`,
        ).to.equal(true);
        for (let j = i + 1; j < texts.length; j++) expect(overlaps(t, texts[j]), `${t.what} / ${texts[j].what}`).to.equal(false);
      }
      for (const m of geometry.marks) {
        for (const other of geometry.marks)
          expect(
            overlaps({ ...m.line, x: m.line.x + m.line.width / 2 - 0.5, width: 1 }, other.label),
            `${m.kind} line through ${other.label.what}`,
          ).to.equal(false);
      }
      await page.close();
    });
  }

  it("drilled: shows the tamper drill per technique (record, alert, check, revert) and what is still changed, with its command", async () => {
    const evidence = await drilledEvidence();
    const { page, url, requests, problems } = await open("drilled", evidence);
    const shot = path.join(SCREENSHOT_DIR, "trail-lab-report-drilled.png");
    await screenshot(page, shot);
    console.log(`      screenshot: ${shot}`);
    expect(requests).to.deep.equal([url]);
    expect(problems).to.deep.equal([]);
    expect(await page.locator("section#drill").isVisible()).to.equal(true);
    const drill = evidence.drill!;
    expect(await page.locator("#drill .drill-verdict").innerText()).to.equal("not-proven");
    for (const t of drill.techniques) {
      const row = await page.locator(`#drill tr[data-technique="${t.name}"]`).innerText();
      expect(row, t.name).to.include(t.recorded.eventHistory.eventId!).and.include(t.detonation.requestId!);
      for (const alert of t.alerts.filter((a) => a.status === "proven")) expect(row, `${t.name} ${alert.name}`).to.include(alert.name);
      if (t.recorded.s3.key) expect(row, t.name).to.include(t.recorded.s3.key);
      expect(row, t.name).to.include(t.name === "lifecycle" ? "failed" : "reverted");
    }
    const body = await page.locator("#drill").innerText();
    expect(body).to.include("STILL CHANGED").and.include(drill.unreverted[0].command);
    expect(body).to.include(drill.userAgent);
    await page.close();
  });

  it("shows a kept raw log object altered after the run: an alarm in the head, CHANGED in the log file view", async () => {
    const evidence = labEvidence();
    const { page, problems } = await open("altered", evidence, (raw) => Buffer.concat([raw, Buffer.from("\n")]));
    const alarm = page.locator(".head .alarm");
    expect(await alarm.isVisible()).to.equal(true);
    expect(await alarm.innerText())
      .to.include("RAW LOG OBJECT CHECK FAILED")
      .and.include(`the evidence records ${evidence.rawObjectSha256}`);
    expect(await page.evaluate(`getComputedStyle(document.querySelector(".head .alarm .badge")).backgroundColor`)).to.equal(
      "rgb(251, 224, 222)",
    );
    const logFile = await page.locator("#log-file").innerText();
    expect(logFile).to.include("CHANGED").and.include("it is not the object the lab wrote");
    expect(problems).to.deep.equal([]);
    await page.close();
  });

  it("keeps the evidence's markup inert: the record's user agent is text, and the title was not rewritten", async () => {
    const { page, problems } = await open("inert", labEvidence({ hostile: true }));
    const record = JSON.parse((await page.locator("#record").textContent())!) as { userAgent: string };
    expect(record.userAgent).to.equal(HOSTILE_AGENT);
    expect(await page.evaluate("document.title")).to.equal(`trail-lab evidence: ${labEvidence().stack}`);
    expect(await page.locator("svg").count()).to.equal(1);
    expect(problems).to.deep.equal([]);
    await page.close();
  });

  it("forbids fetching: even a fetch asked for from inside the page is refused by its Content-Security-Policy", async () => {
    const { page, url, requests } = await open("csp", labEvidence());
    const outcome = await page.evaluate(`fetch("http://127.0.0.1:9/x").then(() => "fetched", (error) => "refused: " + error.name)`);
    expect(outcome).to.match(/^refused/);
    expect(requests).to.deep.equal([url]);
    await page.close();
  });
});

describe("automation/report: the evidence report in the registry's Chromium, with the system's browser hidden", function () {
  this.timeout(360_000);
  let browser: LaunchedBrowser;
  let dir: string;
  before(async () => {
    const env = { PATH: pathWithoutBrowsers(), HOME: process.env.HOME, TRAIL_LAB_CACHE: process.env.TRAIL_LAB_CACHE };
    browser = await launchBrowser({ find: () => findBrowser({ env, standardPaths: [] }) });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-browser-hidden-"));
  });
  after(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("renders the verified run with no other request and no console error", async () => {
    expect(browser.source).to.match(/^@sparticuz\/chromium /);
    const evidence = labEvidence();
    expect(main([keepRun(dir, evidence)], { stdout: () => undefined, stderr: () => undefined })).to.equal(0);
    const url = pathToFileURL(path.join(dir, "report.html")).href;
    const page = await browser.context.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(url, { waitUntil: "load" });
    expect(requests).to.deep.equal([url]);
    expect(problems).to.deep.equal([]);
    expect(await page.locator("body").innerText())
      .to.include("VERIFIED")
      .and.include(evidence.verify!.s3.eventId!);
    await page.close();
  });
});

describe("test/support/browser: a screenshot Chromium refuses", () => {
  /** A page whose captures fail with each of `errors` in turn, then succeed; it counts the tries. */
  const flaky = (errors: string[]) => {
    const page = {
      tries: 0,
      screenshot: () => {
        const error = errors[page.tries++];
        return error ? Promise.reject(new Error(error)) : Promise.resolve(Buffer.alloc(0));
      },
    };
    return page;
  };
  const refused = "page.screenshot: Protocol error (Page.captureScreenshot): Unable to capture screenshot";

  it("is asked again when Chromium refuses the capture, and then taken", async () => {
    const page = flaky([refused, refused]);
    await screenshot(page, "/dev/null", 0);
    expect(page.tries).to.equal(3);
  });

  it("fails with Chromium's words once the refusals outlast the bounded tries", async () => {
    const page = flaky(Array(SCREENSHOT_ATTEMPTS).fill(refused));
    const error = await rejection(screenshot(page, "/dev/null", 0));
    expect(error.message).to.equal(refused);
    expect(page.tries).to.equal(SCREENSHOT_ATTEMPTS);
  });

  it("is not asked again for any other failure", async () => {
    const page = flaky(["page.screenshot: Target page, context or browser has been closed"]);
    const error = await rejection(screenshot(page, "/dev/null", 0));
    expect(error.message).to.match(/has been closed/);
    expect(page.tries).to.equal(1);
  });
});

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
    const found = await findBrowser({
      env: { PATH: [path.join(dir, "a"), path.join(dir, "b")].join(path.delimiter) },
      standardPaths: [standard],
    });
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
