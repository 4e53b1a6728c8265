// The lab cycle through its entry points (runLab, runCleanup) with a recording fake engine and
// fake AWS services: the order of phases, cleanup on every path, signals, evidence, exit codes.
/* eslint-disable @typescript-eslint/require-await -- fake verifiers are async functions that need not await */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  MissingToolError,
  NoCredentialsError,
  NoDefaultVpcError,
  PULUMI_INSTALL_HINT,
  TrailConflictError,
} from "../../../automation/errors";
import { runCleanup, runLab } from "../../../automation/lab";
import { uniqueStackName } from "../../../automation/engine/stack-name";
import { ExitCode } from "../../../common/exit-codes";
import { renderSummary } from "../../../automation/summary";
import { renderReportHtml } from "../../../automation/report/html";
import { Fakes, INSTANCE_ID, LOG_KEY, OUTPUTS_TRAIL, evidence, gate, hangingDestroy, labOptions } from "../../support/doubles/lab-fakes";

/** `expected` occurs in `actual` in this order, other steps allowed in between. */
function expectInOrder(actual: string[], expected: string[]): void {
  let at = 0;
  for (const step of actual) if (step === expected[at]) at++;
  expect(at, `${JSON.stringify(expected)} in order within ${JSON.stringify(actual)}`).to.equal(expected.length);
}

