// One drill: the chosen techniques against the run's own trail and bucket, each detonated, seen by
// trail-lab's checks while in effect, put back to what the program declares and proven put back
// before the next; then one pass that waits for each detonation's records (Event History, the S3
// logs) and alerts (the detections' queue), since S3 delivery takes minutes and waiting once keeps
// the run short. `delete` runs last, after that pass: a deleted trail delivers nothing more.
//
// Whatever happens (an error, a deadline, a signal), putBack() reverts every technique still in
// effect, with bounded retries; the lab calls it in its finally, before destroy. What it cannot put
// back is listed with the exact command that does.
import { describe } from "../../common/errors";
import type { Sleep } from "../signals";
import { alarmsFor, isAlarmFor, isDetonationAlert, readAlert, rulesFor, type Alert, type DetonationEvent } from "./alerts";
import { declaredState, type CheckpointLike, type DeclaredState, type DrillTarget } from "./declared";
import type { DrillAws, HistoryRecord } from "./drill-aws";
import { DetectionsMissingError, DrillRevertError } from "./drill-errors";
import {
  drillVerdict,
  pending,
  techniqueStatus,
  type AlertProof,
  type DrillReport,
  type RecordProof,
  type SeenProof,
  type TechniqueReport,
} from "./drill-report";
import { technique, type Technique, type TechniqueContext, type TechniqueName } from "./techniques";

/** The defaults of DrillOptions, in one block. */
export const DRILL_DEFAULTS = {
  /** S3 delivery takes about 5 minutes, sometimes 15; alarms need CloudWatch Logs' delivery and a period on top. */
  proofWaitMs: 20 * 60_000,
  pollMs: 15_000,
  revertAttempts: 3,
  revertRetryMs: 5_000,
  /** Records are looked for from the detonation less this, against clock skew. */
  clockSkewMs: 60_000,
  /** LookupEvents allows two calls a second per account and region. */
  lookupPauseMs: 600,
  /** The longest SQS long poll of one round. */
  receiveWaitSeconds: 10,
} as const;

export interface DrillOptions {
  techniques: TechniqueName[];
  /** @default DRILL_DEFAULTS.proofWaitMs */
  proofWaitMs?: number;
  /** @default DRILL_DEFAULTS.pollMs */
  pollMs?: number;
  /** @default DRILL_DEFAULTS.revertAttempts */
  revertAttempts?: number;
  /** @default DRILL_DEFAULTS.revertRetryMs */
  revertRetryMs?: number;
  /** @default DRILL_DEFAULTS.clockSkewMs */
  clockSkewMs?: number;
}

/** trail-lab's checks as the drill uses them: posture's controls, and the S3 search for one record. */
export interface DrillChecks {
  posture(signal: AbortSignal): Promise<{ controls: { id: string; status: string }[] }>;
  findInLogs(request: {
    eventName: string;
    resource: string | null;
    since: Date;
    timeoutMs: number;
    signal: AbortSignal;
  }): Promise<LogFind>;
}

/** What the S3 search found: the earliest record of the event since the time asked. */
export interface LogFind {
  found: boolean;
  key: string | null;
  eventId: string | null;
  eventTime: string | null;
  foundAt: string | null;
  userAgent: string | null;
}

export interface DrillDeps {
  aws: DrillAws;
  checks: DrillChecks;
  target: DrillTarget;
  /** The stack's exported state, read when the drill starts: what the program declares. */
  checkpoint: () => Promise<CheckpointLike>;
  /** The suffix every call carries: "trail-lab-drill/<stack>". */
  userAgent: string;
  log: (line: string) => void;
  sleep: Sleep;
  now: () => number;
  /** The run's first signal: no technique starts after it, and the waits end. */
  stop: AbortSignal;
  /** The run's second signal: the reverts stop being retried. */
  giveUp: AbortSignal;
}

