// The stand-in provider's model of a trail's event selectors (plugin/trail-selectors.ts), in
// process: what the state holds after a create, and which new inputs the diff calls a change, by
// the real provider's rules (selectors an ordered list, field selectors a set, name "" for unset,
// empty operators dropped, the default basic selector read back as none). opt-in.test.ts then
// holds the program's own selectors to it through the real engine (a second preview, no change).
import { expect } from "chai";
import { dataEventSelectors, bucketObjectsArnPrefix } from "../../infra/data-event-canary";
import { diffInputs, ruleFor, type World } from "./plugin/resources";

const TRAIL = "aws:cloudtrail/trail:Trail";
const world: World = { region: "us-east-1", account: "123456789012", partition: "aws", resources: [] };
const declared = dataEventSelectors(bucketObjectsArnPrefix("aws", "data-canary-bucket-5e6f7a8"));

/** The trail created with `inputs`, then diffed against `news` as the engine asks. */
function diffAfterCreate(inputs: Record<string, unknown>, news: Record<string, unknown>) {
  const all = { name: "my-logs-trail", s3BucketName: "audit-logs-bucket-1a2b3c4", ...inputs };
  const { outputs } = ruleFor(TRAIL).create("audit-trail", all, world);
  return { outputs, diff: diffInputs(TRAIL, all, { ...all, ...news }, outputs) };
}

describe("engine stand-in: a trail's event selectors as the AWS provider holds and diffs them", function () {
  it("holds the field selectors in the set's order, not the declared one, and the program's own selectors again are no change", function () {
    const { outputs, diff } = diffAfterCreate({ advancedEventSelectors: declared }, { advancedEventSelectors: declared });
    const held = (outputs.advancedEventSelectors as { fieldSelectors: { field: string }[] }[])[1].fieldSelectors.map((f) => f.field);
    expect(held).to.deep.equal(["eventCategory", "resources.ARN", "resources.type"]);
    expect(declared[1].fieldSelectors.map((f) => f.field)).to.deep.equal(["eventCategory", "resources.type", "resources.ARN"]);
    expect(diff).to.deep.equal({ changes: false, replaces: [] });
  });

  it("field selectors reordered: no change (a set); selectors reordered: a change (a list)", function () {
    const shuffled = declared.map((s) => ({ ...s, fieldSelectors: [...s.fieldSelectors].reverse() }));
    expect(diffAfterCreate({ advancedEventSelectors: declared }, { advancedEventSelectors: shuffled }).diff.changes).to.equal(false);
    const swapped = [declared[1], declared[0]];
    expect(diffAfterCreate({ advancedEventSelectors: declared }, { advancedEventSelectors: swapped }).diff.changes).to.equal(true);
  });

  it("a name left out reads back as '' and an empty operator as absent: neither is a change", function () {
    const bare = [{ fieldSelectors: [{ field: "eventCategory", equals: ["Management"], startsWiths: [] }] }];
    const { outputs, diff } = diffAfterCreate({ advancedEventSelectors: bare }, { advancedEventSelectors: bare });
    expect(outputs.advancedEventSelectors).to.deep.equal([
      { name: "", fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] },
    ]);
    expect(diff.changes).to.equal(false);
  });

  it("a canary of another bucket, or data events turned off, is a change; the trail is updated, not replaced", function () {
    const other = dataEventSelectors(bucketObjectsArnPrefix("aws", "data-canary-bucket-9f8e7d6"));
    expect(diffAfterCreate({ advancedEventSelectors: declared }, { advancedEventSelectors: other }).diff).to.deep.equal({
      changes: true,
      replaces: [],
    });
    expect(diffAfterCreate({ advancedEventSelectors: declared }, { advancedEventSelectors: undefined }).diff.changes).to.equal(true);
  });

  it("the default basic selector written out reads back as none: a change on every preview (the trap infra/audit-trail.ts avoids)", function () {
    const written = [{ readWriteType: "All", includeManagementEvents: true }];
    const { outputs, diff } = diffAfterCreate({ eventSelectors: written }, { eventSelectors: written });
    expect(outputs.eventSelectors).to.deep.equal([]);
    expect(diff.changes).to.equal(true);
    // Left out, as the program does: no change.
    expect(diffAfterCreate({}, {}).diff.changes).to.equal(false);
    // A selector that is not the default reads back as declared.
    const writesOnly = [{ readWriteType: "WriteOnly", includeManagementEvents: true }];
    expect(diffAfterCreate({ eventSelectors: writesOnly }, { eventSelectors: writesOnly }).diff.changes).to.equal(false);
  });
});
