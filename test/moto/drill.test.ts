// The drill's calls against moto: the lab's trail and bucket as the program declares them (Pulumi
// mocks, detections on), created in moto with the SDK, and the detections' EventBridge rules, SNS
// topic and SQS queue created there too. Each technique is detonated and reverted through the
// drill's own clients (the run's user agent on every call) and read back; then the alert path:
// moto records no CloudTrail events and cannot deliver an EventBridge event to SNS (test/moto/README.md),
// so this test plays AWS's part: it builds the CloudTrail event of the drill's StopLogging, matches
// it against the rules moto holds, and publishes it to each rule's SNS target (ListTargetsByRule),
// as EventBridge would. moto's SNS then wraps it into the subscribed queue, which the drill reads.
import { expect } from "chai";
import { CreateTrailCommand, PutEventSelectorsCommand, StartLoggingCommand } from "@aws-sdk/client-cloudtrail";
import { CreateBucketCommand, PutBucketLifecycleConfigurationCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import {
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  ListRulesCommand,
} from "@aws-sdk/client-eventbridge";
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createDrillClients, destroyDrillClients, type DrillClients } from "../../automation/aws/drill-clients";
import { isDetonationAlert, readAlert } from "../../automation/drill/alerts";
import { DEFAULT_SELECTORS, declaredState, type DeclaredState, type DrillTarget } from "../../automation/drill/declared";
import { drillUserAgent } from "../../automation/drill/drill";
import type { StackOutputs } from "../../automation/engine/stack-outputs";
import { drillTarget } from "../../automation/lab-drill";
import { sdkDrillAws, type DrillAws } from "../../automation/drill/drill-aws";
import { TECHNIQUES, technique, type TechniqueContext } from "../../automation/drill/techniques";
import { checkpointOf } from "../support/worlds/drill-stack";
import { matchesEventPattern } from "../support/worlds/event-match";
import { runProgram, type ProgramRun } from "../support/pulumi-program";
import { describeMoto, MOTO_CREDENTIALS } from "./support/moto-suite";
import { motoClients, type MotoClients } from "./support/moto-world";

const STACK = "moto-drill";

