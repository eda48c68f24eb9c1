/**
 * aws-cdk-lib's Provider framework, run unmodified from the asset a synthesized template deploys,
 * with local stand-ins for the three things it calls:
 * - the Lambda Invoke API (it invokes the user handler named by its environment: here, the bundled
 *   session handler from its own asset, in this process);
 * - Step Functions (StartExecution; the waiter itself is interpreted from the state machine
 *   definition in the template: its Retry interval, backoff and attempts, and its Catch to onTimeout);
 * - the pre-signed ResponseURL (an HTTPS server with a certificate made at start, where the
 *   framework's PUT is what "CloudFormation" receives).
 * The framework's own AWS SDK clients reach the stand-ins through AWS_ENDPOINT_URL_LAMBDA and
 * AWS_ENDPOINT_URL_SFN. Time between waiter attempts is the caller's (`wait`), so it can be compressed.
 *
 * Lambda's account concurrency can be limited (`concurrencyLimit`): every function's executions,
 * the framework's and the handler's, count against it, as they do in an account, and one beyond it
 * is throttled as Lambda throttles it. A synchronous Invoke gets 429 TooManyRequestsException (the
 * framework's SDK retries); the waiter's task fails with Lambda.TooManyRequestsException (its Retry
 * spends an attempt); CloudFormation's own invocation of the framework, which is asynchronous, is
 * retried by Lambda with a backoff. Several requests may run at once.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import * as diagnostics from 'node:diagnostics_channel';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { readBody } from './read-body';

/** What CloudFormation received: the body of the framework's PUT to the ResponseURL. */
export interface FrameworkResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/** A deployed function as the template declares it: its code, the export its Handler names, its configuration. */
export interface FunctionCode {
  /** The function's logical id. */
  readonly name: string;
  readonly file: string;
  readonly exportName: string;
  /** Its environment variables, resolved: set in this process while it runs. */
  readonly environment: Record<string, string>;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Its processor: Lambda bills arm64 and x86_64 at different prices. */
  readonly architecture: 'arm64' | 'x86_64';
  /** The level below which Lambda drops what it logs (JSON log format only); undefined: Lambda keeps every line. */
  readonly applicationLogLevel?: string;
}

