// Where the lab keeps state (backend.ts) and what each run's stack starts from (stack-config.ts).
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chooseBackend } from "../../../automation/engine/backend";
import { shellPrefix } from "../../../automation/engine/commands";
import { labSettings, readTemplateConfig } from "../../../automation/engine/stack-config";

describe("automation/backend", function () {
  let home: string;
  beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), "lab-home-"))));
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it("defaults to a file backend in the project's .pulumi-state and an empty passphrase", function () {
    const backend = chooseBackend("/work/proj", {}, home);
    expect(backend.env).to.deep.equal({ PULUMI_BACKEND_URL: "file:///work/proj/.pulumi-state", PULUMI_CONFIG_PASSPHRASE: "" });
    expect(backend.localDir).to.equal("/work/proj/.pulumi-state");
    expect(backend.passphrase).to.equal("empty");
    expect(shellPrefix(backend.env)).to.equal("PULUMI_BACKEND_URL=file:///work/proj/.pulumi-state PULUMI_CONFIG_PASSPHRASE=''");
  });

  it("leaves PULUMI_BACKEND_URL and a passphrase (or passphrase file) the user set alone", function () {
    expect(chooseBackend("/p", { PULUMI_BACKEND_URL: "s3://my-state", PULUMI_CONFIG_PASSPHRASE: "x" }, home).env).to.deep.equal({});
    expect(chooseBackend("/p", { PULUMI_BACKEND_URL: "s3://my-state", PULUMI_CONFIG_PASSPHRASE_FILE: "/k" }, home).env).to.deep.equal({});
    expect(chooseBackend("/p", { PULUMI_CONFIG_PASSPHRASE: "" }, home).passphrase).to.equal("user");
  });

  it("uses the account the CLI is logged in to", function () {
    fs.mkdirSync(path.join(home, ".pulumi"));
    fs.writeFileSync(path.join(home, ".pulumi", "credentials.json"), JSON.stringify({ current: "https://api.pulumi.com", accounts: {} }));
    const backend = chooseBackend("/p", {}, home);
    expect(backend.env.PULUMI_BACKEND_URL).to.equal(undefined);
    expect(backend.localDir).to.equal(null);
    expect(backend.description).to.contain("https://api.pulumi.com");
  });

  it("takes PULUMI_ACCESS_TOKEN without a login as the user's choice of Pulumi Cloud, not a local folder", function () {
    const backend = chooseBackend("/p", { PULUMI_ACCESS_TOKEN: "pul-0123456789abcdef" }, home);
    expect(backend.env.PULUMI_BACKEND_URL).to.equal(undefined);
    expect(backend.localDir).to.equal(null);
    expect(backend.description).to.equal("https://api.pulumi.com (PULUMI_ACCESS_TOKEN)");
    expect(chooseBackend("/p", { PULUMI_ACCESS_TOKEN: "t", PULUMI_API: "https://pulumi.example.internal" }, home).description).to.contain(
      "https://pulumi.example.internal",
    );
    // A login or an explicit backend wins over the token, as in the CLI.
    expect(chooseBackend("/p", { PULUMI_ACCESS_TOKEN: "t", PULUMI_BACKEND_URL: "s3://my-state" }, home).description).to.equal(
      "s3://my-state (PULUMI_BACKEND_URL)",
    );
  });

  it("masks credentials in a backend URL it shows, and hands the engine nothing of its own", function () {
    const url = "postgres://lab:s3cr3t@db.internal:5432/pulumi?sslmode=require&password=hunter2";
    const backend = chooseBackend("/p", { PULUMI_BACKEND_URL: url, PULUMI_CONFIG_PASSPHRASE: "x" }, home);
    expect(backend.description).to.equal("postgres://***@db.internal:5432/pulumi?sslmode=require&password=*** (PULUMI_BACKEND_URL)");
    expect(backend.env).to.deep.equal({});
  });

  it("reads the login from PULUMI_HOME when set, and ignores an empty current account", function () {
    fs.writeFileSync(path.join(home, "credentials.json"), JSON.stringify({ current: "" }));
    expect(chooseBackend("/p", { PULUMI_HOME: home }, home).localDir).to.equal("/p/.pulumi-state");
  });
});

describe("automation/stack-config", function () {
  it("starts from the project's Pulumi.dev.yaml: scalars as strings, maps kept, secrets skipped", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-template-"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.dev.yaml"),
      [
        "config:",
        "  aws:region: eu-central-1",
        "  trail-lab:retentionDays: 30",
        "  trail-lab:multiRegion: true",
        "  trail-lab:subnetId: subnet-0123456789abcdef0",
        "  trail-lab:tags:",
        "    owner: security-team",
        "  trail-lab:athenaRegions:",
        "    - us-east-1",
        "    - eu-west-1",
        "  trail-lab:apiToken:",
        "    secure: AAABAHlz",
        "  trail-lab:webhook:",
        "    token:",
        "      secure: AAABAHlz",
        "",
      ].join("\n"),
    );
    const template = readTemplateConfig(dir);
    expect(template.config).to.deep.equal({
      "aws:region": "eu-central-1",
      "trail-lab:retentionDays": "30",
      "trail-lab:multiRegion": "true",
      "trail-lab:subnetId": "subnet-0123456789abcdef0",
      "trail-lab:tags": { owner: "security-team" },
      "trail-lab:athenaRegions": ["us-east-1", "eu-west-1"],
    });
    expect(template.skipped).to.deep.equal(["trail-lab:apiToken", "trail-lab:webhook"]);
    expect(labSettings(template.config, undefined)).to.deep.equal({
      region: { value: "eu-central-1", source: "aws:region in Pulumi.dev.yaml" },
      trailName: "my-logs-trail",
      subnetId: "subnet-0123456789abcdef0",
      bucketPrefix: undefined,
    });
    fs.rmSync(dir, { recursive: true });
  });

  it("takes the region from --region, else the AWS environment (env or profile), and only then from the template", function () {
    const template = { "aws:region": "us-east-1" };
    const fromProfile = { value: "eu-west-1", source: "profile lab" };
    expect(labSettings(template, "us-west-2", fromProfile).region).to.deep.equal({ value: "us-west-2", source: "--region" });
    // The template's aws:region used to win over the user's profile and AWS_REGION.
    expect(labSettings(template, undefined, fromProfile).region).to.deep.equal(fromProfile);
    expect(labSettings(template, undefined, { value: "sa-east-1", source: "AWS_REGION" }).region).to.deep.equal({
      value: "sa-east-1",
      source: "AWS_REGION",
    });
    expect(labSettings(template, undefined, null).region).to.deep.equal({ value: "us-east-1", source: "aws:region in Pulumi.dev.yaml" });
    expect(labSettings({}, undefined, null).region).to.equal(null);
  });

  it("reads the repository's own Pulumi.dev.yaml", function () {
    const template = readTemplateConfig(path.resolve(__dirname, "../../.."));
    expect(template.config["trail-lab:trailName"]).to.equal("my-logs-trail");
    expect(template.config["aws:region"]).to.be.a("string");
  });
});
