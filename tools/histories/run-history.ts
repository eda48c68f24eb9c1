/**
 * Runs histories (`history.ts`) through the local cloud as a deploy runs them: aws-cdk-lib's
 * Provider framework from the template's asset, the bundled handler, the real AWS SDK, the
 * emulator, on compressed time, and checks the invariants (`invariants.ts`) after every step. A
 * broken invariant throws a `BrokenInvariant` naming it and the step.
 */
import { HANDLER_TIMEOUTS, serviceTimeoutFor } from '../../lib/handler-budget';
import { localCloudFormationApi } from '../local-cloud/cloudformation-api';
import { CloudFormationDriver, DeliverAgain, SentRequest } from '../local-cloud/cloudformation-driver';
import { EmrServerlessEmulator } from '../local-cloud/emulator';
import { LocalClock } from '../local-cloud/local-clock';
import { driverFor, localApp, onTheClock, removeLocalApps, synthesize, useEmulatorEndpoint } from '../local-cloud/local-stack';
import { SessionsStack } from '../session-stacks';
import { CapturedLogs, captureLogs } from './captured-logs';
import { describeStep, Fault, History, Step, UpdateChange } from './history';
import { INVARIANTS, SPARK_SECRET, WorldView } from './invariants';
/** Where every history's clock starts: one instant, so that a replay sees the same times. */
const CLOCK_START = Date.UTC(2026, 11, 1);
/** Sessions start in seconds here (the emulator's default is a minute): the waiter's steps are what is tested, not their count. */
const SESSION_TIMINGS = { submittedMs: 1_000, startingMs: 3_000, terminatingMs: 1_000 };

export class BrokenInvariant extends Error {
  constructor(
    public readonly invariant: string,
    step: string,
    detail: string,
  ) {
    super(`${invariant}, after step "${step}": ${detail}`);
  }
}

/** What the runs did, summed: printed by the gate and by `npm run fuzz`. */
export class HistoryStats {
  public histories = 0;
  public steps = 0;
  /** Steps that did not apply where the history was (an update of a stack that does not exist). */
  public skipped = 0;
  public requests = 0;
  public invariantChecks = 0;
  public readonly faults = new Map<string, number>();

  /** One more fault of `kind` injected. */
  public count(kind: string): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }

  public summary(seconds: number): string {
    const faults = [...this.faults].sort(([a], [b]) => a.localeCompare(b)).map(([kind, n]) => `${kind} ${n}`);
    return [
      `${this.histories} histories, ${this.steps} steps (${this.skipped} of them did not apply), ${this.requests} CloudFormation requests, in ${seconds.toFixed(0)} s`,
      `faults injected: ${faults.join(', ') || 'none'}`,
      `invariant checks made: ${this.invariantChecks}, broken: 0`,
    ].join('\n');
  }
}

interface SynthesizedStack {
  readonly assemblyDir: string;
  readonly stackName: string;
}

/** The local cloud the histories run in: one emulator, and one synthesized stack per session count. */
export class HistoryWorld {
  public static async start(): Promise<HistoryWorld> {
    const emulator = new EmrServerlessEmulator(SESSION_TIMINGS);
    useEmulatorEndpoint(await emulator.start());
    const assemblies = new Map<number, SynthesizedStack>();
    for (const count of [1, 2, 3]) {
      const app = localApp();
      const stack = new SessionsStack(app, `HistoryStack${count}`, {
        count,
        session: { runtimeConfiguration: [{ classification: 'spark-defaults', properties: { 'spark.fuzz.secret': SPARK_SECRET } }] },
      });
      assemblies.set(count, { assemblyDir: synthesize(app, stack), stackName: stack.stackName });
    }
    return new HistoryWorld(emulator, assemblies);
  }

  public readonly stats = new HistoryStats();

  private constructor(
    private readonly emulator: EmrServerlessEmulator,
    private readonly assemblies: Map<number, SynthesizedStack>,
  ) {}

  /** Stops the emulator and removes the synthesized stacks: a jest worker may never reach its exit handlers. */
  public stop(): Promise<void> {
    removeLocalApps();
    return this.emulator.stop();
  }

  /** Runs one history from a fresh emulator and clock, checking the invariants after every step. */
  public async run(history: History): Promise<void> {
    this.emulator.reset();
    localCloudFormationApi.clearFaults();
    const clock = LocalClock.install(CLOCK_START);
    const logs = captureLogs();
    try {
      const run = new HistoryRun(this.emulator, clock, this.assemblies.get(history.sessions)!, logs, this.stats);
      for (const step of history.steps) {
        await run.apply(step);
      }
      await run.finish();
      this.stats.histories++;
    } finally {
      logs.restore();
      clock.uninstall();
    }
  }
}

