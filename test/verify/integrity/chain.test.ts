// walkChain (verify/integrity/chain.ts) in process, without servers: one trail's digests in one
// region, signed and linked as CloudTrail signs and links them (test/support/fixtures/signed-digests),
// kept in memory as a bucket would keep them. Reads answer from that memory ("missing" when a key is
// not there, "unreadable" when it is not a gzipped digest, through verify's own digestFromObject),
// and each digest is judged by verify's DigestJudge with the trail's one key: a forged or moved
// digest fails as it would against AWS. The key lookup, the S3 reads and the listing are
// validateIntegrity's, tested through the local servers in integrity*.test.ts.
import { expect } from "chai";
import { gzipSync } from "node:zlib";
import { walkChain, type ChainFindings, type ChainGap, type ChainRange, type ChainTools } from "../../../verify/integrity/chain";
import { rsaPublicKey } from "../../../verify/integrity/digest-file";
import type { DigestLocation } from "../../../verify/integrity/digest-listing";
import { digestFromObject, type FetchedDigest } from "../../../verify/integrity/digest-reader";
import { DigestJudge, type DigestVerdict } from "../../../verify/integrity/digest-verdict";
import { FixtureFactory, logFile } from "../../support/fixtures/cloudtrail-fixtures";
import { DigestChain, iso, newSigningKey, signDigest, type DigestOptions, type SignedDigest } from "../../support/fixtures/signed-digests";

const HOUR = 3_600_000;
/** The first digest's start: odd seconds, as CloudTrail's are (as in test/support/worlds/integrity-world.ts). */
const T0 = new Date("2025-03-01T10:00:07Z");
const BUCKET = "audit-trail-logs";
const TRAIL_KEY = newSigningKey();
const PUBLIC_KEY = rsaPublicKey(TRAIL_KEY.publicDer);

interface ChainShape {
  /** Hourly digests in the range. @default 3 */
  hours?: number;
  /** @default "123456789012" */
  account?: string;
  /** @default "us-east-1" */
  region?: string;
  /** An organization trail's o- folder. */
  orgId?: string;
  /** The end of the range's digest `i`. @default T0 + (i + 1) h */
  end?: (i: number) => Date;
  /** Options for the range's digest `i`, knowing the digests made before it. */
  digest?: (i: number, made: SignedDigest[]) => DigestOptions;
  /** Options for the digest of the hour after the range. */
  after?: DigestOptions;
}

interface Stored {
  location: DigestLocation;
  body: Buffer;
  metadata: Record<string, string>;
}

/** Where the listing puts a digest: its stamp is the end time in its name. */
function locate(d: SignedDigest): DigestLocation {
  return {
    bucket: d.bucket,
    key: d.key,
    account: d.content.awsAccountId as string,
    region: d.region,
    stamp: new Date(d.content.digestEndTime as string),
    backfill: false,
  };
}

const s3Url = (d: { bucket: string; key: string }) => `s3://${d.bucket}/${d.key}`;
/** A digest key's name with another end time stamped in it (`..._<YYYYMMDDTHHmmssZ>.json.gz`). */
const restamped = (key: string, at: Date) => key.replace(/\d{8}T\d{6}Z(?=\.json\.gz$)/, iso(at).replace(/[-:]/g, ""));
const startOf = (d: SignedDigest) => d.content.digestStartTime as string;
const endOf = (d: SignedDigest) => d.content.digestEndTime as string;

/**
 * One chain: a digest long before the range (its first's predecessor, as in the integrity world),
 * `hours` digests in the range, and the one after it, each listing a log of its hour.
 */
class ChainWorld {
  readonly before: SignedDigest;
  readonly digests: SignedDigest[] = [];
  readonly after: SignedDigest;
  readonly since: Date;
  readonly until: Date;
  /** The keys read, in order, however often. */
  readonly reads: string[] = [];
  /** Verdicts the judge gives whatever the digest, by key: a region that refused its keys. */
  readonly forced = new Map<string, DigestVerdict>();
  private readonly stored = new Map<string, Stored>();

