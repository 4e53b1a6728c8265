// Config rules that have no resource to show them: CloudWatch Logs' retention steps, and the
// AMI parameter chosen for an instance family.
import { expect } from "chai";
import { logGroupRetention } from "../../infra/trail-log-group";
import { al2023AmiParameter, firstSubnet } from "../../infra/probe-instance";
import { checkTrailName, validateConfig } from "../../infra/config";

describe("infra: config rules", function () {
  it("rounds retention up to a period CloudWatch Logs accepts", function () {
    expect([1, 2, 7, 10, 90, 100, 5000].map(logGroupRetention)).to.deep.equal([1, 3, 7, 14, 90, 120, 3653]);
  });

  it("picks the arm64 AMI for Graviton families only", function () {
    const arch = (t: string) => al2023AmiParameter(t).split("-").pop();
    expect(["t3.micro", "m7i-flex.large", "c5n.large", "g5.xlarge"].map(arch)).to.deep.equal(["x86_64", "x86_64", "x86_64", "x86_64"]);
    expect(["t4g.micro", "m7g.large", "c6gn.large", "r8g.medium"].map(arch)).to.deep.equal(["arm64", "arm64", "arm64", "arm64"]);
  });

  it("picks the same default subnet on every run, and says to set one when there is none", function () {
    expect(firstSubnet(["subnet-0c", "subnet-0a", "subnet-0b"], "t3.micro")).to.equal("subnet-0a");
    expect(() => firstSubnet([], "t3.micro")).to.throw(
      /no default subnet in an Availability Zone that offers t3\.micro.*trail-lab:subnetId/,
    );
  });

  it("accepts the trail names CloudTrail accepts", function () {
    for (const name of ["my-logs-trail", "Trail.2026_audit", "abc", "a".repeat(128)]) {
      expect(checkTrailName(name), name).to.equal(undefined);
    }
    for (const name of ["ab", "a".repeat(129), "-trail", "trail.", "my_-trail", "trail name", "192.168.1.10"]) {
      expect(checkTrailName(name), name).to.be.a("string");
    }
  });

  it("fills in the lab's defaults", function () {
    expect(validateConfig({})).to.deep.include({
      trailName: "my-logs-trail",
      instanceType: "t3.micro",
      instanceName: "test",
      probeInstance: true,
      multiRegion: true,
      accessLogging: true,
      kmsEncryption: false,
      cloudWatchLogs: false,
    });
  });
});