/** One history in progress: the stack's drivers (a new one for each create of the stack) and where the history is. */
class HistoryRun {
  private readonly drivers: CloudFormationDriver[] = [];
  private driver?: CloudFormationDriver;
  private checkedRequests = 0;
  /** How many changes the history has made: each change's value is new. */
  private changes = 0;
  /** DELETE_FAILED: CloudFormation allows nothing but another delete of the stack. */
  private deleteFailed = false;
  /** The service fails the next start (the world's event, for the next operation). */
  private nextStartFails = false;

  constructor(
    private readonly emulator: EmrServerlessEmulator,
    private readonly clock: LocalClock,
    private readonly stack: SynthesizedStack,
    private readonly logs: CapturedLogs,
    private readonly stats: HistoryStats,
  ) {}

  public async apply(step: Step): Promise<void> {
    // An operation with no fault, on a service that lets sessions start, must succeed: a handler
    // that fails safely but always would keep every other invariant.
    const clean =
      (step.op === 'create' || step.op === 'update' || step.op === 'delete') &&
      step.faults.length === 0 &&
      !(step.op === 'update' && step.cancelAfterMs != null) &&
      !this.nextStartFails;
    const applied = await this.perform(step);
    if (step.op !== 'next-start-fails' && step.op !== 'expect-live') {
      // Faults and a failing start are for the next operation only.
      this.emulator.clearFaults();
      this.driver?.framework.clearFaults();
      localCloudFormationApi.clearFaults();
      this.nextStartFails = false;
    }
    this.stats.steps++;
    if (!applied) {
      this.stats.skipped++;
      return;
    }
    this.check(describeStep(step), clean);
  }

  /** The end of every history: a stack still there (its delete failed under faults) is deleted without faults, and must go. */
  public async finish(): Promise<void> {
    if (this.driver && this.driver.deployed.size > 0) {
      await this.driver.deleteStack();
      // Clean: every physical id CloudFormation holds must name something this Delete can act on.
      this.check('the final delete, without faults', true);
    }
    const live = this.emulator.liveSessions();
    if (live.length > 0) {
      throw new BrokenInvariant("after the stack's delete, nothing is live", 'the final delete', live.join(', '));
    }
  }

  /** Carries out a step; false when it does not apply where the history is. */
  private async perform(step: Step): Promise<boolean> {
    const driver = this.driver;
    const exists = driver !== undefined && driver.deployed.size > 0;
    switch (step.op) {
      case 'create': {
        if (exists) {
          return false;
        }
        const created = driverFor(this.emulator, this.stack.assemblyDir, this.stack.stackName, onTheClock(this.clock));
        this.drivers.push(created);
        this.driver = created;
        this.checkedRequests = 0;
        await created.createStack(this.arm(created, step.faults));
        return true;
      }
      case 'update': {
        const logicalId = exists && !this.deleteFailed ? driver.sessionLogicalIds[step.session] : undefined;
        if (!logicalId || !driver!.deployed.has(logicalId)) {
          return false;
        }
        const current = driver!.deployed.get(logicalId)!.properties;
        const cancel = step.cancelAfterMs != null ? { afterMs: step.cancelAfterMs } : undefined;
        if (cancel) {
          this.stats.count('update-cancelled');
        }
        await driver!.update(logicalId, this.changed(current, step.change), this.arm(driver!, step.faults), cancel);
        return true;
      }
      case 'delete': {
        if (!exists) {
          return false;
        }
        const results = await driver.deleteStack(this.arm(driver, step.faults));
        this.deleteFailed = results.some((r) => r.status === 'FAILED');
        return true;
      }
      case 'replay': {
        const logicalId = driver?.sessionLogicalIds[step.session];
        if (!logicalId || !driver!.requests.some((r) => r.logicalId === logicalId && r.type === step.type)) {
          return false;
        }
        this.arm(driver!, step.faults);
        await driver!.redeliverLast(logicalId, step.type);
        return true;
      }
      case 'session-ends': {
        const sessionId = this.liveSessionOf(step.session);
        if (!sessionId) {
          return false;
        }
        this.emulator.endSession(
          sessionId,
          step.why === 'idle timeout' ? 'Session terminated after idle timeout' : 'Session reached its maximum lifetime of 24 hours',
        );
        return true;
      }
      case 'next-start-fails':
        this.emulator.failNextSessionStart('Driver failed to start: ServiceQuotaExceeded: account vCPU quota reached');
        this.nextStartFails = true;
        return true;
      case 'expect-live':
        // Of a stack that exists: a create that failed under its faults left nothing to expect.
        if (!exists) {
          return false;
        }
        if (!this.liveSessionOf(step.session)) {
          throw new BrokenInvariant('the session CloudFormation holds is live', describeStep(step), `S${step.session + 1} is not`);
        }
        return true;
    }
  }