describe("automation/lab: the cycle", function () {
  let fakes: Fakes;
  afterEach(() => fakes?.cleanup());

  it("runs preflight, up without the probe, waits for logging and settles, ups the probe, verifies, keeps evidence, destroys", async function () {
    fakes = new Fakes({ trailStatuses: [false, false, true] });
    const report = await runLab(labOptions(), fakes.deps());
    expect(fakes.steps()).to.deep.equal([
      "cli",
      "identity",
      "vpc",
      "trail-name my-logs-trail",
      "open lab-test create",
      'config trail-lab:probeInstance="false"',
      "up trail",
      "outputs",
      "status false",
      "sleep 10",
      "status false",
      "sleep 10",
      "status true",
      "sleep 5",
      'config trail-lab:probeInstance="true"',
      "up probe",
      "outputs",
      "verify",
      "copy",
      `describe ${INSTANCE_ID}`,
      "posture",
      "export",
      "destroy 1",
      "remove",
      `describe ${INSTANCE_ID}`,
      "close",
    ]);
    expect(report.exitCode).to.equal(ExitCode.Ok);
    expect(report.verified).to.equal(true);
    expect(fakes.config["aws:region"], "--region wins over Pulumi.dev.yaml").to.equal("eu-west-1");
    expect(fakes.config["trail-lab:instanceType"], "the template's config is copied").to.equal("t3.micro");
    const request = fakes.verifyRequest!;
    expect(request).to.include({
      trail: "my-logs-trail",
      bucket: OUTPUTS_TRAIL.bucketName,
      resource: INSTANCE_ID,
      eventName: "RunInstances",
      region: "eu-west-1",
    });
    // since = the time just before the probe's up, less the clock-skew allowance
    expect(request.since.toISOString()).to.equal(new Date(Date.parse(report.since!) - 60_000).toISOString());
    expect(request.signal.aborted).to.equal(false);
  });

  it("with --search athena deploys the Athena table from the first up and verifies through it", async function () {
    fakes = new Fakes();
    const report = await runLab({ ...labOptions(), search: "athena" }, fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.Ok);
    expect(fakes.config["trail-lab:athena"]).to.equal("true");
    const request = fakes.verifyRequest!;
    expect(request.search).to.equal("athena");
    expect(request.athena).to.deep.equal({ workgroup: "trail-lab-lab-test", database: "trail_lab_lab_test", table: "cloudtrail_logs" });
    expect(request.resource).to.equal(INSTANCE_ID);
  });

  it("without --search athena leaves Athena out of the stack and of verify", async function () {
    fakes = new Fakes();
    await runLab(labOptions(), fakes.deps());
    expect(fakes.config["trail-lab:athena"]).to.equal(undefined);
    expect(fakes.verifyRequest!.search).to.equal(undefined);
    expect(fakes.verifyRequest!.athena).to.equal(undefined);
  });

  it("with --search athena on a stack without the Athena outputs: says so, exits 3, destroys", async function () {
    fakes = new Fakes({ noAthenaOutputs: true });
    const report = await runLab({ ...labOptions(), search: "athena" }, fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.AwsError);
    expect(report.error?.message).to.contain("athenaWorkgroup, athenaDatabase and athenaTable");
    expect(fakes.steps()).to.not.include("verify");
    expect(fakes.steps()).to.include("destroy 1");
  });

  it("writes evidence.json beside the raw log object: outputs, verify evidence, timings, destroy result", async function () {
    fakes = new Fakes();
    const report = await runLab(labOptions(), fakes.deps());
    const dir = path.join(fakes.projectDir, "lab-runs", "lab-test");
    const raw = path.join(dir, path.posix.basename(LOG_KEY));
    expect(report.rawObject).to.equal(raw);
    expect(fs.readFileSync(raw).subarray(0, 2)).to.deep.equal(Buffer.from([0x1f, 0x8b]));
    const saved = JSON.parse(fs.readFileSync(path.join(dir, "evidence.json"), "utf8"));
    expect(saved.outputs).to.include({ bucketName: OUTPUTS_TRAIL.bucketName, instanceId: INSTANCE_ID });
    expect(saved.verify.s3.key).to.equal(LOG_KEY);
    expect(saved.verify.event.eventName).to.equal("RunInstances");
    expect(Object.keys(saved.timings)).to.have.members([
      "preflight",
      "up-trail",
      "trail-wait",
      "settle",
      "up-probe",
      "verify",
      "posture",
      "destroy",
    ]);
    expect(saved.cleanup).to.include({ destroyed: true, stackRemoved: true, complete: true });
    expect(saved.exitCode).to.equal(0);
    expect(saved.error).to.equal(null);
  });

  it("exits 1 when the event is not verified, and still destroys", async function () {
    fakes = new Fakes({ verify: async () => evidence(false) });
    const report = await runLab(labOptions(), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.CheckFailed);
    expect(report.rawObject).to.equal(null);
    expectInOrder(fakes.steps(), ["verify", "destroy 1", "remove"]);
    expect(fakes.steps()).not.to.include("copy");
  });

  it("destroys after a failed first up, clears nothing it does not need to, sweeps, exits 3", async function () {
    fakes = new Fakes({ upFails: "trail" });
    const report = await runLab(labOptions(), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.AwsError);
    expect(report.error?.name).to.equal("UpFailedError");
    const steps = fakes.steps();
    expect(steps).not.to.include("up probe");
    expect(steps).not.to.include("verify");
    expectInOrder(steps, ["up trail", "export", "destroy 1", "sweep lab-test ", "remove"]);
    expect(steps).not.to.include("import");
  });

  it("destroys after a failed probe up and exits 3", async function () {
    fakes = new Fakes({ upFails: "probe" });
    const report = await runLab(labOptions(), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.AwsError);
    expectInOrder(fakes.steps(), ["up probe", "export", "destroy 1", "sweep lab-test audit-logs-bucket-7f3a9c1", "remove"]);
  });

  it("destroys after verify throws, and uses the error's exit code", async function () {
    const failure = Object.assign(new Error("AccessDenied on s3:ListObjectsV2"), { name: "BucketAccessError", exitCode: 3 });
    fakes = new Fakes({ verify: async () => Promise.reject(failure) });
    const report = await runLab(labOptions(), fakes.deps());
    expect(report.exitCode).to.equal(3);
    expect(report.error).to.deep.include({ name: "BucketAccessError", exitCode: 3 });
    expectInOrder(fakes.steps(), ["verify", "destroy 1", "remove"]);

    fakes.cleanup();
    const notLogging = Object.assign(new Error("trail not logging"), { exitCode: 1 });
    fakes = new Fakes({ verify: async () => Promise.reject(notLogging) });
    expect((await runLab(labOptions(), fakes.deps())).exitCode).to.equal(1);
  });

  it("destroys after an unexpected error (a bug) and exits 3", async function () {
    fakes = new Fakes({ verify: async () => Promise.reject(new TypeError("cannot read properties of undefined")) });
    const report = await runLab(labOptions(), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.AwsError);
    expect(fakes.steps()).to.include("destroy 1");
  });

  it("exits 1 when the trail never reports IsLogging, and destroys", async function () {
    fakes = new Fakes({ trailStatuses: [false] });
    const report = await runLab(labOptions({ trailWaitMs: 30, trailPollMs: 10 }), fakes.deps());
    expect(report.error?.name).to.equal("TrailNotLoggingInTimeError");
    expect(report.exitCode).to.equal(ExitCode.CheckFailed);
    expect(fakes.steps()).not.to.include("up probe");
    expect(fakes.steps()).to.include("destroy 1");
  });

  it("retries destroy when late deliveries make the bucket non-empty", async function () {
    fakes = new Fakes({ destroyBucketNotEmpty: 2 });
    const report = await runLab(labOptions(), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.Ok);
    expect(report.cleanup).to.include({ destroyAttempts: 3, destroyed: true, complete: true });
    expectInOrder(fakes.steps(), ["destroy 1", "sleep 7", "destroy 2", "sleep 7", "destroy 3", "remove"]);
    expect(fakes.logs().some((l) => l.includes("BucketNotEmpty"))).to.equal(true);
  });

  it("exits 4, whatever verify said, when destroy keeps failing; lists what is left and how to remove it", async function () {
    fakes = new Fakes({ destroyBucketNotEmpty: 99 });
    const report = await runLab(labOptions({ destroyAttempts: 3 }), fakes.deps());
    expect(report.verified).to.equal(true);
    expect(report.exitCode).to.equal(ExitCode.CleanupIncomplete);
    expect(report.cleanup?.destroyAttempts).to.equal(3);
    expect(fakes.steps()).not.to.include("remove");
    expect(fakes.steps().some((s) => s.startsWith("sweep"))).to.equal(true);
    const kinds = report.cleanup!.leftovers.map((l) => `${l.kind} ${l.id}`);
    expect(kinds).to.include.members([`instance ${INSTANCE_ID}`, "trail my-logs-trail", `bucket ${OUTPUTS_TRAIL.bucketName}`]);
    expect(report.cleanup!.commands[0]).to.equal("npm run lab -- --cleanup lab-test");
    expect(report.cleanup!.commands.join("\n")).to.contain(`aws ec2 terminate-instances --region eu-west-1 --instance-ids ${INSTANCE_ID}`);
  });

  it("does not retry a destroy that fails for another reason", async function () {
    fakes = new Fakes({ destroyFails: true });
    const report = await runLab(labOptions(), fakes.deps());
    expect(report.cleanup?.destroyAttempts).to.equal(1);
    expect(report.exitCode).to.equal(ExitCode.CleanupIncomplete);
  });

  it("with --keep skips destroy and prints the exact commands that destroy later", async function () {
    fakes = new Fakes();
    const report = await runLab(labOptions({ keep: true }), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.Ok);
    expect(fakes.steps()).not.to.include("destroy 1");
    expect(report.cleanup?.mode).to.equal("kept");
    expect(report.cleanup?.commands).to.deep.equal([
      "npm run lab -- --cleanup lab-test",
      `PULUMI_BACKEND_URL=file:///tmp/x/.pulumi-state PULUMI_CONFIG_PASSPHRASE='' pulumi destroy --cwd ${fakes.projectDir} --stack lab-test --yes && ` +
        `PULUMI_BACKEND_URL=file:///tmp/x/.pulumi-state PULUMI_CONFIG_PASSPHRASE='' pulumi stack rm --cwd ${fakes.projectDir} --stack lab-test --yes`,
    ]);
  });

  it("says so when the backend holds leftover lab stacks", async function () {
    fakes = new Fakes({ existingStacks: ["lab-20261124-101500-0a1b", "production"] });
    const report = await runLab(labOptions(), fakes.deps());
    expect(report.warnings.join("\n")).to.contain("lab-20261124-101500-0a1b").and.contain("--cleanup").and.not.contain("production");
    expect(fakes.logs().some((l) => l.includes("Leftover lab stacks"))).to.equal(true);
  });

  it("finds leftover lab stacks under the org/project/ names Pulumi Cloud lists", async function () {
    fakes = new Fakes({
      existingStacks: ["acme/trail-lab/lab-20261124-101500-0a1b", "acme/trail-lab/production", "acme/trail-lab/lab-test"],
    });
    const report = await runLab(labOptions(), fakes.deps());
    const warning = report.warnings.find((w) => w.includes("Leftover lab stacks"));
    expect(warning, "a leftover-stack warning").to.be.a("string");
    // The name --cleanup takes; the run's own stack (lab-test) is not a leftover.
    expect(warning)
      .to.contain("lab-20261124-101500-0a1b")
      .and.not.contain("production")
      .and.not.match(/lab-test\b/);
  });

  it("names each run's stack uniquely and refuses the dev template as a stack", async function () {
    expect(uniqueStackName(new Date("2026-11-25T22:15:00Z"), () => 0.25)).to.equal("lab-20261125-221500-4000");
    fakes = new Fakes();
    const report = await runLab(labOptions({ stack: "dev" }), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.Usage);
    expect(fakes.engineOpened).to.equal(false);
  });
});

