// The table of AWS operations in test/moto/README.md against the product's code: every SDK
// command, paginator and waiter that automation/, verify/ and common/ call must have its row,
// and no row may name an operation the product no longer calls, so that the table of what moto
// exercises cannot silently fall behind the code. (infra/'s calls go through the Pulumi provider.)
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const README = path.join(__dirname, "README.md");
const ROOMS = ["automation", "verify", "common"];

// The services' prefixes, as IAM and the table name them.
const SERVICES: Record<string, string> = {
  "client-athena": "athena",
  "client-cloudtrail": "cloudtrail",
  "client-cloudwatch-logs": "logs",
  "client-ec2": "ec2",
  "client-kms": "kms",
  "client-resource-groups-tagging-api": "tag",
  "client-s3": "s3",
  "client-sqs": "sqs",
  "client-s3-control": "s3control",
  "client-sts": "sts",
};
// A waiter is the operation it polls.
const WAITERS: Record<string, string> = { InstanceTerminated: "DescribeInstances" };

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** `service:Operation` for every command, paginator and waiter a source file uses, by its imports. */
function operationsIn(text: string, file = "(source)"): string[] {
  const found: string[] = [];
  for (const [, names, pkg] of text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+"@aws-sdk\/([a-z0-9-]+)"/g)) {
    const service = SERVICES[pkg];
    for (const raw of names.split(",")) {
      const name = raw
        .trim()
        .replace(/^type\s+/, "")
        .split(/\s+as\s+/)[0];
      const used = (pattern: string) => new RegExp(pattern).test(text);
      let operation: string | undefined;
      let m: RegExpExecArray | null;
      if ((m = /^([A-Z]\w*)Command$/.exec(name)) && used(`new ${name}\\(`)) operation = m[1];
      else if ((m = /^paginate([A-Z]\w*)$/.exec(name)) && used(`${name}\\(`)) operation = m[1];
      else if ((m = /^waitUntil([A-Z]\w*)$/.exec(name)) && used(`${name}\\(`)) {
        operation = WAITERS[m[1]];
        if (!operation) throw new Error(`${file}: add the operation ${name} polls to WAITERS`);
      }
      if (!operation) continue;
      if (!service) throw new Error(`${file}: add @aws-sdk/${pkg}'s prefix to SERVICES`);
      found.push(`${service}:${operation}`);
    }
  }
  return found;
}

/** The operations the README's table lists, from the first cell of each row. */
function operationsInTable(readme: string): string[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith("Every AWS operation the product calls"));
  if (!section) throw new Error("test/moto/README.md has no section '## Every AWS operation the product calls'");
  const rows = section.split("\n").filter((line) => line.startsWith("| `"));
  return rows.flatMap((row) => [...row.split("|")[1].matchAll(/`([a-z0-9]+:[A-Z]\w*)`/g)].map((m) => m[1]));
}

describe("test/moto/README.md: the table of every AWS operation the product calls", () => {
  it("finds commands, paginators and waiters through the file's own imports", () => {
    const text = [
      'import { DeleteTrailCommand, type GetTrailCommandOutput } from "@aws-sdk/client-cloudtrail";',
      'import {\n  paginateListBuckets,\n  GetObjectCommand,\n} from "@aws-sdk/client-s3";',
      'import { waitUntilInstanceTerminated } from "@aws-sdk/client-ec2";',
      "await c.send(new DeleteTrailCommand({})); for await (const p of paginateListBuckets({})) {} await waitUntilInstanceTerminated({}, {});",
    ].join("\n");
    // GetObjectCommand is imported, never sent: not an operation the file calls.
    expect(operationsIn(text)).to.deep.equal(["cloudtrail:DeleteTrail", "s3:ListBuckets", "ec2:DescribeInstances"]);
  });

  it("lists exactly the operations automation/, verify/ and common/ call, each once", () => {
    const called = new Set(
      ROOMS.flatMap((room) =>
        sources(path.join(ROOT, room)).flatMap((file) => operationsIn(fs.readFileSync(file, "utf8"), path.relative(ROOT, file))),
      ),
    );
    const listed = operationsInTable(fs.readFileSync(README, "utf8"));
    expect(listed.length, "an operation listed twice").to.equal(new Set(listed).size);
    expect([...listed].sort()).to.deep.equal([...called].sort());
  });
});