/** Lambda's application log levels, lowest first. */
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
/** The level of each console method, as Lambda's JSON log format records it. */
const CONSOLE_LEVELS = { trace: 'TRACE', debug: 'DEBUG', log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR' } as const;
const logLevelOfInvocation = new AsyncLocalStorage<string | undefined>();

/**
 * Whether Lambda keeps a line that the code running now logs with `method`: dropped when the
 * function's application log level is above the line's (the framework's functions log at FATAL,
 * so none of their console.log lines reaches CloudWatch). Code outside any function keeps its lines.
 */
export function keptByLambda(method: keyof typeof CONSOLE_LEVELS): boolean {
  const level = logLevelOfInvocation.getStore();
  return level === undefined || LOG_LEVELS.indexOf(CONSOLE_LEVELS[method]) >= LOG_LEVELS.indexOf(level);
}

/** One invocation of a function, as Lambda would bill it. */
export interface Invocation {
  readonly function: string;
  /** The user handler's export it ran (`onEvent` or `isComplete`); undefined for the framework's own functions. */
  readonly handlerExport?: string;
  /** The SDK calls it made over HTTP, by `amz-sdk-invocation-id` (an SDK call's retries share one). */
  readonly sdkCallIds: readonly string[];
  readonly memoryMb: number;
  readonly architecture: 'arm64' | 'x86_64';
  /** The longer of the clock's time and the real time it ran: equal on a real clock; on a compressed one, its waits, or the real time of an invocation that waited for nothing. */
  readonly durationMs: number;
  /** When it started and ended on the clock (an end of at least start + durationMs, so that no execution takes no time). */
  readonly startedAt: number;
  readonly endedAt: number;
}

/** What one request through the framework came to: CloudFormation's answer, and how the framework got there. */
export interface RequestOutcome {
  /** What CloudFormation received first (a delivery of the same request again may PUT once more). */
  readonly response: FrameworkResponse;
  /** How many times the framework's isComplete ran for this delivery: the waiter's attempts. */
  readonly polls: number;
  /** When, on the clock, the first answer reached CloudFormation. */
  readonly answeredAt: number;
}

export interface ProviderFrameworkOptions {
  /** The framework's three entry points, by the ARN the template gives each function. */
  readonly frameworkFunctions: Map<string, FunctionCode>;
  /** The user handler functions the framework invokes, by ARN. */
  readonly userFunctions: Map<string, FunctionCode>;
  /** The waiter state machine's definition, resolved. */
  readonly waiterDefinition: WaiterDefinition;
  /** Waits between two waiter attempts; tests advance a fake clock. */
  readonly wait: (ms: number) => Promise<void>;
  /**
   * Lambda's concurrency limit for the account: how many executions may run at once, all functions
   * together. Unset: no limit.
   */
  readonly concurrencyLimit?: number;
  /**
   * How long an invocation takes on Lambda besides its code, on the clock: the invoke's own
   * round trip. The default, 0, counts the code's time only.
   */
  readonly invokeOverheadMs?: number;
}

/** The waiter's attempts, as the definition gives them unless a test caps them to reach onTimeout quickly. */
export interface WaiterOverrides {
  readonly maxAttempts?: number;
}

export interface WaiterDefinition {
  readonly StartAt: string;
  readonly States: Record<
    string,
    {
      readonly Resource: string;
      readonly Retry?: Array<{ IntervalSeconds: number; MaxAttempts: number; BackoffRate: number }>;
      readonly Catch?: Array<{ Next: string }>;
    }
  >;
}

type Entry = (event: unknown) => Promise<unknown>;

/** The stand-ins are one set per process, each on a port the OS picks; they serve the active framework. */
let endpoints: Promise<void> | undefined;
let active: LocalProviderFramework | undefined;

function activate(framework: LocalProviderFramework): void {
  active = framework;
}

function startEndpoints(): Promise<void> {
  endpoints ??= (async () => {
    const listen = (server: http.Server | https.Server) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
        server.unref(); // never what keeps a test run or a script alive
      });
    const serve =
      (handler: (f: LocalProviderFramework, req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>) =>
      (req: http.IncomingMessage, res: http.ServerResponse) =>
        void handler(active!, req, res);
    process.env.AWS_ENDPOINT_URL_LAMBDA = `http://127.0.0.1:${await listen(http.createServer(serve((f, req, res) => f.invoke(req, res))))}`;
    process.env.AWS_ENDPOINT_URL_SFN = `http://127.0.0.1:${await listen(http.createServer(serve((f, req, res) => f.startExecution(req, res))))}`;
    // The framework PUTs to the URL's host with no port, as it would to S3: `https.request` then
    // takes the port of the global agent it goes through. So a local HTTPS server on a port the OS
    // picks, made the global agent's default port, with a certificate made now and trusted by this
    // process's global agent only: no root needed for port 443, and two runs never collide.
    const { key, cert } = selfSignedCertificate();
    // `defaultPort` is what `https.request` reads (Node.js's ClientRequest), though @types/node leaves it out.
    (https.globalAgent as https.Agent & { defaultPort: number }).defaultPort = await listen(
      https.createServer(
        { key, cert },
        serve((f, req, res) => f.receiveResponse(req, res)),
      ),
    );
    https.globalAgent.options.ca = [cert];
  })();
  return endpoints;
}

/**
 * The SDK calls of the invocation running now, in its async context: every HTTP request the SDK
 * sends carries its call's id, and Node.js announces each request where it is made.
 */
const sdkCallsOfInvocation = new AsyncLocalStorage<Set<string>>();
diagnostics.subscribe('http.client.request.start', (message) => {
  const id = (message as { request: http.ClientRequest }).request.getHeader('amz-sdk-invocation-id');
  if (id !== undefined) {
    sdkCallsOfInvocation.getStore()?.add(String(id));
  }
});

