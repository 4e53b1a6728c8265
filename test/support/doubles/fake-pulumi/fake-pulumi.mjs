/* global process, setTimeout, setInterval, clearInterval */
// A stand-in for the `pulumi` CLI, for tests of the real Automation API wiring. It answers the
// commands the lab's engine runs with plausible output, keeps stacks in $FAKE_PULUMI_DIR/state.json
// and logs every call (argv, cwd, the backend, passphrase and AWS_PROFILE variables) to $FAKE_PULUMI_DIR/calls.jsonl.
// Knobs: FAKE_PULUMI_UP_FAIL=all|probe, FAKE_PULUMI_UP_WAIT_FILE (up waits until the file exists;
// a SIGINT makes it leave a pending create and exit as Pulumi does; with FAKE_PULUMI_UP_IGNORES_SIGINT
// set it goes on until the file exists, as a create the provider cannot cancel does), FAKE_PULUMI_DESTROY_FAILS=<n>
// (the first n destroys fail with BucketNotEmpty), FAKE_PULUMI_LOCKED=1 (up and destroy find the
// stack locked, with the real file backend's words).
import fs from "node:fs";
import path from "node:path";

const dir = process.env.FAKE_PULUMI_DIR;
const args = process.argv.slice(2);
const statePath = path.join(dir, "state.json");

function load() {
  return fs.existsSync(statePath) ? JSON.parse(fs.readFileSync(statePath, "utf8")) : { stacks: {}, destroys: 0 };
}
function save(state) {
  // Write then rename, as Pulumi writes its checkpoint: a kill -9 mid-save leaves the old state whole.
  fs.writeFileSync(`${statePath}.${process.pid}.tmp`, JSON.stringify(state, null, 2));
  fs.renameSync(`${statePath}.${process.pid}.tmp`, statePath);
}
function log(entry) {
  fs.appendFileSync(path.join(dir, "calls.jsonl"), JSON.stringify(entry) + "\n");
}
function lockedOut() {
  return fail(
    "the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n" +
      `  ${process.env.PULUMI_BACKEND_URL ?? ""}/.pulumi/locks/organization/trail-lab/${stackName}/1f0c4c8e-6a2b-4d3e-9f10-2b3c4d5e6f70.json: created by alice@laptop (pid 41233) at 2026-11-25T22:15:00Z`,
  );
}
// The engine's structured events, written to --event-log as the CLI does for the Automation API
// (up to 3.205; later versions stream the same events over gRPC).
let sequence = 0;
function event(body) {
  const file = flag("--event-log");
  if (file) fs.appendFileSync(file, JSON.stringify({ sequence: sequence++, timestamp: Math.floor(Date.now() / 1000), ...body }) + "\n");
}
/** A resource step failed: the provider's diagnostic on its URN, then the failed step, then the summary. */
function resourceFailed(op, type, name, providerMessage) {
  const urn = `urn:pulumi:${stackName}::trail-lab::${type}::${name}`;
  event({
    diagnosticEvent: {
      urn,
      prefix: "error: ",
      message: `  sdk-v2/provider2.go:572: sdk.helper_schema: ${providerMessage}: provider=aws@7.14.0\n`,
      color: "raw",
      severity: "error",
    },
  });
  event({ resOpFailedEvent: { metadata: { op, urn, type: type.split("$").pop(), provider: "" }, status: 1, steps: 4 } });
  event({
    diagnosticEvent: { prefix: "error: ", message: `${op === "delete" ? "destroy" : "update"} failed\n`, color: "raw", severity: "error" },
  });
}
function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exitCode = 255;
}
function flag(name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
const positional = args.filter(
  (a, i) =>
    !a.startsWith("--") &&
    !(i > 0 && ["--stack", "--file", "--exec-kind", "--page-size", "--page", "--plaintext", "--secret"].includes(args[i - 1])),
);

/** This process's group, from /proc (Linux; null elsewhere): the lab runs Pulumi in a group of its own. */
function processGroup() {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return null;
  }
}

log({
  argv: args,
  pid: process.pid,
  pgid: processGroup(),
  cwd: process.cwd(),
  env: {
    PULUMI_BACKEND_URL: process.env.PULUMI_BACKEND_URL ?? null,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? null,
    PULUMI_AUTOMATION_API: process.env.PULUMI_AUTOMATION_API ?? null,
    // The identity the real provider would act as: it reads AWS_PROFILE as the SDK does.
    AWS_PROFILE: process.env.AWS_PROFILE ?? null,
  },
});

const state = load();
const stackName = flag("--stack") ?? (positional[0] === "stack" && ["init", "rm"].includes(positional[1]) ? positional[2] : undefined);
const fileBackend = (process.env.PULUMI_BACKEND_URL ?? "").startsWith("file://");
const noPassphrase = process.env.PULUMI_CONFIG_PASSPHRASE === undefined && process.env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined;

