/**
 * Runs histories (`history.ts`) through the local cloud as a deploy runs them: aws-cdk-lib's
 * Provider framework from the template's asset, the bundled handler, the real AWS SDK, the
 * emulator, on compressed time. After every step it checks the invariants against the emulator's
 * ground truth (what sessions exist, in what state, with what tags and client token) and against
 * what CloudFormation received, never against the handler's own word. A broken invariant throws a
 * `BrokenInvariant` naming it and the step.
 */
import { HANDLE_TAG, REQUESTED_SESSION_PREFIX } from '../../lambda/shared/contract';
import { HANDLER_TIMEOUTS, serviceTimeoutFor } from '../../lib/handler-budget';
import { CloudFormationDriver, CREATE_FAILED_MARKER, DeliverAgain, SentRequest } from '../local-cloud/cloudformation-driver';
import { EmrServerlessEmulator } from '../local-cloud/emulator';
import { keptByLambda } from '../local-cloud/provider-framework';
import { LocalClock } from '../local-cloud/local-clock';
import { driverFor, localApp, onTheClock, removeLocalApps, synthesize, useEmulatorEndpoint } from '../local-cloud/local-stack';
import { SessionsStack } from '../session-stacks';
import { describeStep, Fault, History, Step, UpdateChange } from './history';

/** A Spark property value no log line may hold: property values may be secrets. */
export const SPARK_SECRET = 'fuzz-spark-secret-7f3a9c';
/** Where every history's clock starts: one instant, so that a replay sees the same times. */
const CLOCK_START = Date.UTC(2026, 11, 1);
/** The largest response CloudFormation accepts from a custom resource. */
const RESPONSE_MAX_BYTES = 4096;
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

  public summary(seconds: number): string {
    const faults = [...this.faults].sort(([a], [b]) => a.localeCompare(b)).map(([kind, n]) => `${kind} ${n}`);
    return [
      `${this.histories} histories, ${this.steps} steps (${this.skipped} of them did not apply), ${this.requests} CloudFormation requests, in ${seconds.toFixed(0)} s`,
      `faults injected: ${faults.join(', ') || 'none'}`,
      `invariant checks made: ${this.invariantChecks}, broken: 0`,
    ].join('\n');
  }
}

/** The local cloud the histories run in: one emulator, and one synthesized stack per session count. */
export class HistoryWorld {
  public static async start(): Promise<HistoryWorld> {
    const emulator = new EmrServerlessEmulator(SESSION_TIMINGS);
    useEmulatorEndpoint(await emulator.start());
    const assemblies = new Map<number, string>();
    for (const count of [1, 2, 3]) {
      const app = localApp();
      const stack = new SessionsStack(app, `HistoryStack${count}`, {
        count,
        session: { runtimeConfiguration: [{ classification: 'spark-defaults', properties: { 'spark.fuzz.secret': SPARK_SECRET } }] },
      });
      assemblies.set(count, synthesize(app, stack));
    }
    return new HistoryWorld(emulator, assemblies);
  }

  public readonly stats = new HistoryStats();

  private constructor(
    private readonly emulator: EmrServerlessEmulator,
    private readonly assemblies: Map<number, string>,
  ) {}

  /** Stops the emulator and removes the synthesized stacks: a jest worker may never reach its exit handlers. */
  public stop(): Promise<void> {
    removeLocalApps();
    return this.emulator.stop();
  }