export class LocalProviderFramework {
  /** The files of framework code this instance loaded and ran, each with its SHA-256. */
  public readonly loadedFiles = new Map<string, string>();
  private readonly startExecutionFaults: number[] = [];
  /** Per user handler export (onEvent, isComplete): how many of its next invocations lose their response. */
  private readonly droppedResponses = new Map<string, number>();
  /** Per user handler export: how many times the framework invoked it (retries included). */
  public readonly invocations = new Map<string, number>();
  /** Every function invocation, framework and user handler alike, in order. */
  public readonly invocationLog: Invocation[] = [];
  /** The status every StartExecution call, and every PUT to a ResponseURL, was answered with. */
  public readonly startExecutionStatuses: number[] = [];
  public readonly responsePutStatuses: number[] = [];
  /** Invocations Lambda refused for the concurrency limit, by how they were made. */
  public readonly throttles = { invoke: 0, waiterTask: 0, asyncEvent: 0 };
  /** Why each waiter execution that failed did, in order: CloudFormation heard nothing from those. */
  public readonly failedExecutions: Error[] = [];
  /** The most executions that ran at once. */
  public peakConcurrency = 0;
  private running = 0;
  private responsePutFaults = 0;
  /** Until when, on the clock, Lambda throttles every invocation of the waiter's task. */
  private waiterTasksThrottledUntil = 0;
  /** Waiter executions started, by the response key of their request, not yet claimed by a delivery. */
  private readonly executions = new Map<string, string[]>();
  /** Every answer PUT to each response key, with when it arrived. */
  private readonly responses = new Map<string, Array<{ response: FrameworkResponse; at: number }>>();
  /** The environment of every function, which the process carries while any of them runs. */
  private readonly environment: Record<string, string>;
  private restoreEnvironment: (() => void) | undefined;
  /** Set by a test that must reach the waiter's Catch in a few polls instead of the definition's 240. */
  public waiterOverrides: WaiterOverrides = {};

  constructor(private readonly options: ProviderFrameworkOptions) {
    this.environment = sharedEnvironment([...options.frameworkFunctions.values(), ...options.userFunctions.values()]);
  }

  /** Every answer CloudFormation received for a request, in order: one, unless a delivery again PUT one too. */
  public answersTo(event: Record<string, unknown>): FrameworkResponse[] {
    return (this.responses.get(responseKeyOf(event)) ?? []).map((r) => r.response);
  }

  /** Drops the faults not yet used, so that they strike nothing after the request they were meant for. */
  public clearFaults(): void {
    this.startExecutionFaults.length = 0;
    this.droppedResponses.clear();
    this.responsePutFaults = 0;
    this.waiterTasksThrottledUntil = 0;
  }

  /** The next `count` StartExecution calls fail with ThrottlingException (the SDK retries each call 3 times). */
  public throttleStartExecution(count: number): void {
    this.startExecutionFaults.push(count);
  }

  /** The next Invoke of the user handler `exportName` runs it, then loses the response: the framework's SDK retries. */
  public dropNextInvokeResponse(exportName: 'onEvent' | 'isComplete'): void {
    this.droppedResponses.set(exportName, (this.droppedResponses.get(exportName) ?? 0) + 1);
  }

  /** Lambda throttles every invocation of the waiter's task (the framework's isComplete) for `ms` from now, on the clock. */
  public throttleWaiterTasksFor(ms: number): void {
    this.waiterTasksThrottledUntil = Date.now() + ms;
  }

  /** The next PUT to the ResponseURL fails with a 500 (the framework retries it). */
  public failNextResponsePut(): void {
    this.responsePutFaults++;
  }

  /**
   * One delivery of a CloudFormation request through the framework: its onEvent Lambda, invoked as
   * CloudFormation invokes it (asynchronously: Lambda retries a throttled event), then the waiter it
   * started, until it ends. CloudFormation delivers a request again with the same RequestId and
   * ResponseURL: deliver the same event twice, and both go through, each with a waiter of its own.
   */
  public async request(event: Record<string, unknown>): Promise<RequestOutcome> {
    const responseKey = responseKeyOf(event);
    await startEndpoints();
    activate(this);
    await this.runAsyncEvent(this.frameworkFunction('framework.onEvent'), event);
    // The waiter this delivery's onEvent started, if it started one: each delivery claims one.
    const input = this.executions.get(responseKey)?.shift();
    const polls = input === undefined ? 0 : await this.runWaiter(JSON.parse(input));
    const first = this.firstAnswerTo(event);
    if (!first) {
      throw new Error(`the framework never answered CloudFormation for ${event.RequestType} ${event.LogicalResourceId}`);
    }
    return { response: first.response, polls, answeredAt: first.at };
  }

