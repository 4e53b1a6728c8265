// The optional detections (config detections): two EventBridge rules on a KMS-encrypted SNS topic
// with an SQS queue subscribed, and with cloudWatchLogs CIS's two metric filters and alarms. The
// patterns are held to real event shapes (a StopLogging as EventBridge delivers it, the S3
// bucket-level records) and the filters to Security Hub's own text.
import { expect } from "chai";
import { runProgram, type ProgramRun, ACCOUNT } from "../support/pulumi-program";
import { matchesEventPattern, matchesMetricFilter } from "../support/worlds/event-match";

const T = {
  key: "aws:kms/key:Key",
  topic: "aws:sns/topic:Topic",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  queue: "aws:sqs/queue:Queue",
  queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
  rule: "aws:cloudwatch/eventRule:EventRule",
  target: "aws:cloudwatch/eventTarget:EventTarget",
  filter: "aws:cloudwatch/logMetricFilter:LogMetricFilter",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
};

// Security Hub's CloudWatch.5 and CloudWatch.8 patterns as its user guide prints them (the controls
// fail on any other text): restated here from the guide, not imported from infra/.
const SECURITY_HUB_CLOUDWATCH_5 =
  "{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}";
const SECURITY_HUB_CLOUDWATCH_8 =
  "{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}";

/** A record as CloudTrail writes it, and as EventBridge wraps it ("AWS API Call via CloudTrail"). */
function apiCall(eventSource: string, eventName: string, requestParameters: Record<string, unknown>) {
  const detail = {
    eventVersion: "1.10",
    userIdentity: { type: "IAMUser", principalId: "AIDAOC1SYDVN0AF0FMMR", arn: `arn:aws:iam::${ACCOUNT}:user/lab`, accountId: ACCOUNT },
    eventTime: "2026-11-25T22:40:11Z",
    eventSource,
    eventName,
    awsRegion: "eu-west-1",
    sourceIPAddress: "203.0.113.10",
    userAgent: "aws-sdk-js/3.1178.0 ua/2.1 os/linux lang/js trail-lab-drill/lab-20261125-221500-3fa9",
    requestParameters,
    responseElements: null,
    requestID: "14c891b6-11b5-4787-ae97-64a974977078",
    eventID: "10163ed2-2253-469d-a5ee-cbc6651f8934",
    readOnly: false,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: "Management",
  };
  const envelope = {
    version: "0",
    id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "AWS API Call via CloudTrail",
    source: `aws.${eventSource.split(".")[0]}`,
    account: ACCOUNT,
    time: "2026-11-25T22:40:11Z",
    region: "eu-west-1",
    resources: [],
    detail,
  };
  return { detail, envelope };
}