interface Running {
  technique: Technique;
  report: TechniqueReport;
  /** The detonation was sent and nothing has put it back yet: putBack() reverts it. */
  applied: boolean;
  detonatedAt: number | null;
  requestId: string | null;
  /** The wait for its records and alerts ran to its end (found, or the deadline). */
  proofsAwaited: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function drillUserAgent(stack: string): string {
  return `trail-lab-drill/${stack}`;
}

export class Drill {
  readonly report: DrillReport;
  private readonly running: Running[];
  private declared: DeclaredState | null = null;
  /** Posture before the first technique: a control failing already proves nothing about a technique. */
  private baseline: Map<string, string> | null = null;
  private readonly alerts: { alert: Alert; receivedAt: string }[] = [];
  private readonly settings: Required<Omit<DrillOptions, "techniques">>;

  constructor(
    options: DrillOptions,
    private readonly deps: DrillDeps,
  ) {
    this.settings = {
      proofWaitMs: options.proofWaitMs ?? DRILL_DEFAULTS.proofWaitMs,
      pollMs: options.pollMs ?? DRILL_DEFAULTS.pollMs,
      revertAttempts: options.revertAttempts ?? DRILL_DEFAULTS.revertAttempts,
      revertRetryMs: options.revertRetryMs ?? DRILL_DEFAULTS.revertRetryMs,
      clockSkewMs: options.clockSkewMs ?? DRILL_DEFAULTS.clockSkewMs,
    };
    this.running = options.techniques.map((name) => {
      const t = technique(name);
      return { technique: t, report: newTechniqueReport(t), applied: false, detonatedAt: null, requestId: null, proofsAwaited: false };
    });
    this.report = {
      userAgent: deps.userAgent,
      startedAt: iso(deps.now()),
      endedAt: null,
      techniques: this.running.map((r) => r.report),
      unreverted: [],
      verdict: "incomplete",
    };
  }

  private get stopped(): boolean {
    return this.deps.stop.aborted;
  }

  private context(): TechniqueContext {
    if (!this.declared) throw new Error("the drill's steps ran out of order: the declared state has not been read");
    return { aws: this.deps.aws, target: this.deps.target, declared: this.declared };
  }

  /** Whether the drill deleted the trail (posture and integrity then have nothing to read). */
  get trailDeleted(): boolean {
    return this.running.some((r) => r.technique.name === "delete" && r.detonatedAt !== null);
  }

  /**
   * The techniques in order, each put back before the next; the proofs; then the technique that
   * runs last. Returns early at the run's first signal; throws what a detonation or a read refused.
   */
  async run(): Promise<void> {
    const { target } = this.deps;
    this.declared = declaredState(await this.deps.checkpoint(), target);
    if (!target.alertQueueUrl || this.declared.rules.length === 0) throw new DetectionsMissingError(target.stack);
    this.deps.log(
      `drill: every call carries the user agent ${this.deps.userAgent}; techniques: ${this.running.map((r) => r.technique.name).join(", ")}`,
    );
    this.baseline = await this.controls("before the drill");
    const [first, last] = [this.running.filter((r) => !r.technique.runsLast), this.running.filter((r) => r.technique.runsLast)];
    for (const batch of [first, last]) {
      for (const r of batch) {
        if (this.stopped) return;
        await this.runTechnique(r);
      }
      if (this.stopped) return;
      await this.awaitProofs(batch.filter((r) => r.detonatedAt !== null));
    }
  }

  /** Posture's verdict per control, or null (and a line saying why) when posture could not be read. */
  private async controls(when: string): Promise<Map<string, string> | null> {
    try {
      const posture = await this.deps.checks.posture(this.deps.stop);
      return new Map(posture.controls.map((c) => [c.id, c.status]));
    } catch (error) {
      if (!this.stopped) this.deps.log(`drill: posture not read ${when}: ${describe(error)}`);
      return null;
    }
  }