  /** The first answer PUT for a request, and when, on the clock, it arrived; undefined while none has. */
  public firstAnswerTo(event: Record<string, unknown>): { readonly response: FrameworkResponse; readonly at: number } | undefined {
    return this.responses.get(responseKeyOf(event))?.[0];
  }

  /**
   * The waiter state machine, interpreted: the task, its Retry policy, then its Catch. Returns how
   * many times the task ran. A task Lambda throttles fails with Lambda.TooManyRequestsException, as
   * Step Functions reports it, and its Retry spends an attempt on it like on any other error.
   */
  private async runWaiter(input: unknown): Promise<number> {
    const definition = this.options.waiterDefinition;
    const task = definition.States[definition.StartAt];
    const defined = task.Retry?.[0] ?? { IntervalSeconds: 1, MaxAttempts: 0, BackoffRate: 1 };
    const retry = { ...defined, MaxAttempts: this.waiterOverrides.maxAttempts ?? defined.MaxAttempts };
    let lastError: Error | undefined;
    let attempts = 0;
    for (let attempt = 0; attempt <= retry.MaxAttempts; attempt++) {
      if (attempt > 0) {
        await this.options.wait(retry.IntervalSeconds * 1000 * retry.BackoffRate ** (attempt - 1));
      }
      try {
        attempts++;
        await this.runTask(this.frameworkFunctionAt(task.Resource), input);
        return attempts;
      } catch (error) {
        lastError = error as Error;
      }
    }
    const next = task.Catch?.[0]?.Next;
    if (!next) {
      throw lastError;
    }
    // As Step Functions hands a Lambda task's error to the Catch state. A Catch task that fails (it
    // has no Retry) fails the execution: nothing answers CloudFormation, which waits for its timeout.
    const cause = JSON.stringify({ errorMessage: lastError!.message, errorType: lastError!.name, trace: [] });
    await this.runTask(this.frameworkFunctionAt(definition.States[next].Resource), { Error: lastError!.name, Cause: cause }).catch(
      (error: Error) => this.failedExecutions.push(error),
    );
    return attempts;
  }

  /** A Step Functions Lambda task: the invocation, or Lambda.TooManyRequestsException when Lambda throttles it. */
  private async runTask(code: FunctionCode, input: unknown): Promise<unknown> {
    if (!this.hasCapacity() || Date.now() < this.waiterTasksThrottledUntil) {
      this.throttles.waiterTask++;
      throw Object.assign(new Error('Rate Exceeded.'), { name: 'Lambda.TooManyRequestsException' });
    }
    return this.run(code, input);
  }

  /**
   * An asynchronous invocation, as CloudFormation invokes the framework's entry function: Lambda
   * queues the event and retries a throttled one after 1 second, then twice as long each time, up to
   * 5 minutes, for up to 6 hours (the Lambda developer guide, "asynchronous invocation").
   */
  private async runAsyncEvent(code: FunctionCode, event: unknown): Promise<void> {
    for (let delayMs = 1_000, waited = 0; !this.hasCapacity(); waited += delayMs, delayMs = Math.min(2 * delayMs, 300_000)) {
      if (waited > 6 * 3_600_000) {
        throw new Error(`Lambda dropped the event for ${code.name} after 6 hours of throttling`);
      }
      this.throttles.asyncEvent++;
      await this.options.wait(delayMs);
    }
    await this.run(code, event);
  }

  private hasCapacity(): boolean {
    return this.options.concurrencyLimit === undefined || this.running < this.options.concurrencyLimit;
  }