  /** Runs one history from a fresh emulator and clock, checking the invariants after every step. */
  public async run(history: History): Promise<void> {
    this.emulator.reset();
    const clock = LocalClock.install(CLOCK_START);
    const logs = captureLogs();
    try {
      const run = new HistoryRun(
        this.emulator,
        clock,
        this.assemblies.get(history.sessions)!,
        `HistoryStack${history.sessions}`,
        logs,
        this.stats,
      );
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
  private renewals = 0;
  /** DELETE_FAILED: CloudFormation allows nothing but another delete of the stack. */
  private deleteFailed = false;
  /** The service fails the next start (the world's event, for the next operation). */
  private nextStartFails = false;

  constructor(
    private readonly emulator: EmrServerlessEmulator,
    private readonly clock: LocalClock,
    private readonly assemblyDir: string,
    private readonly stackName: string,
    private readonly logs: CapturedLogs,
    private readonly stats: HistoryStats,
  ) {}

  public async apply(step: Step): Promise<void> {
    // An operation with no fault, on a service that lets sessions start, must succeed: a handler
    // that fails safely but always would keep every other invariant.
    const clean =
      (step.op === 'create' || step.op === 'update' || step.op === 'delete') && step.faults.length === 0 && !this.nextStartFails;
    const applied = await this.perform(step);
    if (step.op !== 'next-start-fails' && step.op !== 'expect-live') {
      // Faults and a failing start are for the next operation only.
      this.emulator.clearFaults();
      this.driver?.framework.clearFaults();
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
      const results = await this.driver.deleteStack();
      this.check('the final delete, without faults');
      const failed = results.find((r) => r.status === 'FAILED');
      if (failed) {
        throw new BrokenInvariant(
          'every physical id CloudFormation holds names something a Delete can act on',
          'the final delete',
          failed.reason ?? '',
        );
      }
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
        const created = driverFor(this.emulator, this.assemblyDir, this.stackName, onTheClock(this.clock));
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
        await driver!.update(logicalId, this.changed(current, step.change), this.arm(driver!, step.faults));
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
        const logicalId = driver?.sessionLogicalIds[step.session];
        const sessionId = logicalId && driver!.deployed.get(logicalId)?.data.SessionId;
        if (!sessionId || !this.emulator.liveSessions().includes(sessionId)) {
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
      case 'expect-live': {
        const logicalId = driver?.sessionLogicalIds[step.session];
        const sessionId = logicalId && driver!.deployed.get(logicalId)?.data.SessionId;
        if (!sessionId || !this.emulator.liveSessions().includes(sessionId)) {
          throw new BrokenInvariant(
            'the session CloudFormation holds is live',
            describeStep(step),
            `${logicalId}: ${sessionId ?? 'no session'}`,
          );
        }
        return true;
      }
    }
  }

  /** The properties after a change of one kind; each change differs from every earlier one. */
  private changed(current: Record<string, unknown>, change: UpdateChange): Record<string, unknown> {
    const n = ++this.renewals;
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
      this.stats.faults.set(fault.kind, (this.stats.faults.get(fault.kind) ?? 0) + 1);
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
      }
    }
    return again;
  }

  /** Every invariant, after a step; `clean`: the step met no fault, so every request of it must succeed. */
  private check(step: string, clean = false): void {
    const invariants: Array<[string, () => string | undefined]> = [
      ['an operation that meets no fault succeeds', () => (clean ? this.failedRequests() : undefined)],
      ['no client token ever started two sessions', () => this.tokensStartedTwice()],
      ['every live session belongs to a resource CloudFormation holds', () => this.orphans()],
      ['each resource has at most one live session with its handle', () => this.handlesTwice()],
      ['every delivery of a request gets one answer, the first within its ServiceTimeout', () => this.unanswered()],
      ['every physical id CloudFormation holds names something a Delete can act on', () => this.unusablePhysicalIds()],
      ['the attributes CloudFormation holds name the session of the physical id', () => this.staleAttributes()],
      ['a Create or Update answers SUCCESS only once its session is usable', () => this.successBeforeUsable()],
      ['the response to CloudFormation stays under 4,096 bytes', () => this.oversizedResponses()],
      ['no secret in any log line', () => this.secretsLogged()],
    ];
    for (const [invariant, broken] of invariants) {
      this.stats.invariantChecks++;
      const detail = broken();
      if (detail) {
        throw new BrokenInvariant(invariant, step, detail);
      }
    }
    this.stats.requests += this.newRequests().length;
    this.checkedRequests = this.driver?.requests.length ?? 0;
  }

  private newRequests(): SentRequest[] {
    return this.driver?.requests.slice(this.checkedRequests) ?? [];
  }

  private tokensStartedTwice(): string | undefined {
    const twice = [...this.emulator.sessionsPerToken()].filter(([, count]) => count > 1);
    return twice.length > 0 ? twice.map(([token, count]) => `${token} started ${count}`).join('; ') : undefined;
  }

  private orphans(): string | undefined {
    const held = new Set(this.drivers.flatMap((d) => [...d.deployed.values()].map((r) => sessionIdIn(r.physicalId))));
    const orphans = this.emulator.liveSessions().filter((id) => !held.has(id));
    return orphans.length > 0
      ? `live and held by no resource: ${orphans.map((id) => `${id} (${this.emulator.stateOf(id)})`).join(', ')}`
      : undefined;
  }

  private handlesTwice(): string | undefined {
    const perHandle = new Map<string, string[]>();
    for (const id of this.emulator.liveSessions()) {
      const handle = this.emulator.tagsOf(id)[HANDLE_TAG];
      perHandle.set(handle, [...(perHandle.get(handle) ?? []), id]);
    }
    const twice = [...perHandle].filter(([, ids]) => ids.length > 1);
    return twice.length > 0 ? twice.map(([handle, ids]) => `${handle}: ${ids.join(', ')}`).join('; ') : undefined;
  }

  private unanswered(): string | undefined {
    for (const request of this.newRequests()) {
      const { answers, answeredAt } = request.result;
      const serviceTimeoutMs = Number((request.event.ResourceProperties as Record<string, unknown>).ServiceTimeout) * 1000;
      if (answers.length !== request.deliveries) {
        return `${request.type} ${request.logicalId}: ${answers.length} answers to ${request.deliveries} deliveries`;
      }
      // Deliveries may meet different faults, and CloudFormation takes the first answer; but two
      // that succeed must name one resource.
      const succeeded = new Set(answers.filter((a) => a.Status === 'SUCCESS').map((a) => a.PhysicalResourceId));
      if (succeeded.size > 1) {
        return `${request.type} ${request.logicalId}: two deliveries succeeded with ${[...succeeded].join(' and ')}`;
      }
      if (answeredAt - request.startedAt > serviceTimeoutMs) {
        return `${request.type} ${request.logicalId}: answered after ${(answeredAt - request.startedAt) / 1000} s, ServiceTimeout ${serviceTimeoutMs / 1000} s`;
      }
    }
    return undefined;
  }

  private unusablePhysicalIds(): string | undefined {
    const usable = [
      /^arn:aws:emr-serverless:[\w-]+:\d{12}:\/applications\/\w+\/sessions\/\w+$/,
      new RegExp(`^${REQUESTED_SESSION_PREFIX}\\w+:[0-9a-f]{64}$`),
    ];
    const unusable = this.drivers
      .flatMap((d) => [...d.deployed.values()].map((r) => r.physicalId))
      .filter((id) => id !== CREATE_FAILED_MARKER && !usable.some((shape) => shape.test(id)));
    return unusable.length > 0 ? `held: ${unusable.join(', ')}` : undefined;
  }

  private failedRequests(): string | undefined {
    const failed = this.newRequests().find((r) => r.result.status === 'FAILED');
    return failed ? `${failed.type} ${failed.logicalId}: ${failed.result.reason?.split('\n')[0]}` : undefined;
  }

  private successBeforeUsable(): string | undefined {
    for (const { type, logicalId, result } of this.newRequests()) {
      if (type === 'Delete' || result.status !== 'SUCCESS') {
        continue;
      }
      const sessionId = sessionIdIn(result.physicalId);
      const usableAt = this.emulator.sessionIds().includes(sessionId) ? this.emulator.usableAt(sessionId) : undefined;
      if (usableAt === undefined || usableAt > result.answeredAt) {
        return `${type} ${logicalId}: SUCCESS at ${result.answeredAt}, session ${sessionId} usable at ${usableAt ?? 'never'}`;
      }
    }
    return undefined;
  }

  private staleAttributes(): string | undefined {
    for (const [logicalId, resource] of this.driver?.deployed ?? []) {
      const { SessionId: sessionId, Arn: arn } = resource.data;
      if (sessionId === undefined) {
        continue; // a resource whose create or update failed holds no attributes
      }
      if (resource.physicalId !== arn || sessionIdIn(arn) !== sessionId || !this.emulator.sessionIds().includes(sessionId)) {
        return `${logicalId}: physical id ${resource.physicalId}, SessionId ${sessionId}, Arn ${arn}`;
      }
    }
    return undefined;
  }

  private oversizedResponses(): string | undefined {
    const oversized = this.newRequests()
      .flatMap((r) => r.result.answers)
      .map((answer) => Buffer.byteLength(JSON.stringify(answer)))
      .filter((bytes) => bytes >= RESPONSE_MAX_BYTES);
    return oversized.length > 0 ? `responses of ${oversized.join(', ')} bytes` : undefined;
  }

  private secretsLogged(): string | undefined {
    const secrets = [SPARK_SECRET, ...this.emulator.authTokensIssued];
    const line = this.logs.lines.find((l) => secrets.some((secret) => l.includes(secret)) || /X-Amz-Signature=[0-9a-f]{8}-/.test(l));
    this.logs.lines.length = 0;
    return line ? `logged: ${line.slice(0, 300)}` : undefined;
  }
}

function sessionIdIn(physicalId: string): string {
  return physicalId.split('/').pop()!;
}

interface CapturedLogs {
  readonly lines: string[];
  restore(): void;
}

/** A logged value as a log line holds it. */
function printed(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  try {
    return value instanceof Error ? `${value.name}: ${value.message}` : JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** What the deployed code logs and Lambda keeps, for the secrets check, and out of the output. */
function captureLogs(): CapturedLogs {
  const methods = ['log', 'debug', 'info', 'warn', 'error'] as const;
  const original = Object.fromEntries(methods.map((m) => [m, console[m]]));
  const lines: string[] = [];
  for (const method of methods) {
    console[method] = (...args: unknown[]) => {
      if (keptByLambda(method)) {
        lines.push(args.map(printed).join(' '));
      }
    };
  }
  return {
    lines,
    restore: () => methods.forEach((m) => (console[m] = original[m])),
  };
}