describe("automation/lab: preflight", function () {
  let fakes: Fakes;
  afterEach(() => fakes?.cleanup());

  const cases: [string, () => Fakes, string][] = [
    ["the Pulumi CLI is missing", () => new Fakes({ cliMissing: new MissingToolError("pulumi", PULUMI_INSTALL_HINT) }), "get.pulumi.com"],
    [
      "credentials do not resolve",
      () => new Fakes({ identityError: new NoCredentialsError("CredentialsProviderError: Could not load credentials from any providers") }),
      "aws configure",
    ],
    ["the region has no default VPC", () => new Fakes({ vpcError: new NoDefaultVpcError("eu-west-1") }), "trail-lab:subnetId"],
    [
      "a trail with the lab's name exists",
      () =>
        new Fakes({
          trailNameError: new TrailConflictError(
            {
              name: "my-logs-trail",
              arn: "arn:aws:cloudtrail:us-east-1:123456789012:trail/my-logs-trail",
              homeRegion: "us-east-1",
              multiRegion: true,
              labStack: "lab-old",
            },
            "eu-west-1",
          ),
        }),
      "npm run lab -- --cleanup lab-old",
    ],
  ];
  for (const [what, make, hint] of cases) {
    it(`exits 2 and creates nothing when ${what}`, async function () {
      fakes = make();
      const report = await runLab(labOptions(), fakes.deps());
      expect(report.exitCode).to.equal(ExitCode.Usage);
      expect(report.error?.message).to.contain(hint);
      expect(fakes.engineOpened).to.equal(false);
      expect(report.cleanup).to.equal(null);
      expect(fs.existsSync(path.join(fakes.projectDir, "lab-runs"))).to.equal(false);
    });
  }

  it("checks the CLI before anything touches AWS", async function () {
    fakes = new Fakes({ cliMissing: new MissingToolError("pulumi", PULUMI_INSTALL_HINT) });
    await runLab(labOptions(), fakes.deps());
    expect(fakes.steps()).to.deep.equal(["cli"]);
  });

  it("exits 2 without a region", async function () {
    fakes = new Fakes();
    const report = await runLab(labOptions({ region: undefined, template: { config: {}, skipped: [] } }), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.Usage);
    expect(report.error?.name).to.equal("NoRegionError");
  });

  it("prints the account and region that will be used", async function () {
    fakes = new Fakes();
    await runLab(labOptions(), fakes.deps());
    expect(fakes.logs()[0]).to.equal(
      "AWS account 123456789012 (arn:aws:iam::123456789012:user/lab), region eu-west-1 (from --region), stack lab-test",
    );
  });
});

