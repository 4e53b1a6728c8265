// The optional Athena search: the Glue table AWS documents for CloudTrail logs, with partition
// projection reaching Glue literally, and a workgroup that enforces its limits.
import { expect } from "chai";
import { runProgram, ProgramRun, ACCOUNT } from "../support/pulumi-program";
import { CLOUDTRAIL_COLUMNS } from "../../infra/cloudtrail-columns";

describe("infra: Athena search (config athena)", function () {
  let run: ProgramRun;
  let table: Record<string, any>;
  before(async function () {
    run = await runProgram({ athena: "true" }, "athena-lab");
    table = run.one("aws:glue/catalogTable:CatalogTable").inputs;
  });

  it("reads the trail's log folder with CloudTrail's input format and the Hive JSON SerDe", function () {
    const sd = table.storageDescriptor;
    expect(sd.inputFormat).to.equal("com.amazon.emr.cloudtrail.CloudTrailInputFormat");
    expect(sd.outputFormat).to.equal("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat");
    expect(sd.serDeInfo.serializationLibrary).to.equal("org.apache.hive.hcatalog.data.JsonSerDe");
    expect(sd.serDeInfo.serializationLibrary).to.not.match(/CloudTrailSerde/);
    expect(sd.location).to.equal(`s3://${run.outputs.bucketName}/AWSLogs/${ACCOUNT}/CloudTrail/`);
    expect(table.tableType).to.equal("EXTERNAL_TABLE");
  });

  it("keeps Digest and Insight files outside its location", function () {
    const location: string = table.storageDescriptor.location;
    for (const key of [
      `AWSLogs/${ACCOUNT}/CloudTrail-Digest/eu-west-1/2026/11/25/x.json.gz`,
      `AWSLogs/${ACCOUNT}/CloudTrail-Insight/eu-west-1/2026/11/25/x.json.gz`,
    ]) {
      expect(`s3://${run.outputs.bucketName}/${key}`.startsWith(location), key).to.equal(false);
    }
  });

  it("has the documented columns, JSON-valued fields as strings", function () {
    const cols = table.storageDescriptor.columns as { name: string; type: string }[];
    expect(cols.map((c) => c.name)).to.deep.equal(CLOUDTRAIL_COLUMNS.map((c) => c.name));
    const typeOf = (n: string) => cols.find((c) => c.name === n)?.type;
    for (const n of ["requestparameters", "responseelements", "additionaleventdata", "serviceeventdetails"]) {
      expect(typeOf(n), n).to.equal("string");
    }
    expect(typeOf("resources")).to.equal("array<struct<arn:string,accountid:string,type:string>>");
    expect(typeOf("useridentity")).to.match(/^struct<type:string,principalid:string,arn:string/);
  });

  it("projects region (enum of the trail's regions) and date partitions, with ${...} placeholders reaching Glue literally", function () {
    expect(table.partitionKeys).to.deep.equal([
      { name: "region", type: "string" },
      { name: "timestamp", type: "string" },
    ]);
    expect(table.parameters).to.include({
      "projection.enabled": "true",
      "projection.region.type": "enum",
      "projection.region.values": "eu-west-1,us-east-1,us-west-2",
      "projection.timestamp.type": "date",
      "projection.timestamp.format": "yyyy/MM/dd",
      "projection.timestamp.range": "2025/01/01,NOW",
      "projection.timestamp.interval": "1",
      "projection.timestamp.interval.unit": "DAYS",
    });
    expect(table.parameters["storage.location.template"]).to.equal(
      `s3://${run.outputs.bucketName}/AWSLogs/${ACCOUNT}/CloudTrail/` + "${region}/${timestamp}",
    );
  });

  it("enforces a workgroup with a scan cutoff and results in their own bucket, outside the log path", function () {
    const wg = run.one("aws:athena/workgroup:Workgroup").inputs;
    expect(wg.configuration.enforceWorkgroupConfiguration).to.equal(true);
    expect(wg.configuration.bytesScannedCutoffPerQuery).to.equal(1024 ** 3);
    const results = run.named("athena-results-bucket").state.bucket;
    expect(wg.configuration.resultConfiguration.outputLocation).to.equal(`s3://${results}/results/`);
    expect(results).to.not.equal(run.outputs.bucketName);
    expect(run.named("athena-results-public-access").inputs.restrictPublicBuckets).to.equal(true);
    expect(run.named("athena-workgroup").dependsOn).to.deep.equal(["athena-results-policy"]);
  });

  it("exports the database, table and workgroup", function () {
    expect(run.outputs.athenaDatabase).to.equal("trail_lab_athena_lab");
    expect(run.outputs.athenaTable).to.equal("cloudtrail_logs");
    expect(run.outputs.athenaWorkgroup).to.equal("trail-lab-athena-lab");
  });

  it("follows a key prefix, an organization trail and configured regions", async function () {
    const org = await runProgram(
      {
        athena: "true",
        logPrefix: "audit",
        athenaOrgId: "o-a1b2c3d4e5",
        athenaRegions: JSON.stringify(["us-east-1"]),
        athenaStartDate: "2026/11/01",
      },
      "athena-org",
    );
    const t = org.one("aws:glue/catalogTable:CatalogTable").inputs;
    const location = `s3://${org.outputs.bucketName}/audit/AWSLogs/o-a1b2c3d4e5/${ACCOUNT}/CloudTrail/`;
    expect(t.storageDescriptor.location).to.equal(location);
    expect(t.parameters["storage.location.template"]).to.equal(location + "${region}/${timestamp}");
    expect(t.parameters["projection.region.values"]).to.equal("us-east-1");
    expect(t.parameters["projection.timestamp.range"]).to.equal("2026/11/01,NOW");
  });

  it("projects only the home region for a single-region trail", async function () {
    const single = await runProgram({ athena: "true", multiRegion: "false", "aws:region": "eu-central-1" }, "athena-single");
    expect(single.one("aws:glue/catalogTable:CatalogTable").inputs.parameters["projection.region.values"]).to.equal("eu-central-1");
  });

  it("is absent by default", async function () {
    const plain = await runProgram({}, "no-athena");
    expect(plain.all("aws:glue/catalogTable:CatalogTable")).to.have.length(0);
    expect(plain.all("aws:athena/workgroup:Workgroup")).to.have.length(0);
  });

  it("rejects a malformed organization id, start date or cutoff", async function () {
    for (const [cfg, key] of [
      [{ athena: "true", athenaOrgId: "org-1" }, "athenaOrgId"],
      [{ athena: "true", athenaStartDate: "2026-11-01" }, "athenaStartDate"],
      [{ athena: "true", athenaScanCutoffBytes: "1000" }, "athenaScanCutoffBytes"],
      [{ athena: "true", athenaRegions: JSON.stringify(["Mars"]) }, "athenaRegions"],
    ] as const) {
      const error = await runProgram(cfg, "athena-bad").then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message, key).to.match(new RegExp(`trail-lab:${key}`));
    }
  });
});