  private async runTechnique(r: Running): Promise<void> {
    const t = r.technique;
    const ctx = this.context();
    const notApplicable = t.notApplicable(ctx);
    const before = notApplicable === null ? await t.asDeclared(ctx) : null;
    if (notApplicable !== null || !before?.same) {
      r.report.status = "skipped";
      r.report.reason =
        notApplicable ??
        `not as the program declares before the drill (${before?.observed}); the drill changes only what it can prove it put back`;
      this.deps.log(`drill: ${t.name}: skipped: ${r.report.reason}`);
      return;
    }
    this.deps.log(`drill: ${t.name}: ${t.changes}`);
    // From here on putBack() reverts it, even if the call's answer is lost: a revert to the declared state is safe to repeat.
    r.applied = true;
    let receipt;
    try {
      receipt = await t.detonate(ctx);
    } catch (error) {
      r.report.status = "failed";
      r.report.detonation.error = r.report.reason = describe(error);
      throw error;
    }
    r.detonatedAt = receipt.at;
    r.requestId = receipt.requestId;
    r.report.detonation.at = iso(receipt.at);
    r.report.detonation.requestId = receipt.requestId;
    this.expectAlerts(r);
    this.deps.log(
      `drill: ${t.name}: ${t.detonation.call} done (request ${receipt.requestId ?? "?"}); reading it back with trail-lab's checks`,
    );
    await this.seeWhileInEffect(r);
    if (this.stopped) return;
    await this.revert(r);
  }

  /** Which alerts the stack's detections should raise for the technique's detonation. */
  private expectAlerts(r: Running): void {
    const declared = this.context().declared;
    const event = detonationEvent(r.technique, this.deps.target);
    const proof = (via: AlertProof["via"], name: string, status: AlertProof["status"], reason: string | null): AlertProof => ({
      via,
      name,
      status,
      at: null,
      receivedAt: null,
      messageId: null,
      eventId: null,
      reason,
    });
    const rules = rulesFor(declared.rules, event);
    r.report.alerts = rules.length
      ? rules.map((rule) => proof("eventbridge", rule.name, "missing", null))
      : [proof("eventbridge", "no rule", "missing", `no EventBridge rule of the stack matches ${event.eventName}`)];
    const alarms = alarmsFor(declared.alarms, event);
    if (declared.alarms.length === 0) {
      r.report.alerts.push(proof("alarm", "CIS alarms", "not-expected", "the stack has no CIS alarms: they need trail-lab:cloudWatchLogs"));
    } else if (r.technique.runsLast) {
      r.report.alerts.push(proof("alarm", "CIS alarms", "not-expected", "a deleted trail delivers nothing more to CloudWatch Logs"));
    } else if (alarms.length === 0) {
      r.report.alerts.push(proof("alarm", "CIS alarms", "not-expected", `CIS's metric filters do not count ${event.eventName}`));
    } else {
      r.report.alerts.push(...alarms.map((a) => proof("alarm", a.name, "missing", null)));
    }
  }

  /** The status check and posture, read while the technique is in effect; integrity is read after the drill. */
  private async seeWhileInEffect(r: Running): Promise<void> {
    const { aws, target } = this.deps;
    let posture: Map<string, string> | null | undefined;
    for (const expected of r.technique.expected) {
      if (this.stopped) return;
      const at = iso(this.deps.now());
      if (expected.check === "status") {
        const seen: SeenProof = {
          check: "status",
          what: "IsLogging",
          expected: expected.expected,
          observed: null,
          status: "missing",
          at,
          reason: null,
        };
        try {
          const status = await aws.trailStatus(target.trailArn);
          seen.observed = status ? (status.isLogging ? "logging" : "not logging") : "trail not found";
          seen.status = seen.observed === expected.expected ? "proven" : "missing";
        } catch (error) {
          seen.status = "not-checked";
          seen.reason = describe(error);
        }
        r.report.seen.push(seen);
      } else if (expected.check === "posture") {
        posture ??= await this.controls(`while ${r.technique.name} was in effect`);
        r.report.seen.push(this.postureProof(expected.control, posture, at));
      } else {
        r.report.seen.push({
          check: "integrity",
          what: `${expected.gap} gap`,
          expected: "a gap named by the StopLogging and StartLogging records",
          observed: null,
          status: "not-checked",
          at: null,
          reason: "integrity is read after the drill, and only with --wait-digest (digests arrive about hourly)",
        });
      }
    }
    const seen = r.report.seen.map((s) => `${s.check === "posture" ? s.what : s.check} ${s.status}${s.observed ? ` (${s.observed})` : ""}`);
    this.deps.log(`drill: ${r.technique.name}: seen: ${seen.join("; ")}`);
  }