describe("automation/lab: signals", function () {
  let fakes: Fakes;
  afterEach(() => fakes?.cleanup());

  it("on SIGINT during the probe's up: tells the engine to stop it, lets it finish, clears pending operations, destroys, sweeps, exits 130", async function () {
    const upStarted = gate();
    const release = gate();
    fakes = new Fakes({
      pending: [
        {
          type: "creating",
          resource: { urn: "urn:pulumi:lab-test::trail-lab::aws:ec2/instance:Instance::probe-instance", type: "aws:ec2/instance:Instance" },
        },
      ],
      onUp: async (step) => {
        if (step !== "probe") return;
        upStarted.open();
        await release.wait;
        throw new Error("update canceled");
      },
    });
    const run = runLab(labOptions(), fakes.deps());
    await upStarted.wait;
    fakes.signals.emit("SIGINT");
    // Pulumi, in a process group of its own, hears only the lab: the engine sends it one SIGINT.
    expect(fakes.steps().slice(-2)).to.deep.equal(["up probe", "stop up probe"]);
    release.open();
    const report = await run;
    expect(report.exitCode).to.equal(ExitCode.Interrupted);
    expect(report.interrupted).to.equal("SIGINT");
    expect(report.error).to.equal(null);
    expect(fakes.steps()).not.to.include("verify");
    expectInOrder(fakes.steps(), ["export", "import", "destroy 1", "sweep lab-test audit-logs-bucket-7f3a9c1", "remove"]);
    expect(fakes.imported?.deployment?.pending_operations).to.deep.equal([]);
    expect(report.cleanup?.pendingOperationsCleared).to.deep.equal([
      { type: "creating", urn: "urn:pulumi:lab-test::trail-lab::aws:ec2/instance:Instance::probe-instance" },
    ]);
    expect(fakes.signals.listenerCount("SIGINT"), "handlers removed after the run").to.equal(0);
  });

  it("on SIGINT while the stack is being created: runs no up, removes the stack, exits 130", async function () {
    fakes = new Fakes();
    const deps = fakes.deps();
    deps.openEngine = async () => {
      const engine = fakes.engine();
      const open = engine.openStack.bind(engine);
      engine.openStack = async (name, create) => {
        const stack = await open(name, create);
        fakes.signals.emit("SIGINT");
        return stack;
      };
      return Promise.resolve(engine);
    };
    const report = await runLab(labOptions(), deps);
    expect(report.exitCode).to.equal(ExitCode.Interrupted);
    expect(fakes.steps().filter((s) => s.startsWith("up "))).to.deep.equal([]);
    expectInOrder(fakes.steps(), ["open lab-test create", "destroy 1", "remove"]);
  });

  it("on SIGTERM during the settle time: skips the probe, destroys, exits 130", async function () {
    fakes = new Fakes();
    const deps = fakes.deps();
    deps.sleep = async (ms, signal) => {
      fakes.events.push(`sleep ${ms}`);
      if (ms === 5) {
        fakes.signals.emit("SIGTERM");
        expect(signal?.aborted).to.equal(true);
      }
    };
    const report = await runLab(labOptions(), deps);
    expect(report.exitCode).to.equal(ExitCode.Interrupted);
    expect(fakes.steps()).not.to.include("up probe");
    expectInOrder(fakes.steps(), ["destroy 1", "remove"]);
  });

  it("on SIGINT during verify: aborts verify's polling through its AbortSignal, then destroys", async function () {
    let sawAbort = false;
    fakes = new Fakes({
      verify: (request) =>
        new Promise((_resolve, reject) => {
          request.signal.addEventListener("abort", () => {
            sawAbort = true;
            reject(Object.assign(new Error("aborted"), { name: "AbortError" }));
          });
          fakes.signals.emit("SIGINT");
        }),
    });
    const report = await runLab(labOptions(), fakes.deps());
    expect(sawAbort).to.equal(true);
    expect(report.exitCode).to.equal(ExitCode.Interrupted);
    expect(report.error).to.equal(null);
    expectInOrder(fakes.steps(), ["verify", "destroy 1", "remove"]);
  });

  it("without a signal, a destroy that fails for another reason is not run again", async function () {
    fakes = new Fakes({ destroyFails: true });
    const report = await runLab(labOptions({ destroyAttempts: 1 }), fakes.deps());
    expect(fakes.steps().filter((s) => s.startsWith("destroy "))).to.deep.equal(["destroy 1"]);
    expect(report.exitCode).to.equal(ExitCode.CleanupIncomplete);
  });

  it("at a second signal stops waiting for destroy, prints what is left and how to remove it, exits 4", async function () {
    const destroy = hangingDestroy();
    fakes = new Fakes({ onDestroy: destroy.onDestroy });
    const deps = fakes.deps();
    deps.sleep = async (ms) => {
      fakes.events.push(`sleep ${ms}`);
      if (ms === 5) fakes.signals.emit("SIGINT");
    };
    const run = runLab(labOptions(), deps);
    await destroy.started;
    fakes.clock += 5_000;
    fakes.signals.emit("SIGINT");
    const report = await run;
    expect(report.exitCode).to.equal(ExitCode.CleanupIncomplete);
    expect(report.cleanup?.gaveUp).to.equal(true);
    expect(report.cleanup?.leftovers.map((l) => l.kind)).to.include.members(["bucket", "trail", "stack"]);
    // The destroy told to stop is let go, not waited for: the commands wait for it before removing anything.
    expect(report.cleanup?.leftRunning.map((l) => l.command)).to.deep.equal(["pulumi destroy"]);
    expect(report.cleanup?.commands[0]).to.match(
      /^while ps -p \d+ -o args= 2>\/dev\/null \| grep -q 'pulumi destroy'; do sleep 5; done {3}# let pulumi destroy end first/,
    );
    expect(report.cleanup?.commands[1]).to.equal("npm run lab -- --cleanup lab-test");
    const { pid, output } = report.cleanup!.leftRunning[0];
    expect(renderSummary(report)).to.include(
      `  still running: pulumi destroy (pid ${pid}), finishing what is in flight; it holds the stack's lock until it ends\n`,
    );
    expect(renderReportHtml(report)).to.include(`<li>pulumi destroy (pid ${pid}): output in <code>${output}</code></li>`);
    expect(fakes.steps()).not.to.include("remove");
    destroy.release();
  });
});

