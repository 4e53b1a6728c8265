// `npm run lab` as a process of its own, for tests that signal it as a terminal or a supervisor
// does: automation/cli.ts's main with the real wiring (realDeps: the Pulumi CLI on PATH, AWS
// clients that find the test's local servers through AWS_ENDPOINT_URL*), the process's own
// signals, and only verify/ replaced by a double, since the stand-ins write no trail logs.
// With TRAIL_LAB_DRILL_WORLD (a drill world's endpoint, test/engine/drill-standin.ts), --drill's own
// clients call that world, and the verifier double answers the drill's searches and posture from it.
// Usage: node -r ts-node/register/transpile-only test/support/processes/lab-child.ts <project dir> <lab flags...>
import { main, realDeps, type CliIo } from "../../../automation/cli";
import { verifierDouble } from "../doubles/verifier-double";
import { createDrillClients, destroyDrillClients } from "../../../automation/aws/drill-clients";
import { sdkDrillAws } from "../../../automation/drill/drill-aws";
import type { LabVerifier } from "../../../automation/verifier/lab-verifier";
import { worldLogSearch } from "../worlds/drill-stack";
import type { Delivered, DrillWorld } from "../worlds/drill-world";

const [projectDir, ...argv] = process.argv.slice(2);
const io: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  signals: process,
  projectDir,
};
const deps = realDeps(io);
const real = deps.services;
const drillWorld = process.env.TRAIL_LAB_DRILL_WORLD;

/** One of the drill world's views (GET /_world/<name>), bounded. */
async function view<T>(name: string, signal?: AbortSignal): Promise<T> {
  const bound = AbortSignal.timeout(10_000);
  const res = await fetch(`${drillWorld}/_world/${name}`, { signal: signal ? AbortSignal.any([signal, bound]) : bound });
  if (!res.ok) throw new Error(`the drill world's view ${name} answered ${res.status}`);
  return (await res.json()) as T;
}

/** The verifier double, with the drill's searches (any event but the probe's RunInstances) and posture read from the world. */
function drillWorldVerifier(): LabVerifier {
  const double = verifierDouble();
  return {
    ...double,
    async verify(request) {
      if (request.eventName === "RunInstances") return double.verify(request);
      const delivered = await view<Delivered[]>("delivered", request.signal);
      const find = await worldLogSearch(
        { delivered } as DrillWorld,
        request.bucket,
      )({
        eventName: request.eventName,
        resource: request.resource ?? null,
        since: request.since,
        timeoutMs: request.timeoutMs ?? 0,
        signal: request.signal ?? new AbortController().signal,
      });
      const base = await double.verify(request);
      return {
        ...base,
        s3: { ...base.s3, found: find.found, key: find.key, eventId: find.eventId, eventTime: find.eventTime, foundAt: find.foundAt },
        event: find.found && base.event ? { ...base.event, eventName: request.eventName, userAgent: find.userAgent } : null,
      };
    },
    // worldPosture's controls carry an id and a status only: all the drill reads of them.
    posture: async () => ({ ...(await view<Awaited<ReturnType<LabVerifier["posture"]>>>("posture")), checkedAt: new Date().toISOString() }),
  };
}

deps.services = (region) => ({
  ...real(region),
  verifier: drillWorld ? drillWorldVerifier() : verifierDouble(),
  ...(drillWorld
    ? {
        drillAws: (userAgent: string) => {
          const clients = createDrillClients({
            region,
            endpoint: drillWorld,
            credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local" },
            maxAttempts: 1,
            userAgent,
          });
          return { aws: sdkDrillAws(clients), close: () => destroyDrillClients(clients) };
        },
      }
    : {}),
});
void main(argv, io, deps).then((code) => {
  process.exitCode = code;
});
