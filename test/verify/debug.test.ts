// An error as verify prints it: once, on stderr, in the words of its message and without the
// code's class names; with --debug, the detail behind it too: each cause's class, the AWS request
// id and HTTP status the SDK kept, and the stack. Against a local CloudTrail that refuses GetTrail
// as IAM would, with a request id, as a user runs the command (a child process).
import { expect } from "chai";
import { startAwsServer, type AwsServer } from "../support/servers/aws-query-json-server";
import { runVerifyCli } from "../support/processes/verify-cli";

const REFUSAL =
  "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: cloudtrail:GetTrail on resource: arn:aws:cloudtrail:us-east-1:123456789012:trail/my-logs-trail";

describe("verify: an error printed once, and --debug", function () {
  let server: AwsServer;

  before(async () => {
    server = await startAwsServer({
      GetTrail: () => ({ status: 400, json: true, body: JSON.stringify({ __type: "AccessDeniedException", message: REFUSAL }) }),
    });
  });
  after(() => server.close());

  const run = (extra: string[]) =>
    runVerifyCli(["--trail", "my-logs-trail", "--timeout", "0", "--no-event-history", ...extra], {
      cloudTrail: server.endpoint,
      s3: server.endpoint,
    });

  it("without --debug: the message once, no class name, no stack, no request id", async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code, stderr).to.equal(3);
    expect(stdout).to.equal("");
    expect(stderr.split("GetTrail failed (AccessDeniedException)").length - 1, stderr).to.equal(1);
    expect(stderr).to.contain("Grant the caller cloudtrail:GetTrail");
    expect(stderr).to.not.match(/AwsCallError|AccessDeniedException:|\n\s+at |4c0f1e2d|--debug: /);
  });

  it("with --debug: each cause's class, the AWS request id and HTTP status, and the stack", async () => {
    const { code, stderr } = await run(["--debug"]);
    expect(code, stderr).to.equal(3);
    const detail = stderr.slice(stderr.indexOf("--debug: the error in full"));
    expect(detail, stderr).to.match(/^--debug: the error in full\nAwsCallError: GetTrail failed \(AccessDeniedException\)/);
    expect(detail).to.match(/\ncaused by AccessDeniedException: User: arn:aws:iam::123456789012:user\/dev is not authorized/);
    expect(detail).to.match(/\n {2}AWS: request id 4c0f1e2d, HTTP 400/);
    expect(detail).to.match(/\n {2}at .*verify\//);
    // The message line a user reads first is there once, before the detail, as without --debug.
    expect(stderr.slice(0, stderr.indexOf("--debug:"))).to.contain("Grant the caller cloudtrail:GetTrail");
  });
});
