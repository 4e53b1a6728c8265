// The lab's data events end to end on the project's servers. The program runs under mocks with
// trail-lab:dataEvents on and is stood up by deployed-world.ts (its three buckets, and its trail
// with the advanced selectors as declared, which the local CloudTrail returns). Then a CloudTrail
// of sorts watches the local S3: every object call made on any bucket (the lab's canary write and
// read, verify's reads of the logs, this world's own deliveries) is judged by the trail's
// selectors, and each one they select is delivered as CloudTrail delivers a data event, in a log
// file of its own in the audit bucket (in seconds, not CloudTrail's five minutes). Selectors that
// took in the audit bucket would be caught in the loop the program avoids: each delivery would be
// selected and delivered again. The probe's RunInstances is delivered on request, and kept in
// Event History, which never gets a data event.
import { FixtureFactory, logFile, type FixtureRecord } from "../fixtures/cloudtrail-fixtures";
import { selectorsLog, type ApiAdvancedSelector } from "../fixtures/advanced-selectors";
import { startCloudTrailServer, type LocalCloudTrail } from "../servers/cloudtrail-server";
import { startS3Server, type LocalS3, type S3Request } from "../servers/s3-server";
import { deployWorld, type DeployedWorld } from "./deployed-world";

/** How often the world looks at S3's request log for calls to deliver. */
const DELIVERY_EVERY_MS = 50;

export interface JudgedCall {
  eventName: "PutObject" | "GetObject";
  bucket: string;
  key: string;
  delivered: boolean;
}

export interface DataEventWorld {
  s3: LocalS3;
  ct: LocalCloudTrail;
  deployed: DeployedWorld;
  /** The stack's outputs as the program's own names give them, for the lab to read. */
  outputs: Record<string, unknown>;
  /** Every object call judged so far, delivered or not. */
  judged: JudgedCall[];
  /** The data-event records delivered so far, and the log file each went to. */
  delivered: { key: string; record: FixtureRecord }[];
  /** Delivers the probe's RunInstances to the audit bucket and to Event History. */
  launch(instanceId: string): Promise<void>;
  close(): Promise<void>;
}

/** Query parameters that leave the call a plain PutObject or GetObject (the SDK names its operation in x-id). */
const PLAIN = new Set(["x-id", "versionId"]);

/** A call on an object, as S3's request log shows it; sub-resource calls (tagging, acl, uploads) are not modelled. */
function objectCall(request: S3Request): { eventName: "PutObject" | "GetObject"; bucket: string; key: string } | null {
  if (!request.bucket || !request.key || [...request.query.keys()].some((name) => !PLAIN.has(name))) return null;
  if (request.method === "PUT") return { eventName: "PutObject", bucket: request.bucket, key: request.key };
  if (request.method === "GET") return { eventName: "GetObject", bucket: request.bucket, key: request.key };
  return null;
}

export async function startDataEventWorld(config: Record<string, string> = {}, stack = "data-events"): Promise<DataEventWorld> {
  const s3 = await startS3Server();
  const ct = await startCloudTrailServer();
  const deployed = await deployWorld(s3, ct, { dataEvents: "true", ...config }, stack);
  const region = ct.state.region;
  const f = new FixtureFactory(deployed.trail.account, 2502);
  const judged: JudgedCall[] = [];
  const delivered: DataEventWorld["delivered"] = [];
  let seen = 0;
  let delivering = Promise.resolve();

  const deliver = async (records: FixtureRecord[]): Promise<string> => {
    const key = f.logKey(region, new Date(), { prefix: deployed.trail.prefix });
    await s3.put(deployed.bucket, [{ key, body: logFile(records) }]);
    return key;
  };

  const round = async () => {
    const fresh = s3.requests.slice(seen);
    seen += fresh.length;
    const records: FixtureRecord[] = [];
    for (const call of fresh.map(objectCall)) {
      if (!call) continue;
      const record = f.s3ObjectCall(call.eventName, region, new Date(), call.bucket, call.key);
      const selectors = (deployed.trail.advancedEventSelectors ?? []) as ApiAdvancedSelector[];
      const logged = selectorsLog(selectors, record);
      judged.push({ ...call, delivered: logged });
      if (logged) records.push(record);
    }
    if (records.length === 0) return;
    const key = await deliver(records);
    for (const record of records) delivered.push({ key, record });
  };
  // A round that fails is kept and thrown at close(): a delivery lost silently would read as the lab's fault.
  const failures: unknown[] = [];
  const timer = setInterval(() => {
    delivering = delivering.then(round).catch((error: unknown) => void failures.push(error));
  }, DELIVERY_EVERY_MS);

  return {
    s3,
    ct,
    deployed,
    outputs: {
      bucketName: deployed.bucket,
      trailName: deployed.trail.name,
      trailArn: deployed.run.outputs.trailArn,
      region,
      accountId: deployed.trail.account,
      logPrefix: deployed.run.outputs.logPrefix,
      accessLogBucketName: deployed.accessLogBucket,
      canaryBucketName: deployed.canaryBucket,
    },
    judged,
    delivered,
    async launch(instanceId) {
      const record = f.runInstances(region, new Date(), instanceId);
      await deliver([...f.noiseRecords(region, new Date(), 10), record]);
      ct.state.events.push(record);
    },
    async close() {
      clearInterval(timer);
      await delivering;
      await s3.close();
      await ct.close();
      if (failures.length > 0) throw new Error(`the data-event world failed to deliver: ${String(failures[0])}`);
    },
  };
}