describe("automation/lab: one Ctrl-C under npm arrives twice", function () {
  let fakes: Fakes;
  afterEach(() => fakes?.cleanup());

  it("counts a repeat at the same moment as the same interrupt: cleanup completes, exit 130", async function () {
    fakes = new Fakes();
    const deps = fakes.deps();
    deps.sleep = async (ms) => {
      fakes.events.push(`sleep ${ms}`);
      if (ms === 5) {
        fakes.signals.emit("SIGINT"); // from the terminal
        fakes.signals.emit("SIGINT"); // npm's forwarded copy
      }
    };
    const report = await runLab(labOptions(), deps);
    expect(report.exitCode).to.equal(ExitCode.Interrupted);
    expect(report.cleanup).to.include({ gaveUp: false, complete: true });
    expectInOrder(fakes.steps(), ["destroy 1", "remove"]);
  });
});

describe("automation/lab: --cleanup <stack>", function () {
  let fakes: Fakes;
  afterEach(() => fakes?.cleanup());

  it("clears pending operations, destroys, sweeps by tag and removes a leftover stack", async function () {
    fakes = new Fakes({
      existingStacks: ["lab-old"],
      pending: [{ type: "creating", resource: { urn: "urn:pulumi:lab-old::trail-lab::aws:ec2/instance:Instance::probe-instance" } }],
    });
    fakes.resources = [
      {
        urn: "urn:pulumi:lab-old::trail-lab::aws:s3/bucket:Bucket::audit-logs-bucket",
        type: "aws:s3/bucket:Bucket",
        id: "audit-logs-bucket-0000001",
      },
    ];
    const report = await runCleanup(
      { stack: "lab-old", region: "eu-west-1", template: labOptions().template, destroyAttempts: 2, destroyRetryMs: 1 },
      fakes.deps(),
    );
    expect(report.exitCode).to.equal(ExitCode.Ok);
    expectInOrder(fakes.steps(), [
      "cli",
      "open lab-old",
      "identity",
      "export",
      "import",
      "destroy 1",
      "sweep lab-old audit-logs-bucket-7f3a9c1,audit-logs-bucket-0000001",
      "remove",
    ]);
    expect(report.cleanup).to.include({ complete: true, stackRemoved: true });
  });

  it("sweeps by tag when the backend has no such stack; exits 4 when something could not be removed", async function () {
    fakes = new Fakes({
      sweep: {
        removed: [],
        remaining: [
          {
            kind: "bucket",
            id: "audit-logs-bucket-0000002",
            region: "eu-west-1",
            removeWith: "aws s3 rb s3://audit-logs-bucket-0000002 --force",
            reason: "AccessDenied",
          },
        ],
      },
    });
    const report = await runCleanup(
      { stack: "lab-gone", region: "eu-west-1", template: labOptions().template, destroyAttempts: 2, destroyRetryMs: 1 },
      fakes.deps(),
    );
    expectInOrder(fakes.steps(), ["open lab-gone", "identity", "sweep lab-gone "]);
    expect(fakes.steps()).not.to.include("destroy 1");
    expect(report.exitCode).to.equal(ExitCode.CleanupIncomplete);
    expect(report.cleanup?.commands).to.deep.equal(["aws s3 rb s3://audit-logs-bucket-0000002 --force"]);
  });

  it("takes the region from the stack's config", async function () {
    fakes = new Fakes({ existingStacks: ["lab-old"] });
    fakes.config["aws:region"] = "ap-southeast-2";
    const report = await runCleanup(
      { stack: "lab-old", template: { config: {}, skipped: [] }, destroyAttempts: 1, destroyRetryMs: 1 },
      fakes.deps(),
    );
    expect(report.region).to.equal("ap-southeast-2");
  });
});