  constructor(shape: ChainShape = {}) {
    const f = new FixtureFactory(shape.account ?? "123456789012", 77);
    const region = shape.region ?? "us-east-1";
    const chain = new DigestChain(f, TRAIL_KEY, {
      name: "audit-trail",
      homeRegion: "us-east-1",
      bucket: BUCKET,
      prefix: "lab",
      orgId: shape.orgId,
    });
    const hourOfLogs = (end: Date) => [
      chain.log(region, new Date(end.getTime() - HOUR + 10 * 60_000), logFile(f.noiseRecords(region, end, 3))),
    ];
    const digestAt = (end: Date, options?: DigestOptions) => chain.digest(region, end, hourOfLogs(end), options);
    const end = shape.end ?? ((i: number) => new Date(T0.getTime() + (i + 1) * HOUR));
    const hours = shape.hours ?? 3;

    this.before = digestAt(new Date(T0.getTime() - 5 * HOUR));
    for (let i = 0; i < hours; i++) this.digests.push(digestAt(end(i), shape.digest?.(i, this.digests)));
    const last = end(hours - 1);
    this.after = digestAt(new Date(last.getTime() + HOUR), shape.after);
    for (const d of [this.before, ...this.digests, this.after]) this.put(d);
    this.since = new Date(T0.getTime() + 60_000);
    this.until = new Date(last.getTime() - 60_000);
  }

  put(d: SignedDigest, location = locate(d)): void {
    this.stored.set(`${location.bucket}/${location.key}`, { location, body: d.body, metadata: d.metadata ?? {} });
  }

  remove(...digests: SignedDigest[]): void {
    for (const d of digests) this.stored.delete(`${d.bucket}/${d.key}`);
  }

  /** The digest's object copied to a name stamped `at` in the same folder, and deleted where it was: returns its new place. */
  move(d: SignedDigest, at: Date): { bucket: string; key: string } {
    const moved = { ...locate(d), key: restamped(d.key, at), stamp: at };
    this.remove(d);
    this.stored.set(`${moved.bucket}/${moved.key}`, { location: moved, body: d.body, metadata: d.metadata ?? {} });
    return moved;
  }

  /** Stores other bytes under a digest's key (and its metadata, unless given). */
  replace(d: SignedDigest, body: Buffer, metadata = d.metadata ?? {}): void {
    this.stored.set(`${d.bucket}/${d.key}`, { location: locate(d), body, metadata });
  }

  /** The digest as CloudTrail would have written it with `change` made to its fields, signed with the trail's key. */
  rewrite(d: SignedDigest, change: (content: Record<string, unknown>) => void): void {
    const content = structuredClone(d.content);
    change(content);
    const json = Buffer.from(JSON.stringify(content));
    const signature = signDigest(TRAIL_KEY, endOf(d), d.bucket, d.key, json, content.previousDigestSignature as string | null);
    this.replace(d, gzipSync(json), { signature, "signature-algorithm": "SHA256withRSA" });
  }

  /** What the listing finds: every digest stored whose stamp is at or after `since`, oldest first. */
  listed(since = this.since): DigestLocation[] {
    return [...this.stored.values()]
      .map((s) => s.location)
      .filter((l) => l.stamp.getTime() >= since.getTime())
      .sort((a, b) => a.stamp.getTime() - b.stamp.getTime());
  }

  readonly tools: ChainTools = {
    read: (location) => Promise.resolve(this.read(location)),
    judge: (digest) => {
      const forced = this.forced.get(digest.location.key);
      return forced ? Promise.resolve(forced) : this.judge.judge(digest);
    },
  };

  private read(location: DigestLocation): FetchedDigest {
    this.reads.push(location.key);
    const stored = this.stored.get(`${location.bucket}/${location.key}`);
    if (!stored) return { location, state: "missing" };
    return digestFromObject(location, stored.body, stored.metadata);
  }

