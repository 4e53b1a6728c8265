// What a duration, an instant and a count accept: only what the help text says. Number() and
// Date() took "0x10" as 16, "1e9" as a billion, "1" as the year 2001, and durations past 2^31 ms,
// which Node's timers run after 1 ms.
import { expect } from "chai";
import { UsageError } from "../../common/errors";
import { MAX_SECONDS, parseCount, parseInstant, parseSeconds } from "../../common/flag-values";

const NOW = new Date("2026-11-25T22:40:00Z");

function rejects(work: () => unknown, message: RegExp): void {
  expect(work).to.throw(UsageError, message);
}

describe("common/flag-values: durations, instants and counts", () => {
  it("takes a duration as plain decimal seconds, 0 to 2147483, in milliseconds", () => {
    expect(parseSeconds("timeout", "0")).to.equal(0);
    expect(parseSeconds("timeout", "90")).to.equal(90_000);
    expect(parseSeconds("interval", "0.05")).to.equal(50);
    expect(parseSeconds("timeout", String(MAX_SECONDS))).to.equal(2_147_483_000);
    expect(parseSeconds("timeout", undefined)).to.equal(undefined);
  });

  for (const bad of ["0x10", "1e3", "", " 5", "5s", "+5", "-5", "-0.5", "Infinity", "NaN", ".5", "1.", "2147484", "99999999999"]) {
    it(`rejects the duration '${bad}', saying what is accepted`, () => {
      rejects(
        () => parseSeconds("timeout", bad),
        new RegExp(
          `^--timeout takes a plain decimal number of seconds from 0 to 2147483 \\(about 25 days\\), such as 90 or 0.5; got '${bad.replace(/[.+]/g, "\\$&")}'\\.$`,
        ),
      );
    });
  }

  it("keeps a poll interval above 0 when asked", () => {
    rejects(() => parseSeconds("interval", "0", { min: 0, above: true }), /^--interval takes a plain decimal number of seconds above 0 to/);
    expect(parseSeconds("interval", "0.01", { min: 0, above: true })).to.equal(10);
    // Above 0 as text, 0 ms once rounded: a poll with no pause between rounds.
    rejects(
      () => parseSeconds("interval", "0.0001", { min: 0, above: true }),
      /^--interval takes a plain decimal number of seconds above 0 to/,
    );
  });

  it("takes an instant as ISO-8601 with a zone, Z or an offset", () => {
    expect(parseInstant("since", "2025-01-31T12:00:00Z", NOW)?.toISOString()).to.equal("2025-01-31T12:00:00.000Z");
    expect(parseInstant("since", "2025-01-31T13:00:00+01:00", NOW)?.toISOString()).to.equal("2025-01-31T12:00:00.000Z");
    expect(parseInstant("since", "2025-01-31T07:30-0430", NOW)?.toISOString()).to.equal("2025-01-31T12:00:00.000Z");
    expect(parseInstant("since", "2025-01-31t12:00:00.123456z", NOW)?.toISOString()).to.equal("2025-01-31T12:00:00.123Z");
    expect(parseInstant("since", undefined, NOW)).to.equal(undefined);
  });

  for (const bad of [
    "1",
    "2025",
    "2025-01-31",
    "2025-01-31T12:00:00",
    "yesterday",
    "2025-02-30T00:00:00Z",
    "2025-13-01T00:00:00Z",
    "2025-01-31T24:00:00Z",
    "2025-01-31T12:60:00Z",
    "1738324800",
  ]) {
    it(`rejects the instant '${bad}', saying what is accepted`, () => {
      rejects(
        () => parseInstant("since", bad, NOW),
        /^--since takes an ISO-8601 date and time with its zone, such as 2025-01-31T12:00:00Z or 2025-01-31T13:00:00\+01:00; got '/,
      );
    });
  }

  it("rejects an instant before CloudTrail existed or in the future", () => {
    rejects(() => parseInstant("since", "2001-01-01T00:00:00Z", NOW), /before CloudTrail's start \(2013-11-13\)/);
    rejects(() => parseInstant("until", "2026-11-26T00:00:00Z", NOW), /^--until 2026-11-26T00:00:00Z is in the future/);
    rejects(() => parseInstant("until", "2026-11-25T22:45:01Z", NOW), /is in the future/);
  });

  it("takes an instant up to 5 minutes ahead of this clock, the skew AWS allows a signature", () => {
    expect(parseInstant("until", "2026-11-25T22:44:59Z", NOW)?.toISOString()).to.equal("2026-11-25T22:44:59.000Z");
  });

  it("takes a count as a plain whole number in range", () => {
    expect(parseCount("mb", undefined, 300, 1, 100)).to.equal(300);
    expect(parseCount("mb", "30", 300, 1, 100)).to.equal(30);
    for (const bad of ["0x10", "1e2", "1.5", "-1", "0", "101", ""])
      rejects(() => parseCount("mb", bad, 300, 1, 100), new RegExp(`^--mb takes a plain whole number from 1 to 100; got '`));
  });
});
