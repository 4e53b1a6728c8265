// The wait for a new trail's IsLogging (trail-wait.ts) over CloudTrail's JSON protocol: through
// TrailNotFound and IsLogging false, the deadline with the delivery error, a refused status call.
import { expect } from "chai";
import { createLabClients, destroyLabClients } from "../../../automation/aws/aws-clients";
import { AwsCallError } from "../../../common/errors";
import { TrailNotLoggingInTimeError } from "../../../automation/errors";
import { cloudTrailStatusReader, waitForLogging } from "../../../automation/aws/trail-wait";
import { jsonError, startAwsServer } from "../../support/servers/aws-query-json-server";

describe("automation/trail-wait over CloudTrail's JSON protocol", function () {
  it("waits through TrailNotFound and IsLogging false until the trail logs", async function () {
    const replies = [
      jsonError("TrailNotFoundException", "Unknown trail"),
      { json: true, body: JSON.stringify({ IsLogging: false }) },
      { json: true, body: JSON.stringify({ IsLogging: true }) },
    ];
    const server = await startAwsServer({ GetTrailStatus: () => replies.shift()! });
    const clients = createLabClients({
      region: "eu-west-1",
      endpoint: server.endpoint,
      credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" },
      maxAttempts: 1,
    });
    const lines: string[] = [];
    let clock = 0;
    // A clock that moves only when the wait sleeps.
    const waitOptions = (timeoutMs: number, log: (line: string) => void) => ({
      timeoutMs,
      intervalMs: 1000,
      sleep: async (ms: number) => {
        clock += ms;
        return Promise.resolve();
      },
      now: () => clock,
      log,
    });
    try {
      const logging = await waitForLogging(
        cloudTrailStatusReader(clients),
        "my-logs-trail",
        waitOptions(60_000, (l) => lines.push(l)),
      );
      expect(logging).to.equal(true);
      expect(server.requests.map((r) => r.params.Name)).to.deep.equal(['"my-logs-trail"', '"my-logs-trail"', '"my-logs-trail"']);
      expect(lines).to.deep.equal([
        "trail my-logs-trail: not visible yet after 0 s, checking again",
        "trail my-logs-trail: not logging yet after 1 s, checking again",
      ]);

      server.handlers.GetTrailStatus = () => ({
        json: true,
        body: JSON.stringify({ IsLogging: false, LatestDeliveryError: "AccessDenied" }),
      });
      const late = await waitForLogging(
        cloudTrailStatusReader(clients),
        "my-logs-trail",
        waitOptions(3000, () => undefined),
      ).then(
        () => null,
        (e: Error) => e,
      );
      expect(late).to.be.instanceOf(TrailNotLoggingInTimeError);
      expect(late?.message).to.contain("AccessDenied");

      server.handlers.GetTrailStatus = () => jsonError("AccessDeniedException", "not authorized");
      const denied = await cloudTrailStatusReader(clients)
        .status("my-logs-trail")
        .then(
          () => null,
          (e: Error) => e,
        );
      expect(denied).to.be.instanceOf(AwsCallError);
    } finally {
      destroyLabClients(clients);
      await server.close();
    }
  });
});
