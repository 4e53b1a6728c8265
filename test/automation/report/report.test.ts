// The evidence report as HTML text, parsed with a real HTML parser: it holds no script and nothing
// that fetches (links only to Security Hub's remediation pages), escapes what the evidence carries,
// shows what AWS answered in each of the five views, draws the timeline's moments in time order,
// and lists the findings with the two unpaid controls accepted only when the run's stack shows
// them off. `npm run report` writes the page and the findings next to the evidence or where --out
// says, naming the tool, its commit and the SHA-256 of the evidence file it read.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { parse, type DefaultTreeAdapterTypes as T } from "parse5";
import { evidenceProblem } from "../../../automation/report/evidence-check";
import { renderReportHtml } from "../../../automation/report/html";
import { newReport } from "../../../automation/evidence";
import { provenance } from "../../../common/provenance";
import { HOSTILE_AGENT, HOSTILE_NAME, HOSTILE_SID, OUTCOMES, labEvidence, rawLogFile } from "../../support/fixtures/lab-evidence";
import { main } from "../../../automation/report/cli";
import { COMPLIANCE_FINDING } from "../../support/fixtures/ocsf-compliance-finding";
import { parseCsv } from "../../support/csv";

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

const attrOf = (e: T.Element, name: string) => e.attrs.find((a) => a.name === name)?.value;
const byId = (doc: T.Document, id: string) => [...elements(doc)].find((e) => attrOf(e, "id") === id);
const rows = (root: Node) =>
  [...elements(root as T.Document)]
    .filter((e) => e.tagName === "tr")
    .map((tr) => tr.childNodes.filter((c): c is T.Element => "tagName" in c).map((td) => text(td).trim()));
/** The definition list of a view as { term: text }. */
function terms(section: T.Element): Record<string, string> {
  const out: Record<string, string> = {};
  let term = "";
  for (const e of elements(section)) {
    if (e.tagName === "dt") term = text(e).trim();
    if (e.tagName === "dd") out[term] = text(e).replace(/\s+/g, " ").trim();
  }
  return out;
}
const SECURITY_HUB = /^https:\/\/docs\.aws\.amazon\.com\/console\/securityhub\/[A-Za-z0-9]+\.\d+\/remediation$/;
const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** A lab run's folder as the lab leaves it: evidence.json, and the kept raw log object beside it. */
function writeRun(dir: string, evidence: ReturnType<typeof labEvidence>): { evidenceFile: string; rawFile: string | null } {
  fs.mkdirSync(dir, { recursive: true });
  const evidenceFile = path.join(dir, "evidence.json");
  fs.writeFileSync(evidenceFile, `${JSON.stringify(evidence, null, 2)}\n`);
  if (!evidence.rawObject) return { evidenceFile, rawFile: null };
  const rawFile = path.join(dir, path.basename(evidence.rawObject));
  fs.writeFileSync(rawFile, rawLogFile(evidence));
  return { evidenceFile, rawFile };
}

