// Whether a trail's event selectors, basic or advanced, capture the event asked for.
import { expect } from "chai";
import { eventTraits, selectorGap } from "../../../verify/trail/event-selectors";

describe("verify: event selectors", () => {
  const run = eventTraits("RunInstances");
  it("knows RunInstances is a management write event from EC2", () => {
    expect(run).to.deep.equal({ eventName: "RunInstances", readOnly: false, eventSource: "ec2.amazonaws.com" });
    expect(eventTraits("DescribeInstances").readOnly).to.equal(true);
  });

  it("reads basic selectors: read/write type, management events, excluded sources", () => {
    expect(selectorGap({ EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true }] }, run)).to.equal(null);
    expect(selectorGap({ EventSelectors: [{ ReadWriteType: "WriteOnly" }] }, run)).to.equal(null);
    expect(selectorGap({ EventSelectors: [{ ReadWriteType: "ReadOnly", IncludeManagementEvents: true }] }, run)).to.match(
      /exclude RunInstances/,
    );
    expect(selectorGap({ EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: false }] }, run)).to.match(/exclude/);
    expect(selectorGap({ EventSelectors: [{ ReadWriteType: "All", ExcludeManagementEventSources: ["ec2.amazonaws.com"] }] }, run)).to.match(
      /exclude/,
    );
    expect(selectorGap({ EventSelectors: [] }, run)).to.match(/exclude/);
  });

  it("reads advanced selectors field by field", () => {
    const management = { Field: "eventCategory", Equals: ["Management"] };
    expect(selectorGap({ AdvancedEventSelectors: [{ Name: "all management", FieldSelectors: [management] }] }, run)).to.equal(null);
    expect(
      selectorGap(
        { AdvancedEventSelectors: [{ Name: "reads", FieldSelectors: [management, { Field: "readOnly", Equals: ["true"] }] }] },
        run,
      ),
    ).to.match(/no advanced event selector admits RunInstances/);
    expect(
      selectorGap(
        {
          AdvancedEventSelectors: [
            { Name: "no ec2", FieldSelectors: [management, { Field: "eventSource", NotEquals: ["ec2.amazonaws.com"] }] },
          ],
        },
        run,
      ),
    ).to.match(/admits/);
    expect(
      selectorGap(
        {
          AdvancedEventSelectors: [
            {
              Name: "data",
              FieldSelectors: [
                { Field: "eventCategory", Equals: ["Data"] },
                { Field: "resources.type", Equals: ["AWS::S3::Object"] },
              ],
            },
            { Name: "writes", FieldSelectors: [management, { Field: "readOnly", Equals: ["false"] }] },
          ],
        },
        run,
      ),
    ).to.equal(null);
  });
});