  private postureProof(control: string, posture: Map<string, string> | null, at: string): SeenProof {
    const proof: SeenProof = { check: "posture", what: control, expected: "fail", observed: null, status: "not-checked", at, reason: null };
    if (!posture) return { ...proof, reason: "posture could not be read (the line above says why)" };
    const status = posture.get(control);
    if (status === undefined) return { ...proof, reason: `posture has no control ${control}` };
    if (this.baseline?.get(control) === "fail") return { ...proof, observed: status, reason: `${control} already failed before the drill` };
    return {
      ...proof,
      observed: status,
      status: status === "fail" ? "proven" : "missing",
      reason: status === "fail" ? null : `posture still says ${status}`,
    };
  }

  /** Puts the technique back and reads it back, a bounded number of times; what stays changed is listed with its command. */
  private async revert(r: Running): Promise<void> {
    const t = r.technique;
    const ctx = this.context();
    const reverted = r.report.reverted;
    if (t.runsLast) {
      r.applied = false;
      Object.assign(reverted, { status: "left-to-destroy", proof: t.proofOfRevert, reason: t.revertedBy });
      return;
    }
    let reason = "not tried";
    for (let attempt = 1; attempt <= this.settings.revertAttempts; attempt++) {
      reverted.attempts = attempt;
      try {
        const receipt = await t.revert(ctx);
        const check = await t.asDeclared(ctx);
        if (check.same) {
          r.applied = false;
          // putBack()'s later try succeeded where the drill's own had not.
          this.forget(t.name);
          Object.assign(reverted, {
            status: "reverted",
            at: iso(receipt?.at ?? this.deps.now()),
            requestId: receipt?.requestId ?? null,
            proof: `${t.proofOfRevert}: ${check.observed}`,
            reason: null,
          });
          this.deps.log(`drill: ${t.name}: put back (${t.revertedBy}); ${t.proofOfRevert}`);
          return;
        }
        reason = `read back, it is still not as declared: ${check.observed}`;
      } catch (error) {
        reason = describe(error);
      }
      if (attempt === this.settings.revertAttempts || this.deps.giveUp.aborted) break;
      const pause = this.settings.revertRetryMs * attempt;
      this.deps.log(
        `drill: ${t.name}: revert attempt ${attempt} of ${this.settings.revertAttempts} failed (${reason}); trying again in ${pause / 1000} s`,
      );
      await this.deps.sleep(pause, this.deps.giveUp);
    }
    const command = t.revertCommand(ctx);
    Object.assign(reverted, { status: "failed", command, reason });
    this.forget(t.name);
    this.report.unreverted.push({ technique: t.name, what: t.changes, command, reason });
    this.deps.log(`drill: ${t.name}: NOT put back (${reason}); put it right with: ${command}`);
  }

  /** Drops what an earlier try listed as not put back for a technique: each is listed once, as it stands. */
  private forget(name: string): void {
    const list = this.report.unreverted;
    for (let i = list.length - 1; i >= 0; i--) if (list[i].technique === name) list.splice(i, 1);
  }

