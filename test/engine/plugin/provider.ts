// TEST DOUBLE: a stand-in for the `pulumi-resource-aws` provider plugin, so that the real Pulumi
// engine can run infra/ offline. It creates nothing anywhere: resources live in a JSON file
// (store.ts), ids and outputs look like AWS's (resources.ts), data sources answer from the test
// account (invokes.ts), every call is logged in order, and control.json can make a create,
// update or delete fail or hang. Product code never imports it (eslint.config.mjs); the engine
// tests launch it through the `pulumi-resource-aws` shim beside this file.
import * as grpc from "@grpc/grpc-js";
import * as provider from "@pulumi/pulumi/provider";
import { ACCOUNT } from "../../support/fixtures/lab-account";
import { invoke } from "./invokes";
import { checkInputs, defaultFailure, diffInputs, parseUrn, ruleFor, type World } from "./resources";
import { Store, type Control } from "./store";

/** The engine asks for the plugin by name and version: the version the installed @pulumi/aws SDK declares. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdk = require("@pulumi/aws/package.json") as { version: string; pulumi?: { version?: string } };
export const PROVIDER_VERSION = sdk.pulumi?.version ?? sdk.version;

const store = Store.fromEnv();
const config = { region: process.env.AWS_REGION ?? "us-east-1" };
const canceled = { value: false };

function world(): World {
  return { region: config.region, account: ACCOUNT, partition: "aws", resources: Object.values(store.resources()) };
}

/** provider.main answers Configure itself and hands the provider no config; the region is read on the way in. */
function observeConfigure(): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const addService = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (this: grpc.Server, service, implementation) {
    const impl = implementation as Record<string, (call: any, callback: any) => void>;
    const configure = impl.configure;
    if (typeof configure === "function") {
      impl.configure = (call: any, callback: any) => {
        const args = call.request.getArgs?.()?.toJavaScript?.() ?? {};
        const variables: Map<string, string> = call.request.getVariablesMap();
        const region = args.region ?? variables.get("aws:config:region") ?? variables.get("aws:region");
        if (typeof region === "string" && region !== "") config.region = region;
        store.record({ method: "Configure", outcome: `region=${config.region}` });
        configure.call(implementation, call, callback);
      };
    }
    addService.call(this, service, implementation);
  };
}

class FailureAsked extends Error {}

/** The message a test asked for, keyed by logical name or type token ("" = a realistic default). */
function askedFailure(
  table: Record<string, string> | undefined,
  type: string,
  name: string,
  op: "create" | "update" | "delete",
): Error | undefined {
  const message = table?.[name] ?? table?.[type];
  if (message === undefined) return undefined;
  return message === "" ? defaultFailure(type, name, op) : new FailureAsked(message);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Holds the operation while control.json lists it, until the engine cancels or the bound passes. */
async function hangIfAsked(list: keyof Pick<Control, "hangCreate" | "hangDelete">, method: string, urn: string): Promise<void> {
  const { type, name } = parseUrn(urn);
  const listed = () => {
    const names = store.control()[list] ?? [];
    return names.includes(name) || names.includes(type);
  };
  if (!listed()) return;
  store.record({ method, urn, type, name, outcome: "hanging" });
  const deadline = Date.now() + (store.control().hangSeconds ?? 300) * 1000;
  while (listed()) {
    if (canceled.value && !store.control().hangIgnoresCancel)
      throw new Error(`${method} of ${name} canceled: the engine asked the provider to stop`);
    if (Date.now() > deadline) throw new Error(`${method} of ${name} hung past hangSeconds and gave up (stand-in)`);
    await sleep(200);
  }
}

/** Runs one operation, logging it and its failure, if any, in order. */
async function logged<T>(method: string, fields: { urn?: string; id?: string; token?: string }, op: () => Promise<T> | T): Promise<T> {
  const parsed = fields.urn ? parseUrn(fields.urn) : undefined;
  const entry = { method, ...fields, type: parsed?.type, name: parsed?.name };
  try {
    const result = await op();
    store.record(entry);
    return result;
  } catch (e) {
    store.record({ ...entry, outcome: `failed: ${(e as Error).message}` });
    throw e;
  }
}

const awsProvider: provider.Provider = {
  version: PROVIDER_VERSION,

  check: (urn, olds, news) =>
    logged("Check", { urn }, () => {
      const { type, name } = parseUrn(urn);
      return { inputs: checkInputs(type, name, olds ?? {}, news ?? {}) };
    }),

  diff: (id, urn, _olds, news) =>
    logged("Diff", { urn, id }, () => {
      const { type } = parseUrn(urn);
      const stored = store.get(urn);
      const { changes, replaces } = diffInputs(type, stored?.inputs ?? {}, news ?? {}, stored?.outputs ?? {});
      return { changes, replaces };
    }),

  create: (urn, inputs) =>
    logged("Create", { urn }, async () => {
      const { type, name } = parseUrn(urn);
      const rule = ruleFor(type);
      await hangIfAsked("hangCreate", "Create", urn);
      const refused = askedFailure(store.control().failCreate, type, name, "create") ?? rule.refuseCreate?.(name, inputs, world());
      if (refused) throw refused;
      const { id, outputs } = rule.create(name, inputs, world());
      store.put({ urn, type, name, id, inputs, outputs });
      return { id, outs: outputs };
    }),

  read: (id, urn) =>
    logged("Read", { urn, id }, () => {
      const stored = store.get(urn);
      if (!stored || stored.id !== id) return { id: "", props: {} };
      return { id: stored.id, props: stored.outputs, inputs: stored.inputs };
    }),

  update: (id, urn, _olds, news) =>
    logged("Update", { urn, id }, () => {
      const { type, name } = parseUrn(urn);
      const refused = askedFailure(store.control().failUpdate, type, name, "update");
      if (refused) throw refused;
      const previous = store.get(urn);
      const { outputs } = ruleFor(type).create(name, news, world(), previous?.outputs);
      store.put({ urn, type, name, id, inputs: news, outputs });
      return { outs: outputs };
    }),

  delete: (id, urn) =>
    logged("Delete", { urn, id }, async () => {
      const { type, name } = parseUrn(urn);
      await hangIfAsked("hangDelete", "Delete", urn);
      const stored = store.get(urn);
      const refused =
        askedFailure(store.control().failDelete, type, name, "delete") ?? (stored && ruleFor(type).refuseDelete?.(stored, world()));
      if (refused) throw refused;
      store.remove(urn);
    }),

  invoke: (token, inputs) => logged("Invoke", { token }, () => ({ outputs: invoke(token, inputs ?? {}, world()) })),

  cancel: () => {
    canceled.value = true;
    store.record({ method: "Cancel" });
    return Promise.resolve();
  },
};

/**
 * Pulumi's own plugins stop when their engine stops answering (its language hosts health-check the
 * engine's address); this one stops when the engine that started it has gone: the shim execs node,
 * so the parent is the engine, and a change of parent means it exited or was killed without
 * stopping its plugins. Without this, a killed engine left the plugin running, reparented to init.
 */
function exitWithEngine(intervalMs = 500): void {
  const engine = process.ppid;
  setInterval(() => {
    if (process.ppid === engine) return;
    // As the engine stops a plugin: a signal (the gRPC server holds the event loop, so an exit code alone would not end it).
    process.kill(process.pid, "SIGTERM");
  }, intervalMs).unref();
}

observeConfigure();
exitWithEngine();
void provider.main(awsProvider, process.argv.slice(2));
