// The lab's binding to verify/: the matched raw object is copied byte for byte from S3 (a local
// server speaking path-style S3 GetObject, reached through AWS_ENDPOINT_URL_S3 as users would).
import { expect } from "chai";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { verifyAdapter } from "../../../automation/verifier/verify-adapter";

const KEY =
  "AWSLogs/123456789012/CloudTrail/eu-west-1/2026/11/25/123456789012_CloudTrail_eu-west-1_20261125T2235Z_Ab12Cd34Ef56Gh78.json.gz";

describe("automation/verify-adapter", function () {
  const saved: Record<string, string | undefined> = {};
  const vars = ["AWS_ENDPOINT_URL_S3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"];
  let server: http.Server;
  let dir: string;
  const requested: string[] = [];
  const body = gzipSync(
    JSON.stringify({ Records: [{ eventName: "RunInstances", eventID: "0b1c2d3e", eventTime: "2026-11-25T22:31:02Z" }] }),
  );

  before(async function () {
    server = http.createServer((req, res) => {
      requested.push(`${req.method} ${decodeURIComponent(req.url ?? "")}`);
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(body.length) });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    for (const v of vars) saved[v] = process.env[v];
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    process.env.AWS_ENDPOINT_URL_S3 = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.AWS_ACCESS_KEY_ID = "AKIAEXAMPLE";
    process.env.AWS_SECRET_ACCESS_KEY = "secret";
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-adapter-"));
  });
  after(async function () {
    for (const v of vars) {
      if (saved[v] === undefined) delete process.env[v];
      else process.env[v] = saved[v];
    }
    fs.rmSync(dir, { recursive: true, force: true });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("copies the matched object, still gzipped, into the run's folder", async function () {
    const file = path.join(dir, path.posix.basename(KEY));
    await verifyAdapter("eu-west-1").copyLogObject({ bucket: "audit-logs-bucket-7f3a9c1", key: KEY, file, region: "eu-west-1" });
    expect(requested[0]).to.match(new RegExp(`^GET /audit-logs-bucket-7f3a9c1/${KEY.replace(/\./g, "\\.")}`));
    expect(fs.readFileSync(file).equals(body)).to.equal(true);
  });
});