  /** verify's own judge, with the trail's one key for every region and time. */
  private readonly judge = new DigestJudge({ find: () => Promise.resolve({ key: PUBLIC_KEY }) });

  walk(range: Partial<ChainRange> = {}, listed?: DigestLocation[]): Promise<ChainFindings> {
    const since = range.since ?? this.since;
    return walkChain(listed ?? this.listed(since), { since, until: range.until ?? this.until }, this.tools);
  }
}

/** A found digest as the report would tell it. */
interface Row {
  object: string;
  state: FetchedDigest["state"];
  verdict: string;
  namedBy: string | null;
  brokenLink: string | null;
}

function rows(findings: ChainFindings): Row[] {
  return findings.digests.map(({ digest, verdict, namedBy, brokenLink }) => ({
    object: s3Url(digest.location),
    state: digest.state,
    verdict: verdict.status === "invalid" ? verdict.reason : verdict.status,
    namedBy,
    brokenLink,
  }));
}

const valid = (d: SignedDigest, extra: Partial<Row> = {}): Row => ({
  object: s3Url(d),
  state: "read",
  verdict: "valid",
  namedBy: null,
  brokenLink: null,
  ...extra,
});
const notFound = (d: { bucket: string; key: string }, namedBy: SignedDigest): Row => ({
  object: s3Url(d),
  state: "missing",
  verdict: "not found",
  namedBy: namedBy.key,
  brokenLink: null,
});
const missingGap = (successor: SignedDigest, from: string, to: string, reason: string): ChainGap => ({
  cause: "missing",
  location: locate(successor),
  from,
  to,
  reason,
});

/** The gap at the range's start when the oldest digest in it is gone: only it named what came before. */
const missingAtStart = (successor: SignedDigest, since: Date, missing: { bucket: string; key: string }): ChainGap =>
  missingGap(
    successor,
    iso(since),
    startOf(successor),
    `the previous digest ${s3Url(missing)} is missing; the digests before it in the range are not known (only it names its predecessor)`,
  );