  /** Every technique still in effect, put back (the lab's finally, before destroy). Never throws. */
  async putBack(): Promise<void> {
    for (const r of [...this.running].reverse()) {
      if (!r.applied || !this.declared) continue;
      this.deps.log(`drill: ${r.technique.name} is still in effect: putting it back before anything else`);
      try {
        await this.revert(r);
      } catch (error) {
        // revert() catches each call's failure; this is a bug in it, and the command still helps.
        this.report.unreverted.push({
          technique: r.technique.name,
          what: r.technique.changes,
          command: r.technique.revertCommand(this.context()),
          reason: describe(error),
        });
      }
    }
  }

  /**
   * Waits, until the deadline, for each detonation's Event History record and alerts, then for its
   * record in the S3 logs. Progress goes to the log every round.
   */
  private async awaitProofs(batch: Running[]): Promise<void> {
    if (batch.length === 0) return;
    const deadline = this.deps.now() + this.settings.proofWaitMs;
    for (let round = 1; ; round++) {
      await this.collect(batch);
      if (this.stopped) return;
      const open = this.openProofs(batch);
      const left = deadline - this.deps.now();
      if (open === 0 || left <= 0) break;
      this.deps.log(`drill: waiting for ${open} record(s) and alert(s) (round ${round}; ${Math.ceil(left / 1000)} s left)`);
      await this.deps.sleep(Math.min(this.settings.pollMs, left), this.deps.stop);
    }
    for (const r of batch) {
      const reason = `not found within ${Math.round(this.settings.proofWaitMs / 1000)} s of waiting`;
      if (r.report.recorded.eventHistory.status === "missing") r.report.recorded.eventHistory.reason ??= reason;
      for (const a of r.report.alerts) if (a.status === "missing") a.reason ??= reason;
    }
    for (const r of batch) {
      if (this.stopped) return;
      await this.findInLogs(r, deadline);
    }
    if (!this.stopped) for (const r of batch) r.proofsAwaited = true;
  }

  private openProofs(batch: Running[]): number {
    return batch.reduce(
      (n, r) =>
        n + (r.report.recorded.eventHistory.status === "missing" ? 1 : 0) + r.report.alerts.filter((a) => a.status === "missing").length,
      0,
    );
  }

  /** One round: new alerts from the queue, and Event History for each record not yet found. */
  private async collect(batch: Running[]): Promise<void> {
    const { aws, target, stop } = this.deps;
    try {
      const messages = await aws.receive(target.alertQueueUrl!, DRILL_DEFAULTS.receiveWaitSeconds, stop);
      const receivedAt = iso(this.deps.now());
      for (const m of messages) {
        const alert = readAlert(m);
        if (alert) this.alerts.push({ alert, receivedAt });
      }
      await aws.acknowledge(target.alertQueueUrl!, messages);
    } catch (error) {
      if (this.stopped) return;
      this.deps.log(`drill: the alert queue could not be read this round: ${describe(error)}`);
    }
    for (const r of batch) this.matchAlerts(r);
    for (const r of batch) {
      if (this.stopped || r.report.recorded.eventHistory.status !== "missing") continue;
      try {
        const records = await aws.lookupEvents(r.technique.detonation.event, new Date(r.detonatedAt! - this.settings.clockSkewMs), stop);
        const mine = this.mine(records, r);
        if (mine) r.report.recorded.eventHistory = recordProof(mine, iso(this.deps.now()));
      } catch (error) {
        if (this.stopped) return;
        r.report.recorded.eventHistory.reason = `LookupEvents failed: ${describe(error)}`;
      }
      await this.deps.sleep(DRILL_DEFAULTS.lookupPauseMs, stop);
    }
  }