describeMoto("automation/drill against moto: each technique detonated, read, reverted, and the alert read from SNS's queue", (moto) => {
  let run: ProgramRun;
  let target: DrillTarget;
  let declared: DeclaredState;
  let mine: MotoClients;
  let events: EventBridgeClient;
  let sns: SNSClient;
  let sqs: SQSClient;
  let clients: DrillClients;
  let aws: DrillAws;
  const userAgent = drillUserAgent(STACK);

  before(async function () {
    run = await runProgram({ detections: "true" }, STACK);
    const outputs = run.outputs as Record<string, string>;
    const region = outputs.region;
    const common = { region, endpoint: moto.server.endpoint, credentials: MOTO_CREDENTIALS, maxAttempts: 1 };
    mine = motoClients(moto.server.endpoint, region);
    events = new EventBridgeClient(common);
    sns = new SNSClient(common);
    sqs = new SQSClient(common);
    // The trail and bucket as the program declares them.
    const bucketInputs = (type: string) => run.all(type).find((r) => r.inputs.bucket === outputs.bucketName)!.inputs;
    await mine.s3.send(
      new CreateBucketCommand({ Bucket: outputs.bucketName, CreateBucketConfiguration: { LocationConstraint: region as never } }),
    );
    await mine.s3.send(
      new PutBucketPolicyCommand({ Bucket: outputs.bucketName, Policy: bucketInputs("aws:s3/bucketPolicy:BucketPolicy").policy }),
    );
    const checkpoint = checkpointOf(run, STACK);
    const queue = (await sqs.send(new CreateQueueCommand({ QueueName: `${STACK}-alerts` }))).QueueUrl!;
    target = { ...drillTarget(STACK, run.outputs as unknown as StackOutputs), alertQueueUrl: queue };
    declared = declaredState(checkpoint, target);
    await mine.s3.send(
      new PutBucketLifecycleConfigurationCommand({ Bucket: outputs.bucketName, LifecycleConfiguration: { Rules: declared.lifecycle! } }),
    );
    await mine.cloudTrail.send(
      new CreateTrailCommand({ Name: outputs.trailName, S3BucketName: outputs.bucketName, IsMultiRegionTrail: true }),
    );
    await mine.cloudTrail.send(new StartLoggingCommand({ Name: outputs.trailName }));
    // moto answers a trail without selectors with none at all; AWS with the default one, which the program leaves in place.
    await mine.cloudTrail.send(
      new PutEventSelectorsCommand({ TrailName: outputs.trailName, EventSelectors: DEFAULT_SELECTORS.eventSelectors! }),
    );
    // The detections: the rules with the program's patterns, to a topic the queue is subscribed to.
    const topic = (await sns.send(new CreateTopicCommand({ Name: `${STACK}-alerts` }))).TopicArn!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue, AttributeNames: ["QueueArn"] }))).Attributes!
      .QueueArn;
    await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: "sqs", Endpoint: queueArn }));
    for (const rule of run.all("aws:cloudwatch/eventRule:EventRule")) {
      await events.send(new PutRuleCommand({ Name: rule.state.name, EventPattern: rule.inputs.eventPattern, State: "ENABLED" }));
      await events.send(new PutTargetsCommand({ Rule: rule.state.name, Targets: [{ Id: "alerts", Arn: topic }] }));
    }
    clients = createDrillClients({ region, endpoint: moto.server.endpoint, credentials: MOTO_CREDENTIALS, maxAttempts: 1, userAgent });
    aws = sdkDrillAws(clients);
  });
  after(function () {
    if (clients) destroyDrillClients(clients);
    mine?.destroy();
    events?.destroy();
    sns?.destroy();
    sqs?.destroy();
  });

  const context = (): TechniqueContext => ({ aws, target, declared });

  for (const t of TECHNIQUES.filter((t) => t.name !== "delete")) {
    it(`${t.name}: as declared before, changed by the detonation, as declared again after the revert`, async function () {
      const ctx = context();
      expect(t.notApplicable(ctx)).to.equal(null);
      expect((await t.asDeclared(ctx)).same, "before").to.equal(true);
      const receipt = await t.detonate(ctx);
      expect(receipt.requestId, "moto's request id").to.be.a("string").and.not.equal("");
      const during = await t.asDeclared(ctx);
      expect(during.same, `in effect: ${during.observed}`).to.equal(false);
      await t.revert(ctx);
      const after = await t.asDeclared(ctx);
      expect(after.same, `put back: ${after.observed}`).to.equal(true);
    });
  }

  it("the rule moto holds for the trail's changes, published to its SNS target as EventBridge would, reaches the queue as the drill's alert", async function () {
    const stop = technique("stop");
    const receipt = await stop.detonate(context());
    await stop.revert(context());
    const event = {
      version: "0",
      id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
      "detail-type": "AWS API Call via CloudTrail",
      source: "aws.cloudtrail",
      account: target.accountId,
      time: new Date(receipt.at).toISOString().replace(/\.\d{3}Z$/, "Z"),
      region: target.region,
      resources: [],
      detail: {
        eventVersion: "1.10",
        eventTime: new Date(receipt.at).toISOString().replace(/\.\d{3}Z$/, "Z"),
        eventSource: "cloudtrail.amazonaws.com",
        eventName: "StopLogging",
        awsRegion: target.region,
        userAgent: `aws-sdk-js/3 ${userAgent}`,
        requestParameters: { name: target.trailArn },
        responseElements: null,
        requestID: receipt.requestId,
        eventID: "10163ed2-2253-469d-a5ee-cbc6651f8934",
        readOnly: false,
        eventType: "AwsApiCall",
        managementEvent: true,
        recipientAccountId: target.accountId,
        eventCategory: "Management",
      },
    };
    // EventBridge's part: the rules whose pattern matches, each to its targets.
    const rules = (await events.send(new ListRulesCommand({}))).Rules ?? [];
    const matching = rules.filter((r) => matchesEventPattern(JSON.parse(r.EventPattern!), event));
    expect(matching.map((r) => r.Name)).to.have.length(1);
    for (const rule of matching) {
      for (const t of (await events.send(new ListTargetsByRuleCommand({ Rule: rule.Name }))).Targets ?? [])
        await sns.send(new PublishCommand({ TargetArn: t.Arn, Message: JSON.stringify(event) }));
    }
    const controller = new AbortController();
    const messages = await aws.receive(target.alertQueueUrl!, 1, controller.signal);
    expect(messages).to.have.length(1);
    const alert = readAlert(messages[0]);
    expect(alert).to.include({ kind: "event", eventName: "StopLogging", eventId: event.detail.eventID, requestId: receipt.requestId });
    expect(
      isDetonationAlert(
        alert!,
        { eventName: "StopLogging", eventSource: "cloudtrail.amazonaws.com", bucketName: null },
        receipt.requestId,
        userAgent,
      ),
    ).to.equal(true);
    await aws.acknowledge(target.alertQueueUrl!, messages);
    expect(await aws.receive(target.alertQueueUrl!, 0, controller.signal)).to.deep.equal([]);
  });

  it("refuses a trail the stack's state does not hold, before any call", function () {
    expect(() => declaredState(checkpointOf(run, STACK), { ...target, trailArn: `${target.trailArn}-other` })).to.throw(/only touches/);
  });
});