describe("verify: walking one digest chain back along its links (walkChain)", () => {
  it("an intact chain: the range's digests valid, oldest first, no gap; the one after the range a witness only, the one before it never read", async () => {
    const w = new ChainWorld();
    const [d0, d1, d2] = w.digests;
    const findings = await w.walk();
    expect(rows(findings)).to.deep.equal([valid(d0), valid(d1), valid(d2)]);
    expect(findings.gaps).to.deep.equal([]);
    expect(w.reads).to.include(w.after.key);
    expect(w.reads).not.to.include(w.before.key);
  });

  it("finds the same whatever order the listing comes in: it starts from the newest, whose link alone names the range's last digest", async () => {
    const w = new ChainWorld();
    const [d0, d1, d2] = w.digests;
    w.remove(d2);
    const [a, b, c] = w.listed();
    for (const listed of [
      [a, b, c],
      [c, b, a],
      [b, c, a],
      [c, a, b],
    ]) {
      const findings = await w.walk({}, listed);
      expect(rows(findings)).to.deep.equal([valid(d0), valid(d1), notFound(d2, w.after)]);
      expect(findings.gaps.map((g) => g.location.key)).to.deep.equal([w.after.key]);
    }
  });

  it("takes no listed digest outside the range for the range's, whether or not it reads", async () => {
    const w = new ChainWorld();
    const [d0, d1, d2] = w.digests;
    // Listed from an hour before `before` ends: the walk reaches it from the listing, d0's link having left the range.
    const listed = w.listed(new Date(T0.getTime() - 6 * HOUR));
    expect(listed.map((l) => l.key)).to.include(w.before.key);
    expect(rows(await w.walk({}, listed))).to.deep.equal([valid(d0), valid(d1), valid(d2)]);
    w.replace(w.before, Buffer.from("not a gzip stream"));
    expect(rows(await w.walk({}, listed))).to.deep.equal([valid(d0), valid(d1), valid(d2)]);
  });

  it("takes a digest whose hour only touches the range for the range's: one ending as it starts, one starting as it ends", async () => {
    const w = new ChainWorld();
    const [d0, d1, d2] = w.digests;
    const findings = await w.walk({ since: new Date(endOf(d0)), until: new Date(startOf(d2)) });
    expect(rows(findings)).to.deep.equal([valid(d0), valid(d1), valid(d2)]);
    expect(findings.gaps).to.deep.equal([]);
  });

  describe("a deleted digest is found where its successor names it", () => {
    it("the oldest of the range: not found, named by the next, and the range's start unvouched", async () => {
      const w = new ChainWorld();
      const [d0, d1, d2] = w.digests;
      w.remove(d0);
      const findings = await w.walk();
      expect(rows(findings)).to.deep.equal([notFound(d0, d1), valid(d1), valid(d2)]);
      // Looked for where the link says: its bucket, its key, the end time in its name, its successor's account and region.
      expect(findings.digests[0].digest.location).to.deep.equal(locate(d0));
      expect(findings.gaps).to.deep.equal([missingAtStart(d1, w.since, d0)]);
    });

    it("the newest of the range: the digest after the range names it", async () => {
      const w = new ChainWorld();
      const [d0, d1, d2] = w.digests;
      w.remove(d2);
      const findings = await w.walk();
      expect(rows(findings)).to.deep.equal([valid(d0), valid(d1), notFound(d2, w.after)]);
      expect(findings.gaps).to.deep.equal([
        missingGap(w.after, endOf(d1), startOf(w.after), `the previous digest ${s3Url(d2)} is missing`),
      ]);
    });

    it("two in a row in the middle: the later one named, the earlier counted in the gap (aws/aws-cli#7054)", async () => {
      const w = new ChainWorld({ hours: 5 });
      const [d0, d1, d2, d3, d4] = w.digests;
      w.remove(d1, d2);
      const findings = await w.walk();
      expect(rows(findings)).to.deep.equal([valid(d0), notFound(d2, d3), valid(d3), valid(d4)]);
      expect(findings.gaps).to.deep.equal([
        missingGap(
          d3,
          endOf(d0),
          startOf(d3),
          `the previous digest ${s3Url(d2)} is missing, and so, about hourly, are 1 digest(s) before it, which only it names`,
        ),
      ]);
    });

    it("every digest of the range: the one after it still names the newest, and the gap reaches back to the range's start", async () => {
      const w = new ChainWorld();
      const [d0, d1, d2] = w.digests;
      w.remove(d0, d1, d2);
      const findings = await w.walk();
      expect(rows(findings)).to.deep.equal([notFound(d2, w.after)]);
      expect(findings.gaps).to.deep.equal([missingAtStart(w.after, w.since, d2)]);
    });

    it("deleted at the range's very edges: one ending as it starts, one starting as it ends, both still looked for", async () => {
      const w = new ChainWorld();
      const [d0, d1, d2] = w.digests;
      w.remove(d0, d2);
      const range = { since: new Date(endOf(d0)), until: new Date(endOf(d1)) };
      const findings = await w.walk(range);
      expect(rows(findings)).to.deep.equal([notFound(d0, d1), valid(d1), notFound(d2, w.after)]);
      expect(findings.gaps).to.deep.equal([
        missingGap(w.after, endOf(d1), startOf(w.after), `the previous digest ${s3Url(d2)} is missing`),
        missingAtStart(d1, range.since, d0),
      ]);
    });

    it("one deleted after the range, named by a later digest, is neither reported nor a gap", async () => {
      const w = new ChainWorld({ hours: 2 });
      const [d0, d1] = w.digests;
      w.remove(d1);
      // The range ends a minute before d1's hour starts: d1 is the range's witness, not part of it.
      const findings = await w.walk({ until: new Date(T0.getTime() + HOUR - 60_000) });
      expect(rows(findings)).to.deep.equal([valid(d0)]);
      expect(findings.gaps).to.deep.equal([]);
    });
  });

  describe("a digest is judged on its own; a link once, on the digest it points at", () => {
    it("a predecessor whose stored signature was replaced is invalid alone: its genuine successor is not blamed", async () => {
      const w = new ChainWorld();
      const [d0, d1, d2] = w.digests;
      w.replace(d1, d1.body, { ...d1.metadata, signature: d0.signature });
      const findings = await w.walk();
      expect(rows(findings)).to.deep.equal([valid(d0), valid(d1, { verdict: "signature verification failed" }), valid(d2)]);
      expect(findings.gaps).to.deep.equal([]);
    });

    it("a predecessor whose content was edited (a log taken out of its list) is invalid alone too", async () => {
      const w = new ChainWorld();
      const [d0, d1, d2] = w.digests;
      const edited = { ...d1.content, logFiles: [] };
      w.replace(d1, gzipSync(JSON.stringify(edited)));
      const findings = await w.walk();
      expect(rows(findings)).to.deep.equal([valid(d0), valid(d1, { verdict: "signature verification failed" }), valid(d2)]);
      expect(findings.gaps).to.deep.equal([]);
    });

    it("a valid predecessor that is not the one its successor signed breaks the successor's link, and only it", async () => {
      const w = new ChainWorld({ digest: (i) => (i === 2 ? { previousSignature: "ab".repeat(256) } : {}) });
      const [d0, d1, d2] = w.digests;
      const findings = await w.walk();
      expect(rows(findings)).to.deep.equal([
        valid(d0),
        valid(d1),
        valid(d2, { brokenLink: `chain broken: its previousDigestSignature is not the signature of the previous digest ${s3Url(d1)}` }),
      ]);
      expect(findings.gaps).to.deep.equal([
        missingGap(
          d2,
          endOf(d1),
          startOf(d2),
          `the chain is broken between ${s3Url(d1)} and ${s3Url(d2)}: the digest there is not the one its successor signed`,
        ),
      ]);
    });

    it("a signature claimed in capitals is the same signature", async () => {
      const w = new ChainWorld({ digest: (i, made) => (i === 2 ? { previousSignature: made[1].signature.toUpperCase() } : {}) });
      const findings = await w.walk();
      expect(rows(findings)).to.deep.equal(w.digests.map((d) => valid(d)));
      expect(findings.gaps).to.deep.equal([]);
    });

    it("the digest after the range is a witness: its own broken link is not the range's", async () => {
      const w = new ChainWorld({ after: { previousSignature: "cd".repeat(256) } });
      const findings = await w.walk();
      expect(rows(findings)).to.deep.equal(w.digests.map((d) => valid(d)));
      expect(findings.gaps).to.deep.equal([]);
    });

    it("a digest whose region refused its public keys is neither followed nor blamed for its link", async () => {
      const w = new ChainWorld({ digest: (i) => (i === 2 ? { previousSignature: "ab".repeat(256) } : {}) });
      const [d0, d1, d2] = w.digests;
      const refused: DigestVerdict = { status: "unchecked", refused: new Error("AccessDeniedException") };
      w.forced.set(d2.key, refused);
      const findings = await w.walk();
      expect(findings.digests.map((d) => d.verdict)).to.deep.equal([{ status: "valid" }, { status: "valid" }, refused]);
      expect(rows(findings).map((r) => r.brokenLink)).to.deep.equal([null, null, null]);
      expect(findings.gaps).to.deep.equal([]);
      expect(rows(findings).map((r) => r.object)).to.deep.equal([d0, d1, d2].map(s3Url));
    });

    it("a digest that does not read (not gzip) is invalid alone and its link not followed; the walk goes on from the listing", async () => {
      const w = new ChainWorld({ hours: 4 });
      const [d0, d1, d2, d3] = w.digests;
      w.replace(d2, Buffer.from("not a gzip stream"));
      // d1 named a predecessor that is gone; only d1's own link, followed from the listing, says so.
      w.remove(d0);
      const findings = await w.walk();
      expect(rows(findings)).to.deep.equal([
        notFound(d0, d1),
        valid(d1),
        { object: s3Url(d2), state: "unreadable", verdict: "corrupt gzip: incorrect header check", namedBy: null, brokenLink: null },
        valid(d3),
      ]);
      expect(findings.gaps.map((g) => [g.location.key, g.from, g.to])).to.deep.equal([[d1.key, iso(w.since), startOf(d1)]]);
    });
  });

  describe("a chain that restarts (logging or log file validation off)", () => {
    // Logging off from d0's end to d1's start: d1 names no predecessor.
    const restarted = () =>
      new ChainWorld({
        end: (i) => new Date(T0.getTime() + (i === 0 ? 1 : i + 3) * HOUR),
        digest: (i) => (i === 1 ? { restart: true } : {}),
      });

    it("is a gap from the end of the newest digest before it to its start; the chain before it is still walked", async () => {
      const w = restarted();
      const [d0, d1, d2] = w.digests;
      w.remove(w.before);
      const findings = await w.walk({ since: new Date(T0.getTime() - 6 * HOUR) });
      // The digest before it is walked from the listing, and its own link followed: so its deleted predecessor is found.
      expect(rows(findings)).to.deep.equal([notFound(w.before, d0), valid(d0), valid(d1), valid(d2)]);
      expect(findings.gaps).to.deep.equal([
        {
          cause: "restart",
          location: locate(d1),
          from: endOf(d0),
          to: startOf(d1),
          reason: `the chain restarts at ${s3Url(d1)}: it names no previous digest (logging or log file validation was off)`,
        },
        missingAtStart(d0, new Date(T0.getTime() - 6 * HOUR), w.before),
      ]);
    });

    it("the digest before it deleted after the listing: the gap starts at the end stamped in its name", async () => {
      const w = restarted();
      const [d0, d1, d2] = w.digests;
      const listed = w.listed();
      w.remove(d0);
      const findings = await w.walk({}, listed);
      expect(rows(findings)).to.deep.equal([
        { object: s3Url(d0), state: "missing", verdict: "not found", namedBy: null, brokenLink: null },
        valid(d1),
        valid(d2),
      ]);
      expect(findings.gaps.map((g) => [g.cause, g.from, g.to])).to.deep.equal([["restart", iso(new Date(endOf(d0))), startOf(d1)]]);
    });

    it("at the range's oldest digest, or after the range: no gap in it", async () => {
      const atStart = new ChainWorld({ digest: (i) => (i === 0 ? { restart: true } : {}) });
      expect((await atStart.walk()).gaps).to.deep.equal([]);
      const after = new ChainWorld({ after: { restart: true } });
      const findings = await after.walk();
      expect(rows(findings)).to.deep.equal(after.digests.map((d) => valid(d)));
      expect(findings.gaps).to.deep.equal([]);
    });
  });

  describe("where a link leads", () => {
    it("to another bucket (the trail's bucket changed): looked for there, not in the trail's bucket", async () => {
      const w = new ChainWorld({ digest: (i) => (i === 2 ? { previousBucket: "audit-logs-before-the-move" } : {}) });
      const [d0, d1, d2] = w.digests;
      const moved = { bucket: "audit-logs-before-the-move", key: d1.key };
      const findings = await w.walk();
      // d1 in the trail's bucket is beside the chain now: judged on its own.
      expect(rows(findings)).to.deep.equal([valid(d0), notFound(moved, d2), valid(d1), valid(d2)]);
      expect(findings.gaps).to.deep.equal([missingGap(d2, endOf(d0), startOf(d2), `the previous digest ${s3Url(moved)} is missing`)]);
    });

    it("to a key without a bucket: looked for in the digest's own bucket", async () => {
      const w = new ChainWorld();
      const [d0, d1, d2] = w.digests;
      w.rewrite(d2, (c) => (c.previousDigestS3Bucket = null));
      const findings = await w.walk();
      expect(rows(findings)).to.deep.equal([valid(d0), valid(d1), valid(d2)]);
      expect(findings.gaps).to.deep.equal([]);
    });

    it("to a key with no stamp at the end of its name: looked for anyway, as if it ended where its successor starts", async () => {
      const w = new ChainWorld();
      const [d0, d1, d2] = w.digests;
      for (const unstamped of [d1.key.replace(/_\d{8}T\d{6}Z\.json\.gz$/, ".json.gz"), `${d0.key}.1`]) {
        w.rewrite(d2, (c) => (c.previousDigestS3Object = unstamped));
        const findings = await w.walk();
        expect(findings.digests[1].digest.location).to.deep.equal({ ...locate(d1), key: unstamped, stamp: new Date(startOf(d2)) });
        // d1, ending where d2 starts, is not older than the name d2 gave: it is left beside the chain, judged on its own.
        expect(rows(findings)).to.deep.equal([valid(d0), notFound({ bucket: BUCKET, key: unstamped }, d2), valid(d1), valid(d2)]);
        expect(findings.gaps).to.deep.equal([
          missingGap(d2, endOf(d0), startOf(d2), `the previous digest s3://${BUCKET}/${unstamped} is missing`),
        ]);
      }
    });

    it("to a predecessor it signed no signature for: the link is broken", async () => {
      const w = new ChainWorld();
      const [d0, d1, d2] = w.digests;
      w.rewrite(d1, (c) => (c.previousDigestSignature = null));
      // d2 signed d1's first signature; d1 as rewritten is another object, so d2's link is broken too: both say so.
      const findings = await w.walk();
      expect(rows(findings).map((r) => [r.object, r.verdict, r.brokenLink !== null])).to.deep.equal([
        [s3Url(d0), "valid", false],
        [s3Url(d1), "valid", true],
        [s3Url(d2), "valid", true],
      ]);
      expect(findings.gaps.map((g) => g.location.key)).to.deep.equal([d2.key, d1.key]);
    });

    it("to a predecessor that ended before the range: not looked for, though its successor starts inside the range (a lifecycle rule expired it)", async () => {
      const w = new ChainWorld();
      const [d0, d1, d2] = w.digests;
      w.remove(w.before);
      // The range starts in the hours between `before` (ended T0 - 5 h) and d0 (starts at T0).
      const findings = await w.walk({ since: new Date(T0.getTime() - 2 * HOUR) });
      expect(rows(findings)).to.deep.equal([valid(d0), valid(d1), valid(d2)]);
      expect(findings.gaps).to.deep.equal([]);
      expect(w.reads).not.to.include(w.before.key);
    });

    it("to a digest not older than its successor: the link leaves the walk there", async () => {
      const w = new ChainWorld();
      const [d0, d1, d2] = w.digests;
      const d2End = new Date(endOf(d2));
      // Half an hour after its own end in its own bucket; its own end, in the bucket it names: neither is there.
      for (const named of [
        { bucket: BUCKET, key: restamped(d2.key, new Date(d2End.getTime() + HOUR / 2)) },
        { bucket: "audit-logs-before-the-move", key: d2.key },
      ]) {
        w.rewrite(d2, (c) => {
          c.previousDigestS3Bucket = named.bucket;
          c.previousDigestS3Object = named.key;
        });
        const findings = await w.walk();
        expect(rows(findings)).to.deep.equal([valid(d0), valid(d1), valid(d2)]);
        expect(findings.gaps).to.deep.equal([]);
      }
    });
  });

  describe("a moved digest (copied to another name, deleted where it was)", () => {
    it("is invalid alone; as the newest digest before a hole, the gap starts at the end its content gives, not its new name", async () => {
      const w = new ChainWorld();
      const [d0, d1, d2] = w.digests;
      // 12:00:07 becomes 12:00:59, as in integrity.test.ts's moved digest.
      const moved = w.move(d1, new Date(new Date(endOf(d1)).getTime() + 52_000));
      w.remove(d2);
      const findings = await w.walk();
      expect(rows(findings)).to.deep.equal([
        valid(d0),
        {
          object: s3Url(moved),
          state: "read",
          verdict: `has been moved from its original location ${s3Url(d1)}`,
          namedBy: null,
          brokenLink: null,
        },
        notFound(d2, w.after),
      ]);
      expect(findings.gaps).to.deep.equal([
        missingGap(w.after, endOf(d1), startOf(w.after), `the previous digest ${s3Url(d2)} is missing`),
      ]);
    });

    it("belongs to the range by the hour its content gives, not its new name's", async () => {
      const w = new ChainWorld();
      const [d0, d1, d2] = w.digests;
      // d2's hour ends at 13:00:07, in the range; its new name says 13:59:59, an hour after the range ends.
      const late = w.move(d2, new Date(new Date(endOf(d2)).getTime() + HOUR - 8_000));
      const findings = await w.walk();
      expect(rows(findings)).to.deep.equal([
        valid(d0),
        valid(d1),
        notFound(d2, w.after),
        {
          object: s3Url(late),
          state: "read",
          verdict: `has been moved from its original location ${s3Url(d2)}`,
          namedBy: null,
          brokenLink: null,
        },
      ]);
      // d0's hour ends at 11:00:07; its new name says 11:00:59, inside a range starting at 11:00:30.
      const v = new ChainWorld();
      const early = v.move(v.digests[0], new Date(new Date(endOf(v.digests[0])).getTime() + 52_000));
      const since = new Date(new Date(endOf(v.digests[0])).getTime() + 23_000);
      const fromLate = await v.walk({ since });
      expect(rows(fromLate).map((r) => r.object)).to.deep.equal([v.digests[1], v.digests[2]].map(s3Url));
      expect(rows(fromLate).map((r) => r.object)).not.to.include(s3Url(early));
    });
  });

  it("a digest beside the chain after the range (the trail's bucket changed after it) is not the range's", async () => {
    const w = new ChainWorld({ after: { previousBucket: "audit-logs-before-the-move" } });
    const [d0, d1, d2] = w.digests;
    // The range ends with d1: d2 is after it, and `after` names d2 in the old bucket, so d2 stays beside the chain.
    const findings = await w.walk({ until: new Date(new Date(endOf(d1)).getTime() - 60_000) });
    expect(rows(findings)).to.deep.equal([valid(d0), valid(d1)]);
    expect(findings.gaps).to.deep.equal([]);
    expect(w.reads).to.include(d2.key);
  });

  it("an organization member account's chain in another region: the missing digest looked for in that account's and region's folder", async () => {
    const w = new ChainWorld({
      account: "210987654321",
      orgId: "o-a1b2c3d4e5",
      region: "eu-west-1",
      hours: 4,
      // Digests in eu-west-1 end 42 s past the hour.
      end: (i) => new Date(T0.getTime() + (i + 1) * HOUR + 42_000),
    });
    const [d0, d1, d2, d3] = w.digests;
    w.remove(d1, d2);
    const findings = await w.walk();
    expect(d2.key).to.match(
      /^lab\/AWSLogs\/o-a1b2c3d4e5\/210987654321\/CloudTrail-Digest\/eu-west-1\/2025\/03\/01\/210987654321_CloudTrail-Digest_eu-west-1_/,
    );
    expect(findings.digests[1].digest.location).to.deep.equal({
      bucket: BUCKET,
      key: d2.key,
      account: "210987654321",
      region: "eu-west-1",
      stamp: new Date("2025-03-01T13:00:49Z"),
      backfill: false,
    });
    expect(rows(findings)).to.deep.equal([valid(d0), notFound(d2, d3), valid(d3)]);
    expect(findings.gaps.map((g) => [g.from, g.to, g.reason])).to.deep.equal([
      [
        endOf(d0),
        startOf(d3),
        `the previous digest ${s3Url(d2)} is missing, and so, about hourly, are 1 digest(s) before it, which only it names`,
      ],
    ]);
  });
});