  /** The session CloudFormation holds for the stack's session at `index`, if it is live. */
  private liveSessionOf(index: number): string | undefined {
    const logicalId = this.driver?.sessionLogicalIds[index];
    const sessionId = logicalId && this.driver!.deployed.get(logicalId)?.data.SessionId;
    return sessionId && this.emulator.liveSessions().includes(sessionId) ? sessionId : undefined;
  }

  /** The properties after a change of one kind; each change differs from every earlier one. */
  private changed(current: Record<string, unknown>, change: UpdateChange): Record<string, unknown> {
    const n = ++this.changes;
    switch (change) {
      case 'idle-timeout':
        return { ...current, IdleTimeoutMinutes: String(Number(current.IdleTimeoutMinutes ?? 60) + 1) };
      case 'tags':
        return { ...current, Tags: { ...(current.Tags as object), revision: String(n) } };
      case 'renewal-if-ended':
        return { ...current, RenewalMode: 'IF_ENDED', RenewalToken: `run-${n}` };
      case 'renewal-always':
        return { ...current, RenewalMode: 'ALWAYS', RenewalToken: `run-${n}` };
      case 'start-timeout': {
        const seconds = Number(current.StartTimeoutSeconds ?? 1200) === 1200 ? 600 : 1200;
        return { ...current, StartTimeoutSeconds: String(seconds), ServiceTimeout: String(serviceTimeoutFor(seconds).toSeconds()) };
      }
    }
  }

  /** Sets the faults up to strike the next operation; returns a second delivery if one is asked for. */
  private arm(driver: CloudFormationDriver, faults: readonly Fault[]): DeliverAgain | undefined {
    let again: DeliverAgain | undefined;
    for (const fault of faults) {
      this.stats.count(fault.kind);
      switch (fault.kind) {
        case 'duplicate-delivery':
          again = { afterMs: fault.afterMs };
          break;
        case 'start-execution-throttled':
          driver.framework.throttleStartExecution(fault.attempts);
          break;
        case 'lost-invoke-response':
          driver.framework.dropNextInvokeResponse(fault.handler);
          break;
        case 'response-put-fails':
          driver.framework.failNextResponsePut();
          break;
        case 'lambda-throttled':
          driver.framework.throttleWaiterTasksFor(fault.forMs);
          break;
        case 'lambda-timeout':
          this.emulator.slowDownNext('GetSession', HANDLER_TIMEOUTS.isComplete.toMilliseconds() + 1_000);
          break;
        case 'service':
          this.emulator.injectFaults(fault.operation, ...Array<typeof fault.answer>(fault.times).fill(fault.answer));
          break;
        case 'start-committed-unanswered':
          this.emulator.injectFaults('StartSession', 'drop-after-commit');
          break;
        case 'quota':
          this.emulator.injectFaults('StartSession', 'quota');
          break;
        case 'cloudformation':
          localCloudFormationApi.injectFaults(...Array<typeof fault.answer>(fault.times).fill(fault.answer));
          break;
      }
    }
    return again;
  }

  /** Every invariant, after a step; `clean`: the step met no fault, so every request of it must succeed. */
  private check(step: string, clean = false): void {
    const view: WorldView = {
      emulator: this.emulator,
      drivers: this.drivers,
      deployed: this.driver?.deployed ?? new Map(),
      requests: this.newRequests(),
      logLines: this.logs.lines.splice(0),
      clean,
    };
    for (const invariant of INVARIANTS) {
      this.stats.invariantChecks++;
      const detail = invariant.broken(view);
      if (detail) {
        throw new BrokenInvariant(invariant.name, step, detail);
      }
    }
    this.stats.requests += view.requests.length;
    this.checkedRequests = this.driver?.requests.length ?? 0;
  }

  private newRequests(): SentRequest[] {
    return this.driver?.requests.slice(this.checkedRequests) ?? [];
  }
}
