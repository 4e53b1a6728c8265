// A mocha suite that runs against its own moto server, and the standard AWS environment that
// points the product's real SDK clients at it (AWS_ENDPOINT_URL, dummy keys, no profile).
// Without moto the suites are not registered and one line says why, so `npm test` passes the
// rest on a machine without Python; with TRAIL_LAB_REQUIRE_MOTO=1 (CI) a missing or unstartable
// moto fails every moto suite instead.
import { locateMoto, startMoto, type MotoServer } from "./moto-server";

export interface MotoSuite {
  /** The suite's server; only inside hooks and tests. */
  readonly server: MotoServer;
  /** The standard AWS environment pointing at the server, for a child process. */
  env(region?: string): NodeJS.ProcessEnv;
}

/** Any key pair works: moto checks no signature. */
export const MOTO_CREDENTIALS = { accessKeyId: "AKIAMOTOTESTING00001", secretAccessKey: "moto-testing-secret" };

export function motoEnvironment(endpoint: string, region = "us-east-1"): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  };
}

/**
 * Replaces every AWS_* variable of this process with `vars` (so a developer's profile or endpoint
 * cannot leak in) and returns the function that puts the old ones back.
 */
export function useAwsEnvironment(vars: NodeJS.ProcessEnv): () => void {
  const saved = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("AWS_")));
  for (const key of Object.keys(saved)) delete process.env[key];
  Object.assign(process.env, vars);
  return () => {
    for (const key of Object.keys(process.env)) if (key.startsWith("AWS_")) delete process.env[key];
    Object.assign(process.env, saved);
  };
}

let notRunReported = false;

export function describeMoto(title: string, body: (moto: MotoSuite) => void): void {
  const location = locateMoto();
  const required = process.env.TRAIL_LAB_REQUIRE_MOTO === "1";
  if (!location.found && !required) {
    if (!notRunReported) process.stdout.write(`moto suite not run: ${location.reason} (TRAIL_LAB_REQUIRE_MOTO=1 makes this a failure)\n`);
    notRunReported = true;
    return;
  }
  let server: MotoServer | undefined;
  const suite: MotoSuite = {
    get server() {
      if (!server) throw new Error("the moto server is only there inside the suite's hooks and tests");
      return server;
    },
    env: (region) => motoEnvironment(suite.server.endpoint, region),
  };
  describe(title, function () {
    // moto answers each call in milliseconds, but the machine is shared: be generous.
    this.timeout(120_000);
    before(async function () {
      if (!location.found) throw new Error(`moto is required here (TRAIL_LAB_REQUIRE_MOTO=1) but ${location.reason}`);
      server = await startMoto(location.server);
    });
    after(async function () {
      await server?.stop();
      server = undefined;
    });
    body(suite);
  });
}
