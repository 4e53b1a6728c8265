// The evidence report as HTML text: parsed with a real HTML parser, it holds no script and
// nothing that fetches, escapes what the evidence carries, and shows the facts an auditor looks
// for; `npm run report` writes it next to the evidence or where --out says.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { parse, type DefaultTreeAdapterTypes as T } from "parse5";
import { renderReportHtml } from "../../automation/report/html";
import { HOSTILE_AGENT, labEvidence } from "../support/lab-evidence";

type Node = T.ChildNode | T.Document;

function* elements(node: Node): Generator<T.Element> {
  if ("tagName" in node) yield node;
  const children = "childNodes" in node ? node.childNodes : [];
  for (const child of children) yield* elements(child);
  if ("content" in node && node.content) yield* elements(node.content as unknown as Node);
}

function text(node: Node): string {
  if (node.nodeName === "#text") return (node as T.TextNode).value;
  return ("childNodes" in node ? node.childNodes : []).map((c) => text(c)).join("");
}

const byId = (doc: T.Document, id: string) => [...elements(doc)].find((e) => e.attrs.some((a) => a.name === "id" && a.value === id));

describe("automation/report: the evidence report's HTML", () => {
  const evidence = labEvidence({ hostile: true });
  const html = renderReportHtml(evidence);
  const doc = parse(html);
  const all = [...elements(doc)];

  it("has no script, no element that loads anything, no link, and a CSP that forbids fetching", () => {
    expect(all.filter((e) => ["script", "img", "link", "iframe", "object", "embed", "video", "audio", "source", "base", "form", "a"].includes(e.tagName)).map((e) => e.tagName)).to.deep.equal([]);
    const loading = all.flatMap((e) => e.attrs.filter((a) => ["src", "href", "srcset", "action", "poster", "data", "background"].includes(a.name) || a.name.startsWith("on")));
    expect(loading).to.deep.equal([]);
    expect(html).not.to.match(/url\(|@import|@font-face/);
    const csp = all.find((e) => e.tagName === "meta" && e.attrs.some((a) => a.name === "http-equiv" && a.value === "Content-Security-Policy"));
    expect(csp?.attrs.find((a) => a.name === "content")?.value).to.equal("default-src 'none'; style-src 'unsafe-inline'");
  });

  it("escapes the evidence: markup in a record field and in a policy Sid stays text", () => {
    expect(html).not.to.include(HOSTILE_AGENT);
    const record = byId(doc, "record")!;
    expect(JSON.parse(text(record)).userAgent).to.equal(HOSTILE_AGENT);
    expect(text(doc)).to.include("</pre><script>alert(1)</script>");
    expect(all.filter((e) => e.tagName === "pre")).to.have.length(evidence.posture!.controls.length + 1);
  });

  it("escapes every attribute: a posture status from a tampered evidence.json cannot leave its class attribute", () => {
    const tampered = labEvidence();
    const injected = `fail"><meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/"><form action="http://127.0.0.1:9/"><b class="`;
    tampered.posture!.controls[1].status = injected as "fail";
    const doc = parse(renderReportHtml(tampered));
    const found = [...elements(doc)];
    expect(found.filter((e) => e.tagName === "meta").map((e) => e.attrs.map((a) => a.name).join(","))).to.deep.equal(["charset", "http-equiv,content", "name,content"]);
    expect(found.filter((e) => ["form", "b"].includes(e.tagName))).to.deep.equal([]);
    expect(text(doc)).not.to.include(injected);
  });

  it("shows the timeline in order with its times, the event id, the S3 key, and each control's id and status", () => {
    const rows = all.filter((e) => e.tagName === "tr").map((tr) => tr.childNodes.filter((c): c is T.Element => "tagName" in c).map((td) => text(td).trim()));
    const steps = rows.filter((r) => r.length === 4 && r[0] !== "Step");
    expect(steps.map((r) => r[0])).to.deep.equal(["Stack up", "Trail logging", "Instance launched", "RunInstances event time", "S3 delivery", "Event History match", "Destroy"]);
    expect(steps.map((r) => r[1])).to.deep.equal([
      "2026-11-25T21:16:35.000Z",
      "2026-11-25T21:16:50.000Z",
      "2026-11-25T21:19:22.000Z",
      evidence.verify!.s3.eventTime,
      "2026-11-25T21:24:00.000Z",
      "2026-11-25T21:25:10.000Z",
      "2026-11-25T21:30:00.000Z",
    ]);
    expect(steps[4][3]).to.equal(`s3://${evidence.verify!.trail.bucket}/${evidence.verify!.s3.key}`);
    const body = text(doc);
    expect(body).to.include(evidence.verify!.s3.eventId!);
    const controls = rows.filter((r) => r.length === 5 && r[0] !== "Control").map((r) => [r[0], r[2]]);
    expect(controls).to.deep.equal([
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
    expect(body).to.include("not checked no digest yet");
  });

  it("renders integrity when checked, and evidence from before integrity existed as not checked", () => {
    const checked = labEvidence();
    checked.integrity = {
      status: "invalid",
      reason: null,
      result: {
        valid: false,
        trail: { name: "my-logs-trail", arn: null, bucket: "b", prefix: null },
        range: { since: "2026-11-25T21:00:00Z", until: "2026-11-25T23:00:00Z" },
        covered: { from: "2026-11-25T21:00:00Z", to: "2026-11-25T22:00:00Z" },
        regions: ["us-east-1"],
        digests: { valid: 2, total: 2 },
        logs: { valid: 3, total: 4 },
        failures: [{ kind: "log", bucket: "b", key: "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/25/x.json.gz", reason: "hash value doesn't match", listedIn: "d" }],
        gaps: [],
        reason: null,
      },
    };
    const body = text(parse(renderReportHtml(checked)));
    expect(body).to.include("INVALID").and.include("2/2 valid").and.include("3/4 valid").and.include("x.json.gz: hash value doesn't match");
    const old = labEvidence() as Partial<ReturnType<typeof labEvidence>>;
    delete old.integrity;
    delete old.posture;
    const oldBody = text(parse(renderReportHtml(old as ReturnType<typeof labEvidence>)));
    expect(oldBody).to.match(/Log file integritynot checked/).and.match(/Posturenot checked/);
  });

  describe("npm run report", function () {
    this.timeout(30_000);
    const root = path.resolve(__dirname, "../..");
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-report-"));
      fs.writeFileSync(path.join(dir, "evidence.json"), JSON.stringify(labEvidence(), null, 2));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const report = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
        execFile("npm", ["run", "-s", "report", "--", ...args], { cwd: root }, (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr })),
      );

    it("renders the evidence again next to it, or where --out says", async () => {
      const evidenceFile = path.join(dir, "evidence.json");
      const beside = await report([evidenceFile]);
      expect(beside.code, beside.stderr).to.equal(0);
      expect(beside.stdout).to.equal(`${path.join(dir, "report.html")}\n`);
      expect(fs.readFileSync(path.join(dir, "report.html"), "utf8")).to.equal(renderReportHtml(labEvidence()));
      const out = path.join(dir, "elsewhere", "audit.html");
      expect((await report([evidenceFile, "--out", out])).code).to.equal(0);
      expect(fs.existsSync(out)).to.equal(true);
    });

    it("exits 2 on a missing or foreign file, saying what it wants", async () => {
      const missing = await report([path.join(dir, "nope.json")]);
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.include("Cannot read");
      fs.writeFileSync(path.join(dir, "other.json"), JSON.stringify({ controls: [] }));
      const foreign = await report([path.join(dir, "other.json")]);
      expect(foreign.code).to.equal(2);
      expect(foreign.stderr).to.include("is not a lab run's evidence");
      expect((await report([])).code).to.equal(2);
    });

    it("exits 2 on evidence whose types are wrong, naming the field instead of crashing on it, and writes no page", async () => {
      const cases: [string, (e: any) => void, string][] = [
        ["status.json", (e) => (e.posture.controls[0].status = 42), "posture.controls[0].status is number 42, expected one of pass, fail, n/a"],
        ["mode.json", (e) => (e.cleanup.mode = "gone"), 'cleanup.mode is "gone", expected one of destroy, kept'],
        ["time.json", (e) => (e.timings.verify.endedAt = "yesterday"), 'timings.verify.endedAt is "yesterday", expected an ISO-8601 instant'],
        ["key.json", (e) => (e.verify.s3.key = { $gt: "" }), "verify.s3.key is an object, expected a string"],
      ];
      for (const [name, tamper, problem] of cases) {
        const evidence: any = labEvidence();
        tamper(evidence);
        const file = path.join(dir, name);
        fs.writeFileSync(file, JSON.stringify(evidence));
        const out = path.join(dir, `${name}.html`);
        const result = await report([file, "--out", out]);
        expect(result.code, name).to.equal(2);
        expect(result.stderr, name).to.equal(`${file} is not a lab run's evidence: ${problem}. Pass the evidence.json a lab run wrote under lab-runs/<stack>/.\n`);
        expect(fs.existsSync(out), name).to.equal(false);
      }
      fs.writeFileSync(path.join(dir, "broken.json"), "{\"stack\": ");
      const broken = await report([path.join(dir, "broken.json")]);
      expect(broken.code).to.equal(2);
      expect(broken.stderr).to.match(/broken\.json is not a lab run's evidence: not JSON \(.+\)\. Pass/);
    });
  });
});