function outputsFor(stack) {
  const c = stack.config;
  const region = c["aws:region"] ?? "us-east-1";
  const trailName = c["trail-lab:trailName"] ?? "my-logs-trail";
  return {
    bucketName: "audit-logs-bucket-7f3a9c1",
    trailName,
    trailArn: `arn:aws:cloudtrail:${region}:123456789012:trail/${trailName}`,
    instanceId: c["trail-lab:probeInstance"] === "true" ? "i-0fa1e2d3c4b5a6978" : null,
    region,
    accountId: "123456789012",
    logPrefix: "AWSLogs/123456789012/CloudTrail/",
  };
}
function resourcesFor(stack, name) {
  const urn = (type, n) => `urn:pulumi:${name}::trail-lab::${type}::${n}`;
  const list = [
    { urn: urn("pulumi:pulumi:Stack", `trail-lab-${name}`), type: "pulumi:pulumi:Stack" },
    { urn: urn("aws:s3/bucket:Bucket", "audit-logs-bucket"), type: "aws:s3/bucket:Bucket", id: "audit-logs-bucket-7f3a9c1" },
    { urn: urn("aws:cloudtrail/trail:Trail", "audit-trail"), type: "aws:cloudtrail/trail:Trail", id: "my-logs-trail" },
  ];
  if (stack.config["trail-lab:probeInstance"] === "true") {
    list.push({ urn: urn("aws:ec2/instance:Instance", "probe-instance"), type: "aws:ec2/instance:Instance", id: "i-0fa1e2d3c4b5a6978" });
  }
  return list;
}
function history(stack, kind, result) {
  stack.history.unshift({
    version: stack.history.length + 1,
    kind,
    startTime: new Date().toISOString(),
    endTime: new Date().toISOString(),
    message: "",
    environment: {},
    config: {},
    result,
    resourceChanges: {},
  });
}

function run() {
  if (args[0] === "version") return void process.stdout.write("v3.205.0\n");
  if (fileBackend && noPassphrase && args[0] !== "version") {
    return fail(
      'constructing secrets manager of type "passphrase": passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables',
    );
  }
  const [cmd, sub] = positional;
  if (cmd === "stack" && sub === "ls") {
    return void process.stdout.write(JSON.stringify(Object.keys(state.stacks).map((name) => ({ name, current: false }))));
  }
  if (cmd === "stack" && sub === "init") {
    if (state.stacks[stackName]) return fail(`stack '${stackName}' already exists`);
    state.stacks[stackName] = { config: {}, outputs: {}, resources: [], pending: [], history: [] };
    return save(state);
  }
  const stack = state.stacks[stackName];
  if (!stack) return fail(`no stack named '${stackName}' found`);
  if (cmd === "stack" && sub === "select") return;
  if (cmd === "config" && sub === "set-all") {
    for (let i = 0; i < args.length; i++) {
      if (args[i] === "--plaintext" || args[i] === "--secret") {
        const [k, ...v] = args[i + 1].split("=");
        stack.config[k] = v.join("=");
      }
    }
    return save(state);
  }
  if (cmd === "config") {
    return void process.stdout.write(
      JSON.stringify(Object.fromEntries(Object.entries(stack.config).map(([k, v]) => [k, { value: v, secret: false }]))),
    );
  }
  if (cmd === "stack" && sub === "output") return void process.stdout.write(JSON.stringify(stack.outputs));
  if (cmd === "stack" && sub === "history") return void process.stdout.write(JSON.stringify(stack.history.slice(0, 1)));
  if (cmd === "stack" && sub === "export") {
    return void process.stdout.write(
      JSON.stringify({ version: 3, deployment: { manifest: {}, resources: stack.resources, pending_operations: stack.pending } }),
    );
  }
  // Like Pulumi's file backend: a command that died mid-update (kill -9) left its lock, and every
  // update refuses the stack until `pulumi cancel` removes it; `stack export` still reads it.
  if (cmd === "cancel") {
    stack.locked = false;
    return save(state);
  }
  if (stack.locked && ["import", "rm"].includes(sub)) return lockedOut();
  if (stack.locked && ["up", "destroy"].includes(cmd)) return lockedOut();
  if (cmd === "stack" && sub === "import") {
    const imported = JSON.parse(fs.readFileSync(flag("--file"), "utf8"));
    stack.resources = imported.deployment.resources ?? [];
    stack.pending = imported.deployment.pending_operations ?? [];
    return save(state);
  }
  if (cmd === "stack" && sub === "rm") {
    if (stack.resources.length > 0) return fail(`'${stackName}' still has resources; removal rejected`);
    delete state.stacks[stackName];
    return save(state);
  }
  if (cmd === "up") return up(stack);
  if (cmd === "destroy") {
    if (process.env.FAKE_PULUMI_LOCKED) return lockedOut();
    state.destroys++;
    if (state.destroys <= Number(process.env.FAKE_PULUMI_DESTROY_FAILS ?? 0)) {
      save(state);
      process.stdout.write("Destroying (" + stackName + ")\n");
      resourceFailed(
        "delete",
        "trail-lab:index:AuditBucket$aws:s3/bucket:Bucket",
        "audit-logs-bucket",
        "deleting S3 Bucket (audit-logs-bucket-7f3a9c1): operation error S3: DeleteBucket, https response error StatusCode: 409, RequestID: 4d5e6f70, api error BucketNotEmpty: The bucket you tried to delete is not empty",
      );
      return fail(
        "1 error occurred:\n\t* deleting S3 Bucket (audit-logs-bucket-7f3a9c1): BucketNotEmpty: The bucket you tried to delete is not empty",
      );
    }
    stack.resources = [];
    stack.pending = [];
    stack.outputs = {};
    history(stack, "destroy", "succeeded");
    save(state);
    return void process.stdout.write(`Destroying (${stackName})\nResources:\n    - deleted\n`);
  }
  fail(`fake pulumi: unknown command ${args.join(" ")}`);
}

