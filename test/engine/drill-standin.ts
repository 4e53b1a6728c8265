// The drill world (test/support/worlds/drill-world.ts) as the stand-in AWS plugin left AWS: the
// trail, its bucket's policy and lifecycle, the alert queue and the EventBridge rules, each as the
// real engine declared it to the plugin (its inputs) and the plugin answered (its outputs). Filled
// on the world's first request after the trail exists: the drill runs after the lab's ups.
import { declareInWorld, worldPosture } from "../support/worlds/drill-stack";
import { startDrillWorld, type DrillWorld } from "../support/worlds/drill-world";
import type { DrillTarget } from "../../automation/drill/declared";
import { ACCOUNT } from "../support/fixtures/lab-account";
import type { Store, StoredResource } from "./plugin/store";

const TRAIL = "aws:cloudtrail/trail:Trail";
const QUEUE = "aws:sqs/queue:Queue";

/** `arn:aws:cloudtrail:<region>:<account>:trail/<name>`'s parts. */
function arnParts(arn: string): { region: string; account: string } {
  const [, , , region, account] = arn.split(":");
  return { region, account };
}

/** A world that fills itself from the stand-in's store, with the views the lab's child reads its checks from. */
export async function standInDrillWorld(standIn: Store, region: string): Promise<DrillWorld> {
  const world = await startDrillWorld(ACCOUNT, region);
  let target: DrillTarget | null = null;
  world.beforeEach = () => {
    if (target) return;
    const resources = Object.values(standIn.resources());
    const trail = resources.find((r) => r.type === TRAIL);
    if (!trail) return;
    const of = (type: string) => resources.filter((r) => r.type === type);
    const queue = of(QUEUE).find((r) => String(r.name).includes("alert")) ?? of(QUEUE)[0];
    const arn = String(trail.outputs.arn);
    const { region: home, account } = arnParts(arn);
    const prefix = trail.inputs.s3KeyPrefix;
    const outputs = {
      trailName: String(trail.outputs.name),
      trailArn: arn,
      bucketName: String(trail.inputs.s3BucketName),
      logPrefix: `${typeof prefix === "string" && prefix !== "" ? `${prefix}/` : ""}AWSLogs/${account}/CloudTrail/`,
      alertQueueUrl: queue ? String(queue.outputs.url) : "",
      region: home,
      accountId: account,
    };
    const all = (type: string) => of(type).map((r: StoredResource) => ({ ...r, state: r.outputs, dependsOn: [] }));
    target = declareInWorld(
      world,
      { outputs, all },
      {
        stack: "",
        cloudWatchLogs: trail.inputs.cloudWatchLogsGroupArn !== undefined,
      },
    );
  };
  world.views = {
    delivered: () => world.delivered,
    posture: () => (target ? worldPosture(world, target) : { controls: [] }),
  };
  return world;
}