  /**
   * The Lambda API for the user functions: Invoke runs the handler and answers as Lambda does (429
   * beyond the concurrency limit); GetFunction says the function is active, which is what the
   * framework's SDK waiter asks after an Invoke failed for good, before it tries once more.
   */
  public async invoke(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const [, name, action] = /^\/2015-03-31\/functions\/([^/?]+)(?:\/(invocations))?/.exec(req.url ?? '') ?? [];
    const functionArn = decodeURIComponent(name ?? '');
    const code = this.options.userFunctions.get(functionArn);
    if (!code) {
      res
        .writeHead(404, { 'x-amzn-errortype': 'ResourceNotFoundException' })
        .end(JSON.stringify({ message: `no function ${functionArn}` }));
      return;
    }
    if (action === undefined) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          Configuration: { FunctionName: code.name, FunctionArn: functionArn, State: 'Active', LastUpdateStatus: 'Successful' },
        }),
      );
      return;
    }
    if (!this.hasCapacity()) {
      this.throttles.invoke++;
      res.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException' });
      res.end(JSON.stringify({ message: 'Rate Exceeded.', Reason: 'ConcurrentInvocationLimitExceeded', Type: 'User' }));
      return;
    }
    this.invocations.set(code.exportName, (this.invocations.get(code.exportName) ?? 0) + 1);
    let payload: string;
    let functionError: string | undefined;
    try {
      payload = JSON.stringify((await this.run(code, JSON.parse(body))) ?? null);
    } catch (error) {
      functionError = 'Unhandled';
      payload = JSON.stringify({ errorType: (error as Error).name, errorMessage: (error as Error).message, trace: [] });
    }
    const drops = this.droppedResponses.get(code.exportName) ?? 0;
    if (drops > 0) {
      this.droppedResponses.set(code.exportName, drops - 1);
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', ...(functionError && { 'x-amz-function-error': functionError }) });
    res.end(payload);
  }

  /** Step Functions' StartExecution (awsJson1_0): records the execution, which `request` then runs. */
  public async startExecution(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = JSON.parse(await readBody(req));
    if (this.startExecutionFaults.length > 0) {
      const remaining = this.startExecutionFaults[0] - 1;
      if (remaining > 0) {
        this.startExecutionFaults[0] = remaining;
      } else {
        this.startExecutionFaults.shift();
      }
      this.startExecutionStatuses.push(400);
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'com.amazonaws.swf.service.v2.model#ThrottlingException', message: 'Rate exceeded' }));
      return;
    }
    this.startExecutionStatuses.push(200);
    const key = responseKeyOf(JSON.parse(body.input));
    this.executions.set(key, [...(this.executions.get(key) ?? []), body.input]);
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify({ executionArn: `${body.stateMachineArn}:${randomUUID()}`, startDate: Date.now() / 1000 }));
  }

  /** The pre-signed ResponseURL: what arrives here is what CloudFormation would record. */
  public async receiveResponse(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (this.responsePutFaults > 0) {
      this.responsePutFaults--;
      this.responsePutStatuses.push(500);
      res.writeHead(500).end();
      return;
    }
    const key = responseKeyIn(req.url ?? '');
    if (req.method === 'PUT' && key) {
      this.responsePutStatuses.push(200);
      this.responses.set(key, [...(this.responses.get(key) ?? []), { response: JSON.parse(body), at: Date.now() }]);
    }
    res.writeHead(200).end();
  }

  /**
   * Runs a function as Lambda would: with its environment, its event as JSON, and its timeout: an
   * invocation that outlasts it fails as Lambda fails it (the work it did stays done).
   */
  private async run(code: FunctionCode, event: unknown): Promise<unknown> {
    const entry = loadExport(code, this.loadedFiles);
    const sdkCallIds = new Set<string>();
    this.enter();
    const started = { clock: Date.now(), real: performance.now() };
    const outcome = await Promise.resolve(this.options.invokeOverheadMs ? this.options.wait(this.options.invokeOverheadMs) : undefined)
      .then(() =>
        logLevelOfInvocation.run(code.applicationLogLevel, () =>
          sdkCallsOfInvocation.run(sdkCallIds, () => entry(JSON.parse(JSON.stringify(event)))),
        ),
      )
      .then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
    this.leave();
    const durationMs = Math.ceil(Math.max(Date.now() - started.clock, performance.now() - started.real));
    this.invocationLog.push({
      function: code.name,
      handlerExport: [...this.options.userFunctions.values()].includes(code) ? code.exportName : undefined,
      sdkCallIds: [...sdkCallIds],
      memoryMb: code.memoryMb,
      architecture: code.architecture,
      durationMs,
      startedAt: started.clock,
      endedAt: Math.max(Date.now(), started.clock + durationMs),
    });
    if (durationMs > code.timeoutSeconds * 1000) {
      throw Object.assign(new Error(`Task timed out after ${code.timeoutSeconds}.00 seconds`), { name: 'Sandbox.Timedout' });
    }
    if ('error' in outcome) {
      throw outcome.error;
    }
    return outcome.value;
  }

  private frameworkFunctionAt(functionArn: string): FunctionCode {
    const code = this.options.frameworkFunctions.get(functionArn);
    if (!code) {
      throw new Error(`the waiter names ${functionArn}, which is not a framework function of the template`);
    }
    return code;
  }

  private frameworkFunction(handler: string): FunctionCode {
    const code = [...this.options.frameworkFunctions.values()].find((c) => `${path.basename(c.file, '.js')}.${c.exportName}` === handler);
    if (!code) {
      throw new Error(`no framework function with handler ${handler}`);
    }
    return code;
  }

  /**
   * An execution starts: it counts against the concurrency limit, and the process carries the
   * functions' environment while any of them runs (they share one process here, so their
   * environments must agree: see `sharedEnvironment`).
   */
  private enter(): void {
    if (this.running++ === 0) {
      this.restoreEnvironment = setEnvironment(this.environment);
    }
    this.peakConcurrency = Math.max(this.peakConcurrency, this.running);
  }

  private leave(): void {
    if (--this.running === 0) {
      this.restoreEnvironment?.();
    }
  }
}

