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
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
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
}

/** One invocation of a function, as Lambda would bill it. */
export interface Invocation {
  readonly function: string;
  readonly memoryMb: number;
  /** The longer of the clock's time and the real time it ran: equal on a real clock; on a compressed one, its waits, or the real time of an invocation that waited for nothing. */
  readonly durationMs: number;
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

export class LocalProviderFramework {
  /** How many times the framework's isComplete ran in the last request: the waiter's polls. */
  public polls = 0;
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
  private responsePutFaults = 0;
  /** When, on the clock, CloudFormation last received an answer. */
  public lastAnsweredAt = 0;
  private executions: Array<{ stateMachineArn: string; input: string }> = [];
  private readonly responses = new Map<string, FrameworkResponse>();
  /** Set by a test that must reach the waiter's Catch in a few polls instead of the definition's 240. */
  public waiterOverrides: WaiterOverrides = {};

  constructor(private readonly options: ProviderFrameworkOptions) {}

  /** The next `count` StartExecution calls fail with ThrottlingException (the SDK retries each call 3 times). */
  public throttleStartExecution(count: number): void {
    this.startExecutionFaults.push(count);
  }

  /** The next Invoke of the user handler `exportName` runs it, then loses the response: the framework's SDK retries. */
  public dropNextInvokeResponse(exportName: 'onEvent' | 'isComplete'): void {
    this.droppedResponses.set(exportName, (this.droppedResponses.get(exportName) ?? 0) + 1);
  }

  /** The next PUT to the ResponseURL fails with a 500 (the framework retries it). */
  public failNextResponsePut(): void {
    this.responsePutFaults++;
  }

  /**
   * One CloudFormation request through the framework: its onEvent Lambda, then the waiter, if it
   * was started, until the framework has PUT its answer; returns what CloudFormation received.
   */
  public async request(event: Record<string, unknown>): Promise<FrameworkResponse> {
    const responseKey = randomUUID();
    const withUrl = { ...event, ResponseURL: `https://localhost/cloudformation-response/${responseKey}?X-Amz-Signature=${randomUUID()}` };
    await startEndpoints();
    activate(this);
    this.polls = 0;
    this.executions = [];
    await this.run(this.frameworkFunction('framework.onEvent'), withUrl);
    for (const execution of this.executions.splice(0)) {
      await this.runWaiter(JSON.parse(execution.input));
    }
    const response = this.responses.get(responseKey);
    if (!response) {
      throw new Error(`the framework never answered CloudFormation for ${event.RequestType} ${event.LogicalResourceId}`);
    }
    return response;
  }

  /** The waiter state machine, interpreted: the task, its Retry policy, then its Catch. */
  private async runWaiter(input: unknown): Promise<void> {
    const definition = this.options.waiterDefinition;
    const task = definition.States[definition.StartAt];
    const defined = task.Retry?.[0] ?? { IntervalSeconds: 1, MaxAttempts: 0, BackoffRate: 1 };
    const retry = { ...defined, MaxAttempts: this.waiterOverrides.maxAttempts ?? defined.MaxAttempts };
    let lastError: Error | undefined;
    for (let attempt = 0; attempt <= retry.MaxAttempts; attempt++) {
      if (attempt > 0) {
        await this.options.wait(retry.IntervalSeconds * 1000 * retry.BackoffRate ** (attempt - 1));
      }
      try {
        this.polls++;
        await this.run(this.frameworkFunctionAt(task.Resource), input);
        return;
      } catch (error) {
        lastError = error as Error;
      }
    }
    const next = task.Catch?.[0]?.Next;
    if (!next) {
      throw lastError;
    }
    // As Step Functions hands a Lambda task's error to the Catch state.
    const cause = JSON.stringify({ errorMessage: lastError!.message, errorType: lastError!.name, trace: [] });
    await this.run(this.frameworkFunctionAt(definition.States[next].Resource), { Error: lastError!.name, Cause: cause });
  }

  /** The Lambda Invoke API for the user functions: runs the handler, answers as Lambda does. */
  public async invoke(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const functionArn = decodeURIComponent(/^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '')?.[1] ?? '');
    const code = this.options.userFunctions.get(functionArn);
    if (!code) {
      res
        .writeHead(404, { 'x-amzn-errortype': 'ResourceNotFoundException' })
        .end(JSON.stringify({ message: `no function ${functionArn}` }));
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
    this.executions.push({ stateMachineArn: body.stateMachineArn, input: body.input });
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
    const key = /^\/cloudformation-response\/([^?/]+)/.exec(req.url ?? '')?.[1];
    if (req.method === 'PUT' && key) {
      this.responsePutStatuses.push(200);
      this.responses.set(key, JSON.parse(body));
      this.lastAnsweredAt = Date.now();
    }
    res.writeHead(200).end();
  }

  /**
   * Runs a function as Lambda would: with its environment, its event as JSON, and its timeout: an
   * invocation that outlasts it fails as Lambda fails it (the work it did stays done).
   */
  private async run(code: FunctionCode, event: unknown): Promise<unknown> {
    const entry = loadExport(code, this.loadedFiles);
    const restoreEnvironment = setEnvironment(code.environment);
    const started = { clock: Date.now(), real: performance.now() };
    const outcome = await Promise.resolve(event)
      .then((input) => entry(JSON.parse(JSON.stringify(input))))
      .then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
    restoreEnvironment();
    const durationMs = Math.ceil(Math.max(Date.now() - started.clock, performance.now() - started.real));
    this.invocationLog.push({ function: code.name, memoryMb: code.memoryMb, durationMs });
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