describe("automation/report: the evidence report's HTML", () => {
  const evidence = labEvidence({ hostile: true });
  const html = renderReportHtml(evidence);
  const doc = parse(html);
  const all = [...elements(doc)];
  const view = (id: string) => terms(byId(doc, id)!);

  it("has no script, nothing that loads anything, links only to Security Hub's remediation pages, and a CSP that forbids fetching", () => {
    const forbidden = [
      "script",
      "img",
      "image",
      "link",
      "iframe",
      "object",
      "embed",
      "video",
      "audio",
      "source",
      "base",
      "form",
      "use",
      "foreignobject",
      "style-src",
    ];
    expect(all.filter((e) => forbidden.includes(e.tagName.toLowerCase())).map((e) => e.tagName)).to.deep.equal([]);
    const loading = all.flatMap((e) =>
      e.attrs.filter(
        (a) => ["src", "srcset", "action", "poster", "data", "background", "xlink:href"].includes(a.name) || a.name.startsWith("on"),
      ),
    );
    expect(loading).to.deep.equal([]);
    const links = all.filter((e) => e.attrs.some((a) => a.name === "href"));
    expect(links.length).to.be.greaterThan(0);
    for (const a of links) {
      expect(a.tagName).to.equal("a");
      expect(attrOf(a, "href")).to.match(SECURITY_HUB);
      expect(attrOf(a, "rel")).to.equal("noreferrer noopener");
    }
    expect(html).not.to.match(/url\(|@import|@font-face/);
    const csp = all.find((e) => e.tagName === "meta" && attrOf(e, "http-equiv") === "Content-Security-Policy");
    expect(attrOf(csp!, "content")).to.equal("default-src 'none'; style-src 'unsafe-inline'");
  });

  it("escapes the evidence: markup in a record field, a policy Sid, a Name tag, a username and a warning stays text", () => {
    expect(html).not.to.include(HOSTILE_AGENT).and.not.to.include(HOSTILE_SID).and.not.to.include(HOSTILE_NAME);
    expect(JSON.parse(text(byId(doc, "record")!)).userAgent).to.equal(HOSTILE_AGENT);
    const body = text(doc);
    expect(body).to.include(HOSTILE_SID).and.include(HOSTILE_NAME).and.include(`Leftover lab stacks in this backend: ${HOSTILE_NAME}`);
    expect(view("event-history").Username).to.equal(HOSTILE_NAME);
    expect(all.filter((e) => e.tagName === "svg")).to.have.length(1);
  });

  it("escapes every attribute: a posture status from a tampered evidence.json cannot leave its class attribute", () => {
    const tampered = labEvidence();
    const injected = `fail"><meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/"><form action="http://127.0.0.1:9/"><b class="`;
    tampered.posture!.controls[1].status = injected as "fail";
    const parsed = parse(renderReportHtml(tampered));
    const found = [...elements(parsed)];
    expect(found.filter((e) => e.tagName === "meta").map((e) => e.attrs.map((a) => a.name).join(","))).to.deep.equal([
      "charset",
      "http-equiv,content",
      "name,content",
    ]);
    expect(found.filter((e) => ["form", "b"].includes(e.tagName))).to.deep.equal([]);
    expect(text(parsed)).not.to.include(injected);
  });

  it("every outcome's evidence, and a fresh report, fits the evidence check the page relies on", () => {
    for (const outcome of OUTCOMES) expect(evidenceProblem(JSON.parse(JSON.stringify(labEvidence({ outcome })))), outcome).to.equal(null);
    expect(evidenceProblem(JSON.parse(JSON.stringify(newReport("lab", "lab-x", new Date()))))).to.equal(null);
  });

  describe("the timeline", () => {
    it("draws the moments in true time order, each named for what it is, and the phases on the same axis", () => {
      const marks = all.filter((e) => e.tagName === "g" && attrOf(e, "data-kind"));
      expect(marks.map((m) => attrOf(m, "data-kind"))).to.deep.equal(["event-time", "delivered", "s3-found", "history-found"]);
      const at = marks.map((m) => Date.parse(attrOf(m, "data-at")!));
      const x = marks.map((m) => Number(attrOf(m, "data-x")));
      expect(at).to.deep.equal([...at].sort((a, b) => a - b));
      expect(x).to.deep.equal([...x].sort((a, b) => a - b));
      expect(attrOf(marks[0], "data-at")).to.equal(evidence.verify!.event!.eventTime);
      expect(attrOf(marks[1], "data-at")).to.equal("2026-11-25T21:24:00.000Z");
      expect(attrOf(marks[2], "data-at")).to.equal(evidence.verify!.s3.foundAt);
      const label = (m: T.Element) => text([...elements(m)].find((e) => e.tagName === "text")!);
      expect(marks.map(label)).to.deep.equal([
        "21:19:10 RunInstances call (eventTime)",
        "21:24:00 log file delivered (minute in its name)",
        "21:25:05 verify found it in S3",
        "21:25:06 verify found it in Event History",
      ]);
      const phases = all.filter((e) => e.tagName === "g" && attrOf(e, "data-phase")).map((g) => attrOf(g, "data-phase"));
      expect(phases).to.deep.equal(["preflight", "up-trail", "trail-wait", "settle", "up-probe", "verify", "posture", "destroy"]);
      // The probe's bar ends when Pulumi up finished, which is after AWS recorded the call.
      const probe = all.find((e) => attrOf(e, "data-phase") === "up-probe")!;
      expect(text(probe)).to.include("Pulumi up finished 21:19:22");
      expect(text(doc)).not.to.match(/instance launched/i);
    });

    it("lists phases and moments in the table in time order, every time in one precision", () => {
      const steps = rows(byId(doc, "timeline")!).filter((r) => r.length === 5 && r[0] !== "Step");
      expect(steps.map((r) => r[0])).to.deep.equal([
        "preflight checks",
        "Pulumi up: bucket, trail",
        "wait for the trail to log",
        "settle",
        "Pulumi up: probe instance",
        "RunInstances call (eventTime)",
        "verify: S3, Event History",
        "log file delivered (minute in its name)",
        "verify found it in S3",
        "verify found it in Event History",
        "posture",
        "destroy and sweep",
      ]);
      const times = steps.map((r) => r[1]);
      expect(
        times.every((t) => INSTANT.test(t)),
        times.join(" "),
      ).to.equal(true);
      expect(times.map(Date.parse)).to.deep.equal([...times.map(Date.parse)].sort((a, b) => a - b));
      expect(steps[5][1]).to.equal("2026-11-25T21:19:10Z");
      expect(steps.every((r) => r[2] === "—" || INSTANT.test(r[2]))).to.equal(true);
    });

    it("marks the phase a failed run stopped in, and draws no moment that did not happen", () => {
      const failed = parse(renderReportHtml(labEvidence({ outcome: "up-failed" })));
      const found = [...elements(failed)];
      expect(found.filter((e) => attrOf(e, "data-kind"))).to.deep.equal([]);
      const bar = found.find((e) => e.tagName === "rect" && attrOf(e, "class")?.includes("failed"));
      expect(bar && attrOf(bar, "class")).to.equal("bar failed");
      expect(text(found.find((e) => attrOf(e, "data-phase") === "up-probe")!)).to.include("failed (UpFailedError)");
    });
  });

  describe("the five views show what AWS answered", () => {
    it("trail: as GetTrail, GetTrailStatus and GetEventSelectors answered posture", () => {
      const facts = evidence.posture!.facts!.trail;
      expect(view("trail")).to.deep.include({
        Name: facts.name,
        ARN: facts.arn,
        "Home region": "us-east-1",
        "Multi-Region": "yes",
        "Log file validation": "enabled",
        Logging: "logging",
        "Latest delivery": "2026-11-25T21:24:20Z",
        "Latest delivery error": "none",
        "KMS key": "none (log files encrypted with SSE-S3)",
      });
      expect(view("trail")["Management events"]).to.match(/^Read recorded Write recorded\{"EventSelectors":\[\{"ReadWriteType":"All"/);
      // What AWS said, not what the stack was asked for: a trail that reads back single-Region shows so.
      const drifted = labEvidence();
      drifted.posture!.facts!.trail.isMultiRegionTrail = false;
      expect(terms(byId(parse(renderReportHtml(drifted)), "trail")!)["Multi-Region"]).to.equal("no");
    });

    it("bucket: region, Block Public Access, encryption, ownership, versioning, lifecycle, TLS-only, access logging and who may write where", () => {
      const b = view("bucket");
      expect(b).to.deep.include({
        Name: evidence.outputs!.bucketName,
        Region: "us-east-1",
        "Block Public Access": "BlockPublicAcls on IgnorePublicAcls on BlockPublicPolicy on RestrictPublicBuckets on",
        "Default encryption": "AES256",
        "Object Ownership": "BucketOwnerEnforced (ACLs disabled)",
        Versioning: "Enabled",
        Lifecycle: "expire-after-retention Enabled: objects expire after 90 days, old versions after 90 days",
        "Access logging": `to s3://${evidence.outputs!.accessLogBucketName as string}/audit-bucket/`,
      });
      expect(b["TLS only"]).to.equal(`yes statement ${HOSTILE_SID} denies every request made without TLS`);
      const policy = rows(byId(doc, "bucket")!).filter((r) => r.length === 6 && r[0] !== "Sid");
      expect(policy.map((r) => [r[1], r[2], r[3]])).to.deep.equal([
        ["Allow", "Service cloudtrail.amazonaws.com", "s3:GetBucketAcl"],
        ["Allow", "Service cloudtrail.amazonaws.com", "s3:PutObject"],
        ["Deny", "anyone (*)", "s3:*"],
      ]);
      expect(policy[1][4]).to.equal(`arn:aws:s3:::${evidence.outputs!.bucketName as string}/AWSLogs/123456789012/*`);
      expect(policy[2][5]).to.equal("Bool aws:SecureTransport = false");
    });

    it("log file: its folders, delivery minute, size and SHA-256 of the kept copy, the record's key fields, the whole record folded", () => {
      const v = evidence.verify!;
      const l = view("log-file");
      expect(l["Folder and file"]).to.equal(v.s3.key!.split("/").join(" / "));
      expect(l["Folder and file"]).to.match(
        /^AWSLogs \/ 123456789012 \/ CloudTrail \/ us-east-1 \/ 2026 \/ 11 \/ 25 \/ 123456789012_CloudTrail_us-east-1_20261125T2124Z_/,
      );
      expect(l).to.deep.include({
        Delivered: "2026-11-25T21:24:00Z (the minute in the file's name)",
        Size: `${evidence.rawObjectBytes} bytes`,
        "SHA-256 of the copy": evidence.rawObjectSha256!,
        eventName: "RunInstances",
        eventSource: "ec2.amazonaws.com",
        eventID: v.s3.eventId!,
        "userIdentity.arn": "arn:aws:sts::123456789012:assumed-role/lab-operator/lab-session",
        userAgent: HOSTILE_AGENT,
      });
      expect(Object.keys(l)).to.include.members(["sourceIPAddress", "requestID", "eventTime"]);
      const record = byId(doc, "record")!;
      expect([...elements(doc)].find((e) => e.tagName === "details" && e.childNodes.includes(record))).to.not.equal(undefined);
    });

    it("instance: as EC2 described it after verify and after cleanup", () => {
      const table = rows(byId(doc, "instance")!).filter((r) => r.length === 3);
      const row = (name: string) => table.find((r) => r[0] === name)!.slice(1);
      expect(row("State")).to.deep.equal(["running", "terminated"]);
      expect(row("Instance type")).to.deep.equal(["t3.micro", "t3.micro"]);
      expect(row("Name tag")).to.deep.equal([HOSTILE_NAME, HOSTILE_NAME]);
      expect(row("AMI")).to.deep.equal(["ami-0abcdef1234567890", "ami-0abcdef1234567890"]);
      expect(row("Subnet")).to.deep.equal(["subnet-0a1b2c3d4e5f60718", "—"]);
      expect(row("Public IP")).to.deep.equal(["none", "none"]);
      expect(row("IMDSv2")).to.deep.equal(["required (HttpTokens)", "required (HttpTokens)"]);
      expect(text(byId(doc, "instance")!)).to.include(evidence.instance!.atVerify!.instanceId);
    });

    it("Event History: the entry, its eventID equal to the S3 record's, its time and username", () => {
      expect(view("event-history")).to.deep.include({
        Found: "found",
        eventID: `${evidence.verify!.s3.eventId!} same as the S3 record's`,
        "Event time": "2026-11-25T21:19:10Z",
        "Found at": "2026-11-25T21:25:06Z",
      });
    });

    it("says 'not read' where a run did not get that far, and renders evidence from before the views existed", () => {
      const failed = parse(renderReportHtml(labEvidence({ outcome: "up-failed" })));
      for (const id of ["log-file", "instance", "event-history"]) expect(text(byId(failed, id)!), id).to.include("not read");
      const old = labEvidence() as Partial<ReturnType<typeof labEvidence>>;
      for (const field of ["integrity", "posture", "instance", "rawObjectBytes", "rawObjectSha256"] as const) delete old[field];
      const oldDoc = parse(renderReportHtml(old as ReturnType<typeof labEvidence>));
      const oldBody = text(oldDoc);
      expect(oldBody)
        .to.match(/Log file integritynot checked/)
        .and.match(/Security Hub controlsnot checked/);
      expect(text(byId(oldDoc, "bucket")!)).to.include("not read");
      expect(text(byId(oldDoc, "trail")!)).to.include("GetTrail and GetTrailStatus, read by verify");
    });
  });

  describe("the kept raw log object, hashed again", function () {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-raw-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const render = (evidenceFile: string) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = main([evidenceFile], { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
      const page = parse(fs.readFileSync(path.join(path.dirname(evidenceFile), "report.html"), "utf8"));
      const head = text([...elements(page)].find((e) => attrOf(e, "class") === "head")!);
      return { code, stdout: out.join(""), stderr: err.join(""), checked: terms(byId(page, "log-file")!)["Hashed again"], head };
    };

    it("says the copy hashes as recorded, exit 0, reading it beside evidence.json even when the folder moved", () => {
      const evidence = labEvidence();
      evidence.rawObject = `/home/alice/trail-lab/lab-runs/${evidence.stack}/${path.basename(evidence.rawObject!)}`;
      const { evidenceFile, rawFile } = writeRun(path.join(dir, "moved"), evidence);
      const r = render(evidenceFile);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.equal("");
      expect(r.checked).to.equal(`same ${rawFile} hashes as recorded (${evidence.rawObjectBytes} bytes; sha256sum gives the same)`);
      expect(r.head).to.not.include("CHECK FAILED");
    });

    it("exits 1 when the copy is gone, saying the recorded hash was not checked", () => {
      const { evidenceFile, rawFile } = writeRun(dir, labEvidence());
      fs.rmSync(rawFile!);
      const r = render(evidenceFile);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal(`${path.join(dir, "report.html")}\n`);
      expect(r.stderr).to.equal(
        `The kept raw log object ${rawFile} cannot be read (no such file), so the SHA-256 the evidence records was not checked. ` +
          `Keep the .json.gz beside evidence.json, as the lab left it, and render the report again.\n`,
      );
      expect(r.checked).to.equal(`MISSING no readable copy at ${rawFile} (no such file): the recorded hash was not checked`);
      expect(r.head).to.include("RAW LOG OBJECT CHECK FAILED").and.include("cannot be read (no such file)");
    });

    it("exits 1 when the copy is longer than the lab wrote, naming both sizes", () => {
      const evidence = labEvidence();
      const { evidenceFile, rawFile } = writeRun(dir, evidence);
      fs.appendFileSync(rawFile!, Buffer.from([0]));
      const r = render(evidenceFile);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain(
        `(${evidence.rawObjectBytes! + 1} bytes), the evidence records ${evidence.rawObjectSha256} (${evidence.rawObjectBytes} bytes)`,
      );
    });

    it("says so where a place named for the copy is not a file, exit 1", () => {
      const { evidenceFile, rawFile } = writeRun(dir, labEvidence());
      fs.rmSync(rawFile!);
      fs.mkdirSync(rawFile!);
      const r = render(evidenceFile);
      expect(r.code).to.equal(1);
      expect(r.checked).to.match(/^MISSING no readable copy at .+ \(EISDIR.*\): the recorded hash was not checked$/);
    });

    it("hashes the copy of evidence from before the hash was kept, with nothing to hold it to: exit 0", () => {
      const evidence = labEvidence();
      const { evidenceFile, rawFile } = writeRun(dir, { ...evidence, rawObjectSha256: null, rawObjectBytes: null });
      const r = render(evidenceFile);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.checked).to.equal(
        `no hash recorded ${rawFile} hashes ${evidence.rawObjectSha256} (${evidence.rawObjectBytes} bytes); this evidence predates the recorded hash`,
      );
    });

    it("has nothing to check when the run kept no copy: exit 0", () => {
      const { evidenceFile } = writeRun(dir, labEvidence({ outcome: "not-verified" }));
      const r = render(evidenceFile);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.checked).to.equal(undefined);
      expect(r.head).to.not.include("CHECK FAILED");
    });

    it("a page rendered without the check says it was not checked", () => {
      const page = parse(renderReportHtml(labEvidence()));
      expect(terms(byId(page, "log-file")!)["Hashed again"]).to.equal("not checked: this page was rendered without reading the copy");
    });
  });

  describe("the findings", () => {
    const findingRows = (d: T.Document) =>
      [...elements(d)]
        .filter((e) => e.tagName === "tr" && attrOf(e, "data-control"))
        .map((tr) => {
          const role = attrOf(tr, "data-bucket-role");
          return { id: `${attrOf(tr, "data-control")!}${role && role !== "trail" ? `@${role}` : ""}`, cells: rows(tr)[0], tr };
        });

    it("counts by status and severity first, then a row a verdict: status, severity, id, CIS sections, resource, why and risk, fix or acceptance", () => {
      const body = text(doc);
      expect(body).to.include("findings: 0 fail · 7 accepted · 20 pass · 0 n/a");
      const counts = rows([...elements(doc)].find((e) => e.tagName === "table" && attrOf(e, "class") === "counts")!).slice(1);
      expect(counts).to.deep.equal([
        ["critical", "", "", "1", ""],
        ["high", "", "", "5", ""],
        ["medium", "", "4", "10", ""],
        ["low", "", "3", "4", ""],
        ["all", "0", "7", "20", "0"],
      ]);
      const found = findingRows(doc);
      expect(found.map((f) => [f.id, f.cells[0], f.cells[1]])).to.deep.equal([
        ["CloudTrail.1", "PASS", "high"],
        ["CloudTrail.2", "ACCEPTED", "medium"],
        ["CloudTrail.3", "PASS", "high"],
        ["CloudTrail.4", "PASS", "low"],
        ["CloudTrail.5", "ACCEPTED", "low"],
        ["CloudTrail.6", "PASS", "critical"],
        ["CloudTrail.7", "PASS", "low"],
        ["S3.1", "PASS", "medium"],
        ["S3.4", "PASS", "medium"],
        ["S3.4@access-log", "PASS", "medium"],
        ["S3.5", "PASS", "medium"],
        ["S3.5@access-log", "PASS", "medium"],
        ["S3.8", "PASS", "high"],
        ["S3.8@access-log", "PASS", "high"],
        ["S3.9", "PASS", "medium"],
        ["S3.9@access-log", "ACCEPTED", "medium"],
        ["S3.12", "PASS", "medium"],
        ["S3.12@access-log", "PASS", "medium"],
        ["S3.14", "PASS", "low"],
        ["S3.14@access-log", "PASS", "low"],
        ["S3.20", "ACCEPTED", "low"],
        ["S3.20@access-log", "ACCEPTED", "low"],
        ["S3.22", "ACCEPTED", "medium"],
        ["S3.23", "ACCEPTED", "medium"],
        ["TrailLab.Delivery", "PASS", "high"],
        ["TrailLab.Retention", "PASS", "medium"],
        ["TrailLab.DataEventLoop", "PASS", "medium"],
      ]);
      const kms = found.find((f) => f.id === "CloudTrail.2")!;
      expect(kms.cells[3]).to.equal("v3.0.0 3.5v1.4.0 3.7");
      expect(kms.cells[4])
        .to.include("arn:aws:cloudtrail:us-east-1:123456789012:trail/my-logs-trail")
        .and.include("AWS::CloudTrail::Trail · us-east-1")
        .and.include("Trail my-logs-trail names no KMS key: its log files are encrypted with S3-managed keys only.")
        .and.include("Risk: Log files encrypted with S3's own keys");
      const accessLog = found.find((f) => f.id === "S3.9@access-log")!;
      expect(accessLog.cells[4]).to.include("AWS::S3::Bucket · us-east-1 · access-log bucket");
      expect(accessLog.cells[6]).to.match(
        /^Accepted on purpose\. s3:\/\/\S+ receives the server access logs of s3:\/\/\S+: S3 advises against .*\.Security Hub: S3\.9 remediation$/,
      );
      expect(found.find((f) => f.id === "S3.20")!.cells[6]).to.match(
        /^Accepted on purpose\. Only the root user, with its MFA device, can turn on MFA delete/,
      );
      expect(kms.cells[6]).to.match(
        /^Accepted on purpose\. A customer managed KMS key costs USD 1 a month.* Turn it on with trail-lab:kmsEncryption: "true" in Pulumi\.dev\.yaml\.Security Hub: CloudTrail\.2 remediation$/,
      );
      expect(found.find((f) => f.id === "CloudTrail.5")!.cells[6]).to.include('trail-lab:cloudWatchLogs: "true" in Pulumi.dev.yaml');
      const link = [...elements(kms.tr)].find((e) => e.tagName === "a")!;
      expect(attrOf(link, "href")).to.equal("https://docs.aws.amazon.com/console/securityhub/CloudTrail.2/remediation");
      expect(found.find((f) => f.id === "S3.8")!.cells[4]).to.include(`arn:aws:s3:::${evidence.outputs!.bucketName as string}`);
    });

    it("accepts the unpaid controls only for a lab run whose stack shows the switch off; otherwise a failure shows as FAIL", () => {
      const status = (report: ReturnType<typeof labEvidence>) =>
        Object.fromEntries(findingRows(parse(renderReportHtml(report))).map((f) => [f.id, f.cells[0]]));
      const on = labEvidence();
      on.outputs!.kmsKeyArn = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
      expect(status(on)).to.include({ "CloudTrail.2": "FAIL", "CloudTrail.5": "ACCEPTED" });
      const unknown = labEvidence();
      delete unknown.outputs!.logGroupName;
      expect(status(unknown)).to.include({ "CloudTrail.2": "ACCEPTED", "CloudTrail.5": "FAIL" });
      const cleanup = labEvidence();
      cleanup.command = "cleanup";
      expect(status(cleanup)).to.include({ "CloudTrail.2": "FAIL", "CloudTrail.5": "FAIL" });
      const otherwise = labEvidence();
      otherwise.posture!.controls.find((c) => c.id === "S3.8")!.status = "fail";
      expect(status(otherwise)).to.include({ "S3.8": "FAIL", "S3.8@access-log": "PASS" });
      expect(text(parse(renderReportHtml(otherwise)))).to.include("findings: 1 fail · 7 accepted · 19 pass · 0 n/a");
      // The lab accepts S3.9 on its Athena results bucket, not on the trail's bucket.
      const results = labEvidence();
      const s39 = results.posture!.controls.find((c) => c.id === "S3.9")!;
      results.posture!.controls.push(
        { ...s39, status: "fail", resource: { ...s39.resource, role: "athena-results" } },
        { ...s39, status: "fail" },
      );
      expect(status(results)).to.include({ "S3.9@athena-results": "ACCEPTED", "S3.9": "FAIL" });
    });
  });

  it("renders integrity when checked", () => {
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
        accounts: ["123456789012"],
        digests: { valid: 2, total: 2 },
        logs: { valid: 3, total: 4 },
        failures: [
          {
            kind: "log",
            bucket: "b",
            key: "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/25/x.json.gz",
            reason: "hash value doesn't match",
            listedIn: "d",
          },
        ],
        unchecked: [],
        gaps: [],
        reason: null,
      },
    };
    const body = text(parse(renderReportHtml(checked)));
    expect(body).to.include("INVALID").and.include("2/2 valid").and.include("3/4 valid").and.include("x.json.gz: hash value doesn't match");
    expect(body).to.include("2026-11-25T21:00:00Z to 2026-11-25T22:00:00Z");
  });

  describe("npm run report", function () {
    this.timeout(60_000);
    const root = path.resolve(__dirname, "../../..");
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-report-"));
      writeRun(dir, labEvidence());
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const report = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
        execFile("npm", ["run", "-s", "report", "--", ...args], { cwd: root }, (err, stdout, stderr) =>
          done({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr }),
        ),
      );

    it("renders the page next to the evidence, naming the tool, its commit and the SHA-256 of the evidence file, with the findings as OCSF, ASFF and CSV beside it", async () => {
      const evidenceFile = path.join(dir, "evidence.json");
      const beside = await report([evidenceFile]);
      expect(beside.code, beside.stderr).to.equal(0);
      expect(beside.stdout).to.equal(`${path.join(dir, "report.html")}\n`);
      const page = parse(fs.readFileSync(path.join(dir, "report.html"), "utf8"));
      const head = text([...elements(page)].find((e) => attrOf(e, "class") === "head")!);
      const sha = createHash("sha256").update(fs.readFileSync(evidenceFile)).digest("hex");
      const p = provenance();
      expect(head).to.include(`evidence.json SHA-256 ${sha}`).and.include(`rendered by trail-lab ${p.version}`);
      if (p.commit) expect(head).to.include(`commit ${p.commit}`);
      const ocsf = JSON.parse(fs.readFileSync(path.join(dir, "findings.ocsf.json"), "utf8")) as Record<string, any>[];
      expect(ocsf).to.have.length(27);
      for (const f of ocsf) expect(COMPLIANCE_FINDING(f, f.compliance.control)).to.equal(null);
      expect(ocsf.filter((f) => f.status === "Suppressed").map((f) => f.compliance.control)).to.deep.equal([
        "CloudTrail.2",
        "CloudTrail.5",
        "S3.9",
        "S3.20",
        "S3.20",
        "S3.22",
        "S3.23",
      ]);
      expect(ocsf[0].metadata.product).to.deep.equal({ name: "trail-lab", uid: "trail-lab", vendor_name: "trail-lab", version: p.version });
      const asff = JSON.parse(fs.readFileSync(path.join(dir, "findings.asff.json"), "utf8")) as Record<string, any>[];
      expect(asff.map((f) => f.GeneratorId)).to.deep.equal(ocsf.map((f) => `trail-lab/${f.compliance.control}`));
      const csv = parseCsv(fs.readFileSync(path.join(dir, "findings.csv"), "utf8"));
      expect(
        csv
          .slice(1)
          .filter((r) => r[0] === "accepted")
          .map((r) => r[2]),
      ).to.deep.equal(["CloudTrail.2", "CloudTrail.5", "S3.9", "S3.20", "S3.20", "S3.22", "S3.23"]);
      const out = path.join(dir, "elsewhere", "audit.html");
      expect((await report([evidenceFile, "--out", out])).code).to.equal(0);
      expect(fs.existsSync(out) && fs.existsSync(path.join(dir, "elsewhere", "findings.csv"))).to.equal(true);
    });

    it("hashes the kept raw log object again: altered after the run, exit 1, stderr and the page name both hashes", async () => {
      const run = path.join(dir, "altered");
      const evidence = labEvidence();
      const { evidenceFile, rawFile } = writeRun(run, evidence);
      // One byte of the gzip's trailer changed: same size, another hash.
      const altered = fs.readFileSync(rawFile!);
      altered[altered.length - 1] ^= 0xff;
      fs.writeFileSync(rawFile!, altered);
      const now = createHash("sha256").update(altered).digest("hex");
      const result = await report([evidenceFile]);
      expect(result.code, result.stderr).to.equal(1);
      expect(result.stdout).to.equal(`${path.join(run, "report.html")}\n`);
      expect(result.stderr).to.equal(
        `The kept raw log object ${rawFile} is not the one the lab wrote: its SHA-256 is now ${now} (${altered.length} bytes), ` +
          `the evidence records ${evidence.rawObjectSha256} (${evidence.rawObjectBytes} bytes). The page says so; the copy cannot stand ` +
          `as the run's proof. If the trail's bucket still holds the object, fetch it again and compare.\n`,
      );
      const page = parse(fs.readFileSync(path.join(run, "report.html"), "utf8"));
      const head = text([...elements(page)].find((e) => attrOf(e, "class") === "head")!);
      expect(head).to.include("RAW LOG OBJECT CHECK FAILED").and.include(now);
      expect(terms(byId(page, "log-file")!)).to.deep.include({
        "SHA-256 of the copy": evidence.rawObjectSha256!,
        "Hashed again": `CHANGED ${rawFile} now hashes ${now} (${altered.length} bytes): it is not the object the lab wrote`,
      });
    });

    it("exits 2 on a missing or foreign file, saying what it wants", async () => {
      const missing = await report([path.join(dir, "nope.json")]);
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.include("Cannot read");
      fs.writeFileSync(path.join(dir, "other.json"), JSON.stringify({ controls: [] }));
      const foreign = await report([path.join(dir, "other.json")]);
      expect(foreign.code).to.equal(2);
      expect(foreign.stderr).to.include("is not a lab run's evidence: command is missing");
      expect((await report([])).code).to.equal(2);
    });

    it("exits 2 on evidence whose types are wrong, naming the field instead of crashing on it, and writes no page", async function () {
      // One `npm run report` per case, in series: 60 s in all was outlived by a machine running two suites at once.
      this.timeout(240_000);
      const cases: [string, (e: any) => void, string][] = [
        [
          "status.json",
          (e) => (e.posture.controls[0].status = 42),
          "posture.controls[0].status is number 42, expected one of pass, fail, n/a",
        ],
        ["mode.json", (e) => (e.cleanup.mode = "gone"), 'cleanup.mode is "gone", expected one of destroy, kept'],
        [
          "time.json",
          (e) => (e.timings.verify.endedAt = "yesterday"),
          'timings.verify.endedAt is "yesterday", expected an ISO-8601 instant',
        ],
        ["key.json", (e) => (e.verify.s3.key = { $gt: "" }), "verify.s3.key is an object, expected a string"],
        [
          "link.json",
          (e) => (e.posture.controls[1].remediationUrl = "javascript:alert(1)"),
          'posture.controls[1].remediationUrl is "javascript:alert(1)", expected a Security Hub remediation URL',
        ],
        ["hash.json", (e) => (e.rawObjectSha256 = "<b>"), 'rawObjectSha256 is "<b>", expected a SHA-256 in hex'],
      ];
      for (const [name, tamper, problem] of cases) {
        const tampered: any = labEvidence();
        tamper(tampered);
        const file = path.join(dir, name);
        fs.writeFileSync(file, JSON.stringify(tampered));
        const out = path.join(dir, `${name}.d`, "report.html");
        const result = await report([file, "--out", out]);
        expect(result.code, name).to.equal(2);
        expect(result.stderr, name).to.equal(
          `${file} is not a lab run's evidence: ${problem}. Pass the evidence.json a lab run wrote under lab-runs/<stack>/.\n`,
        );
        expect(fs.existsSync(path.dirname(out)), name).to.equal(false);
      }
      fs.writeFileSync(path.join(dir, "broken.json"), '{"stack": ');
      const broken = await report([path.join(dir, "broken.json")]);
      expect(broken.code).to.equal(2);
      expect(broken.stderr).to.match(/broken\.json is not a lab run's evidence: not JSON \(.+\)\. Pass/);
    });
  });
});