  /** The detonation's own record: its request id when AWS gave one, else the earliest with the drill's user agent. */
  private mine(records: HistoryRecord[], r: Running): HistoryRecord | null {
    const ours = records.filter((h) => (h.userAgent ?? "").includes(this.deps.userAgent));
    const byRequest = r.requestId ? ours.find((h) => h.requestId === r.requestId) : undefined;
    if (byRequest) return byRequest;
    if (r.requestId) return null;
    return (
      ours
        .sort((a, b) => a.eventTime.localeCompare(b.eventTime))
        .find((h) => Date.parse(h.eventTime) >= r.detonatedAt! - this.settings.clockSkewMs) ?? null
    );
  }

  private matchAlerts(r: Running): void {
    const event = detonationEvent(r.technique, this.deps.target);
    const declared = this.context().declared;
    for (const proof of r.report.alerts.filter((a) => a.status === "missing")) {
      const hit =
        proof.via === "eventbridge"
          ? this.alerts.find(({ alert }) => isDetonationAlert(alert, event, r.requestId, this.deps.userAgent))
          : this.alerts.find(({ alert }) => {
              const alarm = declared.alarms.find((a) => a.name === proof.name);
              return alarm !== undefined && isAlarmFor(alert, alarm, r.detonatedAt!);
            });
      if (!hit) continue;
      Object.assign(proof, {
        status: "proven",
        at: hit.alert.at,
        receivedAt: hit.receivedAt,
        messageId: hit.alert.messageId,
        eventId: hit.alert.kind === "event" ? hit.alert.eventId : null,
        reason: null,
      });
    }
  }

  /** The detonation's record in the S3 logs (verify's search), held to the record Event History gave. */
  private async findInLogs(r: Running, deadline: number): Promise<void> {
    const t = r.technique;
    if (t.deliveredToBucket !== true) {
      r.report.recorded.s3 = { ...pending(t.deliveredToBucket), status: "not-expected" };
      return;
    }
    const expectedId = r.report.recorded.eventHistory.eventId;
    try {
      const find = await this.deps.checks.findInLogs({
        eventName: t.detonation.event,
        resource: t.detonation.source === "s3.amazonaws.com" ? this.deps.target.bucketName : null,
        since: new Date(r.detonatedAt! - this.settings.clockSkewMs),
        timeoutMs: Math.max(0, deadline - this.deps.now()),
        signal: this.deps.stop,
      });
      const ours = find.found && (expectedId ? find.eventId === expectedId : (find.userAgent ?? "").includes(this.deps.userAgent));
      r.report.recorded.s3 = {
        status: ours ? "proven" : "missing",
        eventId: find.eventId,
        eventTime: find.eventTime,
        foundAt: find.foundAt,
        key: find.key,
        deliveredAt: find.key ? deliveryMinute(find.key) : null,
        reason: ours
          ? null
          : find.found
            ? `the log holds ${t.detonation.event} ${find.eventId ?? "?"}, not the drill's ${expectedId ?? "(unknown)"}`
            : "not found in the trail's logs by the deadline",
      };
    } catch (error) {
      if (this.stopped) return;
      r.report.recorded.s3 = { ...pending(`the S3 search failed: ${describe(error)}`), status: "not-checked" };
    }
  }

  /**
   * Integrity, read after the lab's integrity phase: the stop window as a gap of kind "stopped"
   * whose records name the drill's StopLogging. `result` is verify's integrity result, or null when
   * integrity was not checked.
   */
  seeIntegrity(result: unknown): void {
    const stop = this.running.find((r) => r.technique.name === "stop" && r.detonatedAt !== null);
    const seen = stop?.report.seen.find((s) => s.check === "integrity");
    if (!stop || !seen || result === null) return;
    const gaps = (result as { gaps?: unknown }).gaps;
    const structured = Array.isArray(gaps)
      ? (gaps as { kind?: unknown; from?: unknown; to?: unknown; events?: { name?: unknown; eventId?: unknown }[] }[])
      : [];
    if (!structured.some((g) => typeof g.kind === "string")) {
      seen.reason = "this integrity check reports no structured gaps (kind and the records that name them)";
      return;
    }
    const stopId = stop.report.recorded.eventHistory.eventId;
    const gap = structured.find(
      (g) => g.kind === "stopped" && (g.events ?? []).some((e) => e.name === "StopLogging" && (stopId === null || e.eventId === stopId)),
    );
    seen.at = iso(this.deps.now());
    if (gap) {
      Object.assign(seen, { status: "proven", observed: `stopped from ${String(gap.from)} to ${String(gap.to)}`, reason: null });
      return;
    }
    const covered = (result as { covered?: { to?: string } | null }).covered?.to;
    const revertedAt = Date.parse(stop.report.reverted.at ?? "");
    if (covered && Date.parse(covered) >= revertedAt)
      Object.assign(seen, { status: "missing", reason: "the digests cover the stop window and report no gap for it" });
    else seen.reason = "the digests checked end before the stop window";
  }