function up(stack) {
  if (process.env.FAKE_PULUMI_LOCKED) return lockedOut();
  process.stdout.write(`Updating (${stackName})\n`);
  const mode = process.env.FAKE_PULUMI_UP_FAIL;
  const probe = stack.config["trail-lab:probeInstance"] === "true";
  if (mode === "all" || (mode === "probe" && probe)) {
    history(stack, "update", "failed");
    save(state);
    resourceFailed(
      "create",
      "trail-lab:index:ProbeInstance$aws:ec2/instance:Instance",
      "probe-instance",
      "creating EC2 Instance: operation error EC2: RunInstances, https response error StatusCode: 403, RequestID: 5b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0, api error UnauthorizedOperation: You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/alice is not authorized to perform: ec2:RunInstances",
    );
    return fail("update failed");
  }
  const finish = () => {
    stack.resources = resourcesFor(stack, stackName);
    stack.pending = [];
    stack.locked = false;
    stack.outputs = outputsFor(stack);
    history(stack, "update", "succeeded");
    save(state);
    process.stdout.write("Resources:\n    + created\n");
  };
  const waitFile = process.env.FAKE_PULUMI_UP_WAIT_FILE;
  if (!waitFile || !probe) return finish();
  // As the real engine's checkpoint does while the probe's create is in flight: the create pending,
  // the stack locked. A kill -9 now leaves both (the test's way of killing Pulumi mid-up).
  stack.resources = resourcesFor({ config: { ...stack.config, "trail-lab:probeInstance": "false" } }, stackName);
  stack.pending = [
    {
      type: "creating",
      resource: {
        urn: `urn:pulumi:${stackName}::trail-lab::trail-lab:index:ProbeInstance$aws:ec2/instance:Instance::probe-instance`,
        type: "aws:ec2/instance:Instance",
      },
    },
  ];
  stack.locked = true;
  save(state);
  let sigints = 0;
  process.on("SIGINT", () => {
    sigints++;
    log({ signal: "SIGINT", count: sigints });
    if (sigints > 1) return; // Pulumi would abandon in-flight operations here.
    // A provider still waiting on AWS: the create goes on after the SIGINT, and Pulumi with it.
    if (process.env.FAKE_PULUMI_UP_IGNORES_SIGINT) return void process.stderr.write("^C received; cancelling.\n");
    // Like Pulumi: the provider is told to cancel, the create in flight ends (failed, canceled) and is
    // recorded, the checkpoint is written clean (nothing pending), the lock goes, it exits as canceled.
    setTimeout(() => {
      stack.pending = [];
      stack.locked = false;
      history(stack, "update", "failed");
      save(state);
      clearInterval(timer);
      fail("update canceled");
    }, 300);
  });
  // Only once it handles SIGINT and its state is written, as a test signals it on seeing this file.
  // Whole or not at all: a test that reads an empty pid file would signal pid 0, its own process group.
  fs.writeFileSync(path.join(dir, "up.pid.tmp"), String(process.pid));
  fs.renameSync(path.join(dir, "up.pid.tmp"), path.join(dir, "up.pid"));
  const timer = setInterval(() => {
    if (fs.existsSync(waitFile) && (sigints === 0 || process.env.FAKE_PULUMI_UP_IGNORES_SIGINT)) {
      clearInterval(timer);
      finish();
    }
  }, 20);
}

run();