describe("infra: detections (config detections)", function () {
  let run: ProgramRun;
  let bucket: string;
  before(async function () {
    run = await runProgram({ detections: "true" }, "lab-detections");
    bucket = run.outputs.bucketName as string;
  });

  const pattern = (name: string) => JSON.parse(run.named(name).inputs.eventPattern as string) as Record<string, unknown>;

  it("alerts on a trail being stopped, deleted, updated or narrowed, as EventBridge delivers those calls", function () {
    const rule = pattern("detections-trail-changes");
    for (const name of ["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors", "PutInsightSelectors"]) {
      expect(matchesEventPattern(rule, apiCall("cloudtrail.amazonaws.com", name, { name: "my-logs-trail" }).envelope), name).to.equal(true);
    }
    for (const name of ["StartLogging", "GetTrailStatus", "LookupEvents"]) {
      expect(matchesEventPattern(rule, apiCall("cloudtrail.amazonaws.com", name, { name: "my-logs-trail" }).envelope), name).to.equal(
        false,
      );
    }
    expect(run.named("detections-trail-changes").inputs.state).to.equal("ENABLED");
  });

  it("alerts on the log bucket's policy, ACL, lifecycle and replication changes, by their CloudTrail event names, and on no other bucket's", function () {
    const rule = pattern("detections-bucket-changes");
    const onBucket = (name: string, b = bucket) =>
      matchesEventPattern(rule, apiCall("s3.amazonaws.com", name, { bucketName: b, policy: "" }).envelope);
    for (const name of [
      "PutBucketPolicy",
      "DeleteBucketPolicy",
      "PutBucketAcl",
      "PutBucketLifecycle",
      "DeleteBucketLifecycle",
      "PutBucketReplication",
    ]) {
      expect(onBucket(name), name).to.equal(true);
    }
    // S3 records PutBucketLifecycleConfiguration as PutBucketLifecycle: the API's name would never match.
    expect(onBucket("PutBucketLifecycleConfiguration")).to.equal(false);
    expect(onBucket("GetBucketPolicy")).to.equal(false);
    expect(onBucket("PutBucketPolicy", "someone-elses-bucket")).to.equal(false);
  });

  it("publishes both rules to the encrypted topic without a role, once the topic lets EventBridge in", function () {
    const topic = run.one(T.topic);
    const key = run.one(T.key);
    expect(topic.inputs.kmsMasterKeyId).to.equal(key.state.arn);
    const targets = run.all(T.target);
    expect(targets.map((t) => t.inputs.rule).sort()).to.deep.equal(
      run
        .all(T.rule)
        .map((r) => r.state.name)
        .sort(),
    );
    for (const target of targets) {
      expect(target.inputs.arn, target.name).to.equal(topic.state.arn);
      expect(target.inputs.roleArn, target.name).to.equal(undefined);
      expect(target.dependsOn, target.name).to.include("detections-topic-policy");
    }
  });

  it("lets EventBridge and the trail's alarms (not any alarm) use the key and publish; the queue takes the topic's messages only", function () {
    const key = JSON.parse(run.one(T.key).inputs.policy as string);
    const services = key.Statement.filter((s: any) => s.Principal.Service).map((s: any) => [s.Principal.Service, s.Action]);
    expect(services).to.deep.equal([
      ["events.amazonaws.com", ["kms:GenerateDataKey*", "kms:Decrypt"]],
      ["cloudwatch.amazonaws.com", ["kms:GenerateDataKey*", "kms:Decrypt"]],
    ]);
    expect(key.Statement[0]).to.deep.include({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*" });

    const topicArn = run.one(T.topic).state.arn;
    const topicPolicy = run.one(T.topicPolicy).inputs;
    expect(topicPolicy.arn).to.equal(topicArn);
    const [events, alarms] = JSON.parse(topicPolicy.policy as string).Statement;
    expect(events).to.deep.equal({
      Sid: "AllowEventBridgeRulesToPublish",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sns:Publish",
      Resource: topicArn,
    });
    expect(alarms.Condition.ArnLike["aws:SourceArn"]).to.equal(`arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:my-logs-trail-*`);

    const queue = run.one(T.queue);
    expect(queue.inputs.sqsManagedSseEnabled).to.equal(true);
    const queuePolicy = JSON.parse(run.one(T.queuePolicy).inputs.policy as string);
    expect(queuePolicy.Version).to.equal("2012-10-17");
    expect(queuePolicy.Statement).to.deep.equal([
      {
        Sid: "AllowTheAlertTopicOnly",
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queue.state.arn,
        Condition: { ArnEquals: { "aws:SourceArn": topicArn } },
      },
    ]);
    const subscription = run.one(T.subscription);
    expect(subscription.inputs).to.include({ topic: topicArn, protocol: "sqs", endpoint: queue.state.arn });
    expect(subscription.inputs.rawMessageDelivery).to.equal(undefined);
    expect(subscription.dependsOn).to.deep.equal(["detections-queue-policy"]);
  });

  it("exports the topic and the queue the lab reads, and makes no metric filter or alarm without CloudWatch Logs", function () {
    expect(run.outputs.alertTopicArn).to.equal(run.one(T.topic).state.arn);
    expect(run.outputs.alertQueueUrl).to.equal(run.one(T.queue).state.url);
    expect(run.all(T.filter)).to.deep.equal([]);
    expect(run.all(T.alarm)).to.deep.equal([]);
  });

  it("tags every taggable resource with the stack and parents each to the Detections component", function () {
    const mine = run.resources.filter((r) => r.parent === "detections");
    expect(mine.map((r) => r.type).sort()).to.deep.equal(
      [T.key, T.topic, T.topicPolicy, T.queue, T.queuePolicy, T.subscription, T.rule, T.target, T.rule, T.target].sort(),
    );
    for (const r of mine.filter((m) => [T.key, T.topic, T.queue, T.rule].includes(m.type))) {
      expect(r.inputs.tags, r.name).to.include({ "trail-lab:stack": "lab-detections" });
    }
  });
});

describe("infra: detections with CloudWatch Logs (CIS metric filters and alarms)", function () {
  let run: ProgramRun;
  before(async function () {
    run = await runProgram({ detections: "true", cloudWatchLogs: "true" }, "lab-cis");
  });

  it("filters the trail's log group with Security Hub's exact CloudWatch.5 and CloudWatch.8 patterns", function () {
    const group = run.one("aws:cloudwatch/logGroup:LogGroup").inputs.name;
    const filters = run.all(T.filter).map((f) => f.inputs);
    expect(filters.map((f) => f.pattern)).to.deep.equal([SECURITY_HUB_CLOUDWATCH_5, SECURITY_HUB_CLOUDWATCH_8]);
    for (const f of filters) {
      expect(f.logGroupName).to.equal(group);
      expect(f.metricTransformation).to.include({ namespace: "TrailLab/my-logs-trail", value: "1" });
    }
  });

  it("counts the drill's CloudTrail and bucket changes, and not a read or PutEventSelectors (which CIS's filter leaves out)", function () {
    const [trailFilter, bucketFilter] = run.all(T.filter).map((f) => f.inputs.pattern as string);
    expect(matchesMetricFilter(trailFilter, apiCall("cloudtrail.amazonaws.com", "StopLogging", {}).detail)).to.equal(true);
    expect(matchesMetricFilter(trailFilter, apiCall("cloudtrail.amazonaws.com", "PutEventSelectors", {}).detail)).to.equal(false);
    expect(matchesMetricFilter(bucketFilter, apiCall("s3.amazonaws.com", "PutBucketLifecycle", {}).detail)).to.equal(true);
    expect(matchesMetricFilter(bucketFilter, apiCall("s3.amazonaws.com", "PutBucketPolicy", {}).detail)).to.equal(true);
    expect(matchesMetricFilter(bucketFilter, apiCall("s3.amazonaws.com", "GetBucketPolicy", {}).detail)).to.equal(false);
    expect(matchesMetricFilter(bucketFilter, apiCall("cloudtrail.amazonaws.com", "PutBucketPolicy", {}).detail)).to.equal(false);
  });

  it("alarms on one change within five minutes, to the same topic, named after the trail so the topic policy admits them", function () {
    const topicArn = run.one(T.topic).state.arn;
    const alarms = run.all(T.alarm).map((a) => a.inputs);
    expect(alarms.map((a) => a.name)).to.deep.equal(["my-logs-trail-cloudtrail-changes", "my-logs-trail-bucket-policy-changes"]);
    for (const a of alarms) {
      expect(a, a.name).to.include({
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
        namespace: "TrailLab/my-logs-trail",
      });
      expect(a.alarmActions).to.deep.equal([topicArn]);
    }
  });
});

describe("infra: detections off by default", function () {
  it("declares no rule, topic, queue or key, and exports null for the topic and queue", async function () {
    const run = await runProgram({}, "lab-no-detections");
    for (const type of Object.values(T)) expect(run.all(type), type).to.deep.equal([]);
    expect(run.outputs).to.include({ alertTopicArn: null, alertQueueUrl: null });
  });
});