  /** The record, complete: each technique's verdict, the drill's, and the error for what is left changed. */
  finish(destroyed: boolean): { report: DrillReport; error: DrillRevertError | null } {
    for (const r of this.running) {
      const t = r.report;
      if (t.status === "skipped" || t.status === "failed") {
        // As run: its reason says why.
      } else if (r.detonatedAt === null) {
        t.status = "not-run";
        t.reason ??= this.stopped ? "the run was stopped before it" : "an earlier step of the run failed";
      } else if (!r.proofsAwaited) {
        t.status = "interrupted";
        t.reason ??= "the run stopped before its records and alerts were in";
      } else {
        Object.assign(t, techniqueStatus(t));
      }
      t.latency = latency(r);
    }
    this.report.endedAt = iso(this.deps.now());
    this.report.verdict = drillVerdict(this.report.techniques);
    const first = this.report.unreverted[0];
    return { report: this.report, error: first ? new DrillRevertError(first.technique, first.reason, first.command, destroyed) : null };
  }
}

function newTechniqueReport(t: Technique): TechniqueReport {
  return {
    name: t.name,
    changes: t.changes,
    revertedBy: t.revertedBy,
    status: "not-run",
    reason: null,
    detonation: { call: t.detonation.call, event: t.detonation.event, at: null, requestId: null, error: null },
    recorded: { eventHistory: pending(), s3: pending() },
    seen: [],
    alerts: [],
    reverted: { status: "not-needed", at: null, attempts: 0, requestId: null, proof: null, command: null, reason: null },
    latency: { eventHistoryMs: null, s3Ms: null, alertMs: null },
  };
}

function detonationEvent(t: Technique, target: DrillTarget): DetonationEvent {
  return {
    eventName: t.detonation.event,
    eventSource: t.detonation.source,
    bucketName: t.detonation.source === "s3.amazonaws.com" ? target.bucketName : null,
  };
}

function recordProof(h: HistoryRecord, foundAt: string): RecordProof {
  return { status: "proven", eventId: h.eventId, eventTime: h.eventTime, foundAt, key: null, deliveredAt: null, reason: null };
}

/** The minute a CloudTrail log file's name says it was delivered (…_CloudTrail_<region>_20261125T2235Z_<id>.json.gz). */
function deliveryMinute(key: string): string | null {
  const m = /_CloudTrail_[a-z0-9-]+_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_/.exec(key);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00.000Z` : null;
}

function latency(r: Running): TechniqueReport["latency"] {
  const from = r.detonatedAt;
  const since = (at: string | null) =>
    from === null || at === null || Number.isNaN(Date.parse(at)) ? null : Math.max(0, Date.parse(at) - from);
  const alerts = r.report.alerts.filter((a) => a.status === "proven" && a.at).map((a) => Date.parse(a.at!));
  return {
    eventHistoryMs: since(r.report.recorded.eventHistory.foundAt),
    s3Ms: since(r.report.recorded.s3.deliveredAt),
    alertMs: alerts.length ? since(iso(Math.min(...alerts))) : null,
  };
}