/** The key in a URL, or a request path, of the local ResponseURL stand-in. */
function responseKeyIn(url: string): string | undefined {
  return /\/cloudformation-response\/([^?/]+)/.exec(url)?.[1];
}

/** The key of the local ResponseURL a request carries (see `CloudFormationDriver`). */
export function responseKeyOf(event: Record<string, unknown>): string {
  const key = responseKeyIn(String(event.ResponseURL ?? ''));
  if (!key) {
    throw new Error(`the request's ResponseURL ${String(event.ResponseURL)} is not one of the local framework's`);
  }
  return key;
}

/** A ResponseURL that reaches the local stand-in, unique to one request. */
export function localResponseUrl(): string {
  return `https://localhost/cloudformation-response/${randomUUID()}?X-Amz-Signature=${randomUUID()}`;
}

/**
 * The variables of every function, together: the stand-ins run them all in this process, at once
 * when requests overlap, so each variable must have one value whichever function names it.
 */
function sharedEnvironment(functions: FunctionCode[]): Record<string, string> {
  const shared: Record<string, string> = {};
  for (const code of functions) {
    for (const [name, value] of Object.entries(code.environment)) {
      if (name in shared && shared[name] !== value) {
        throw new Error(
          `${code.name} sets ${name} to '${value}', another function to '${shared[name]}': the local cloud runs them in one process`,
        );
      }
      shared[name] = value;
    }
  }
  return shared;
}

/** Sets the variables in this process; returns what puts the previous values back. */
function setEnvironment(variables: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  Object.assign(process.env, variables);
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = value;
      }
    }
  };
}

/** The export a function's Handler names, from the file in its asset, recording what was loaded. */
function loadExport(code: FunctionCode, loaded: Map<string, string>): Entry {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(code.file);
  // Hashed once per file: this runs on every invocation and every waiter attempt.
  for (const file of fs.readdirSync(path.dirname(code.file)).filter((name) => name.endsWith('.js'))) {
    const full = path.join(path.dirname(code.file), file);
    if (require.cache[full] && !loaded.has(full)) {
      loaded.set(full, createHash('sha256').update(fs.readFileSync(full)).digest('hex'));
    }
  }
  const entry = module[code.exportName];
  if (typeof entry !== 'function') {
    throw new Error(`${code.file} exports no function ${code.exportName}`);
  }
  return entry;
}

/** A key and a certificate for localhost, made with openssl for this run only. */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'response-url-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'pipe' },
    );
    return { key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
