/**
 * A local stand-in for the EMR Serverless session API, for tests and `npm run deploy:local`.
 *
 * It speaks restJson1 as the real service does (paths, methods, bodies, `x-amzn-errortype`), so the
 * real `@aws-sdk/client-emr-serverless` talks to it over HTTP when `AWS_ENDPOINT_URL_EMR_SERVERLESS`
 * points here. Sessions move SUBMITTED -> STARTING -> IDLE as its clock advances; StartSession is
 * idempotent by client token; faults can be injected per operation and per call. It records every
 * request and counts sessions per token and live sessions, so a test can prove nothing leaked.
 *
 * Like the service, it can be slow and it can limit how fast an account may call: each call may take
 * a latency of the clock's time (`latencyMs`, `slowDownNext`), and an operation may be limited to a
 * rate (`limitRate`: a token bucket refilled on the clock; a call beyond it gets 429
 * ThrottlingException). It waits through `node:timers/promises`, which the compressed clock replaces.
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { ID, StartSessionBody, validateStartSession, validateTagMap } from './start-session-validation';
import { readBody } from './read-body';

/** The module object itself, whose wait the compressed clock replaces (see `local-clock.ts`). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const timers: { setTimeout: (ms: number) => Promise<void> } = require('node:timers/promises');

export type Operation =
  | 'StartSession'
  | 'GetSession'
  | 'GetSessionEndpoint'
  | 'ListSessions'
  | 'TerminateSession'
  | 'TagResource'
  | 'UntagResource'
  | 'ListTagsForResource'
  | 'GetApplication'
  /** A request on no route of the API: recorded as such, answered 404. */
  | 'UnknownOperation';

/**
 * What an injected fault does to one call: answer 500 or 429, answer 404, answer 402 (a session
 * quota reached), or carry out the call and then drop the connection so that the caller never sees
 * the response.
 */
export type Fault = 'internal-error' | 'throttle' | 'not-found' | 'quota' | 'drop-after-commit';

export interface EmulatorOptions {
  /** The clock sessions age by, in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
  /** How long a session stays SUBMITTED, then STARTING. @default 10 s and 40 s */
  readonly submittedMs?: number;
  readonly startingMs?: number;
  /** How long a session stays TERMINATING. @default 5 s */
  readonly terminatingMs?: number;
  /** How long every call takes to be answered, on the clock. @default 0 */
  readonly latencyMs?: number;
  readonly region?: string;
  readonly account?: string;
}

export interface ApplicationOptions {
  readonly releaseLabel?: string;
  readonly sessionEnabled?: boolean;
  readonly state?: 'CREATED' | 'STARTED' | 'STOPPED';
  readonly autoStart?: boolean;
}

interface Application {
  readonly id: string;
  readonly arn: string;
  readonly releaseLabel: string;
  readonly sessionEnabled: boolean;
  readonly autoStart: boolean;
  state: string;
}

interface EmulatedSession {
  readonly applicationId: string;
  readonly sessionId: string;
  readonly arn: string;
  readonly clientToken: string;
  readonly request: StartSessionBody;
  readonly createdAt: number;
  tags: Record<string, string>;
  /** A state forced by a test or by TerminateSession, with when it was set. */
  forced?: { state: string; at: number; details: string };
  /** A start that ends in FAILED when STARTING is over. */
  failure?: string;
  /** A start that never gets past STARTING. */
  stalled?: boolean;
  /** How long this session stays STARTING. */
  readonly startingMs: number;
}

export interface RecordedRequest {
  readonly operation: Operation;
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly status: number;
  /** When it arrived, on the emulator's clock (epoch milliseconds). */
  readonly at: number;
  /** The SDK's `amz-sdk-invocation-id`: one per SDK call, the same on each of its retries. */
  readonly sdkCallId?: string;
}

/** A token bucket: `perSecond` calls a second, in bursts of as many; refilled as the clock moves. */
interface RateLimit {
  readonly perSecond: number;
  tokens: number;
  refilledAt: number;
}

const LIVE = new Set(['SUBMITTED', 'STARTING', 'STARTED', 'IDLE', 'BUSY']);
const SUMMARY_FIELDS = [
  'applicationId',
  'sessionId',
  'arn',
  'name',
  'state',
  'stateDetails',
  'releaseLabel',
  'executionRoleArn',
  'createdBy',
  'createdAt',
  'updatedAt',
] as const;

export class EmrServerlessEmulator {
  /** Every request, in order, with the status it was answered with. */
  public readonly requests: RecordedRequest[] = [];
  /** Every auth token GetSessionEndpoint handed out: a test can prove none of them was kept anywhere. */
  public readonly authTokensIssued: string[] = [];
  private readonly applications = new Map<string, Application>();
  private readonly sessions = new Map<string, EmulatedSession>();
  private readonly faults = new Map<Operation, Array<Fault | undefined>>();
  private readonly failNextStarts: string[] = [];
  private stallNextStart = false;
  private readonly nextStartingMs: number[] = [];
  private readonly rateLimits = new Map<Operation, RateLimit>();
  private readonly slowDowns = new Map<Operation, number[]>();
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private nextSessionNumber = 1;
  private readonly now: () => number;
  private readonly region: string;
  private readonly account: string;
  private readonly timings: { readonly submittedMs: number; readonly startingMs: number; readonly terminatingMs: number };
  private readonly latencyMs: number;

  constructor(options: EmulatorOptions = {}) {
    this.now = options.now ?? (() => Date.now());
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '123456789012';
    this.timings = {
      submittedMs: options.submittedMs ?? 10_000,
      startingMs: options.startingMs ?? 40_000,
      terminatingMs: options.terminatingMs ?? 5_000,
    };
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Starts listening on a free port of 127.0.0.1 and returns the endpoint URL. */
  public async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this.endpoint;
  }

  public get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Forgets all sessions, applications, faults and requests. */
  public reset(): void {
    this.requests.length = 0;
    this.authTokensIssued.length = 0;
    this.applications.clear();
    this.sessions.clear();
    this.faults.clear();
    this.failNextStarts.length = 0;
    this.stallNextStart = false;
    this.nextStartingMs.length = 0;
    this.rateLimits.clear();
    this.slowDowns.clear();
    this.nextSessionNumber = 1;
  }

  /** Drops the injected faults, slow-downs and start failures not yet used, so that they strike nothing after the operation they were meant for. */
  public clearFaults(): void {
    this.faults.clear();
    this.slowDowns.clear();
    this.failNextStarts.length = 0;
  }

  /** Limits an operation to `perSecond` calls a second for the account, in bursts of as many: beyond it, 429 ThrottlingException. */
  public limitRate(operation: Operation, perSecond: number): void {
    this.rateLimits.set(operation, { perSecond, tokens: perSecond, refilledAt: this.rateClock() });
  }

  /** The next calls of an operation take these times to be answered (on the clock), one per call. */
  public slowDownNext(operation: Operation, ...delaysMs: number[]): void {
    this.slowDowns.set(operation, [...(this.slowDowns.get(operation) ?? []), ...delaysMs]);
  }

  /** The most calls of an operation that arrived within one second (a sliding window), throttled ones included. */
  public peakRate(operation: Operation): number {
    const times = this.callsOf(operation).map((r) => r.at);
    let peak = 0;
    for (let first = 0, last = 0; last < times.length; last++) {
      while (times[last] - times[first] >= 1_000) {
        first++;
      }
      peak = Math.max(peak, last - first + 1);
    }
    return peak;
  }

  public addApplication(id: string, options: ApplicationOptions = {}): Application {
    const application: Application = {
      id,
      arn: `arn:aws:emr-serverless:${this.region}:${this.account}:/applications/${id}`,
      releaseLabel: options.releaseLabel ?? 'emr-7.13.0',
      sessionEnabled: options.sessionEnabled ?? true,
      autoStart: options.autoStart ?? true,
      state: options.state ?? 'CREATED',
    };
    this.applications.set(id, application);
    return application;
  }

  /** Makes the next calls of an operation fail, one fault per call; `undefined` lets a call through. */
  public injectFaults(operation: Operation, ...faults: Array<Fault | undefined>): void {
    this.faults.set(operation, [...(this.faults.get(operation) ?? []), ...faults]);
  }

  /** The next session started fails once its start-up is over, with these state details. */
  public failNextSessionStart(stateDetails: string): void {
    this.failNextStarts.push(stateDetails);
  }

  /** The next session started stays STARTING for ever, as one waiting for capacity that never comes. */
  public stallNextSessionStart(): void {
    this.stallNextStart = true;
  }

  /** The next sessions started stay STARTING for these times, one per session, rather than the emulator's default. */
  public startNextSessionIn(...startingMs: number[]): void {
    this.nextStartingMs.push(...startingMs);
  }

  /** When the session became, or becomes, usable on the emulator's clock; undefined for one whose start fails or stalls. */
  public usableAt(sessionId: string): number | undefined {
    return this.usableAtOf(this.sessions.get(sessionId)!);
  }

  private usableAtOf(session: EmulatedSession): number | undefined {
    return session.failure || session.stalled ? undefined : session.createdAt + this.timings.submittedMs + session.startingMs;
  }

  /** Ends a session as the service does after its idle timeout. */
  public endSession(sessionId: string, details = 'Session terminated after idle timeout'): void {
    const session = this.sessions.get(sessionId)!;
    session.forced = { state: 'TERMINATED', at: this.now(), details };
  }

  /** Forgets a session, as the service does some time after it ended: every call about it is then a 404. */
  public forgetSession(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  public stateOf(sessionId: string): string {
    return this.describe(this.sessions.get(sessionId)!).state;
  }

  public tagsOf(sessionId: string): Record<string, string> {
    return { ...this.sessions.get(sessionId)!.tags };
  }

  public requestOf(sessionId: string): StartSessionBody {
    return this.sessions.get(sessionId)!.request;
  }

  /** Sessions that are not TERMINATING, TERMINATED or FAILED. */
  public liveSessions(): string[] {
    return [...this.sessions.values()].filter((s) => LIVE.has(this.describe(s).state)).map((s) => s.sessionId);
  }

  public sessionIds(): string[] {
    return [...this.sessions.keys()];
  }

  /** How many sessions each client token started: more than 1 would be a duplicate. */
  public sessionsPerToken(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const session of this.sessions.values()) {
      counts.set(session.clientToken, (counts.get(session.clientToken) ?? 0) + 1);
    }
    return counts;
  }

  public callsOf(operation: Operation): RecordedRequest[] {
    return this.requests.filter((r) => r.operation === operation);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const raw = await readBody(req);
    const body = raw ? JSON.parse(raw) : undefined;
    const route = this.route(req.method ?? 'GET', url.pathname);
    const arrived = { method: req.method!, path: url.pathname, body, at: this.now(), sdkCallId: sdkCallIdOf(req) };
    if (!route) {
      return this.send(res, { operation: 'UnknownOperation', ...arrived }, 404, errorBody('UnknownOperationException', 'no such route'));
    }
    const record = { operation: route.operation, ...arrived };
    if (!this.withinRate(route.operation)) {
      return this.send(res, record, 429, errorBody('ThrottlingException', 'Rate exceeded'));
    }
    const delayMs = this.slowDowns.get(route.operation)?.shift() ?? this.latencyMs;
    if (delayMs > 0) {
      await timers.setTimeout(delayMs);
    }
    const fault = this.faults.get(route.operation)?.shift();
    if (fault === 'internal-error') {
      return this.send(res, record, 500, errorBody('InternalServerException', 'Injected internal error'));
    }
    if (fault === 'throttle') {
      return this.send(res, record, 429, errorBody('ThrottlingException', 'Rate exceeded'));
    }
    if (fault === 'quota') {
      // What StartSession answers when the application runs as many sessions as its quota allows.
      return this.send(
        res,
        record,
        402,
        errorBody('ServiceQuotaExceededException', 'Injected: maximum number of concurrent sessions reached'),
      );
    }
    if (fault === 'not-found') {
      return this.send(res, record, 404, errorBody('ResourceNotFoundException', 'Injected: resource not found'));
    }
    const [status, answer] = this.operate(route, url, body);
    if (fault === 'drop-after-commit') {
      this.requests.push({ ...record, status: 0 });
      req.socket.destroy();
      return;
    }
    this.send(res, record, status, answer);
  }

  /**
   * The time a rate limit refills by: the clock's, plus the real time that has passed. A caller's
   * own backoff (the SDK's, between two attempts) takes real time while the compressed clock
   * stands still, and the service's bucket refills meanwhile all the same.
   */
  private rateClock(): number {
    return this.now() + performance.now();
  }

  /** Takes a token from the operation's bucket, if it is limited; false when there is none left. */
  private withinRate(operation: Operation): boolean {
    const limit = this.rateLimits.get(operation);
    if (!limit) {
      return true;
    }
    const now = this.rateClock();
    limit.tokens = Math.min(limit.perSecond, limit.tokens + ((now - limit.refilledAt) / 1000) * limit.perSecond);
    limit.refilledAt = now;
    if (limit.tokens < 1) {
      return false;
    }
    limit.tokens--;
    return true;
  }

  private route(method: string, path: string): { operation: Operation; params: string[] } | undefined {
    const table: Array<[string, RegExp, Operation]> = [
      ['POST', /^\/applications\/([^/]+)\/sessions$/, 'StartSession'],
      ['GET', /^\/applications\/([^/]+)\/sessions$/, 'ListSessions'],
      ['GET', /^\/applications\/([^/]+)\/sessions\/([^/]+)$/, 'GetSession'],
      ['GET', /^\/applications\/([^/]+)\/sessions\/([^/]+)\/endpoint$/, 'GetSessionEndpoint'],
      ['DELETE', /^\/applications\/([^/]+)\/sessions\/([^/]+)$/, 'TerminateSession'],
      ['GET', /^\/applications\/([^/]+)$/, 'GetApplication'],
      ['POST', /^\/tags\/(.+)$/, 'TagResource'],
      ['DELETE', /^\/tags\/(.+)$/, 'UntagResource'],
      ['GET', /^\/tags\/(.+)$/, 'ListTagsForResource'],
    ];
    for (const [m, pattern, operation] of table) {
      const match = m === method ? pattern.exec(path) : null;
      if (match) {
        return { operation, params: match.slice(1).map(decodeURIComponent) };
      }
    }
    return undefined;
  }

  private operate(route: { operation: Operation; params: string[] }, url: URL, body: any): [number, unknown] {
    const [first, second] = route.params;
    switch (route.operation) {
      case 'StartSession':
        return this.startSession(first, body ?? {});
      case 'GetSession':
        return this.withSession(first, second, (s) => [200, { session: this.describe(s) }]);
      case 'GetSessionEndpoint':
        return this.withSession(first, second, (s) => this.sessionEndpoint(s));
      case 'ListSessions':
        return this.listSessions(first, url.searchParams);
      case 'TerminateSession':
        return this.withSession(first, second, (s) => this.terminate(s));
      case 'GetApplication':
        return this.withApplication(first, (a) => [
          200,
          { application: { applicationId: a.id, arn: a.arn, releaseLabel: a.releaseLabel, type: 'SPARK', state: a.state } },
        ]);
      case 'TagResource':
        return this.withSessionArn(first, (s) => {
          const error = validateTagMap(body?.tags);
          if (error) {
            return [400, errorBody('ValidationException', error)];
          }
          s.tags = { ...s.tags, ...body.tags };
          return [200, {}];
        });
      case 'UntagResource':
        return this.withSessionArn(first, (s) => {
          for (const key of url.searchParams.getAll('tagKeys')) {
            delete s.tags[key];
          }
          return [200, {}];
        });
      case 'ListTagsForResource':
        return this.withSessionArn(first, (s) => [200, { tags: s.tags }]);
      case 'UnknownOperation':
        return [404, errorBody('UnknownOperationException', 'no such route')];
    }
  }

  private startSession(applicationId: string, body: StartSessionBody): [number, unknown] {
    const application = this.applications.get(applicationId);
    if (!ID.test(applicationId) || !application) {
      return [404, errorBody('ResourceNotFoundException', `Application ${applicationId} does not exist`)];
    }
    if (!application.sessionEnabled) {
      return [400, errorBody('ValidationException', `Interactive sessions are not enabled on application ${applicationId}`)];
    }
    if (application.state !== 'STARTED' && !application.autoStart) {
      return [400, errorBody('ValidationException', `Application ${applicationId} must be STARTED or have AutoStart enabled`)];
    }
    const invalid = validateStartSession(body);
    if (invalid) {
      return [400, errorBody('ValidationException', invalid)];
    }
    const token = body.clientToken as string;
    const existing = [...this.sessions.values()].find((s) => s.applicationId === applicationId && s.clientToken === token);
    if (existing) {
      if (fingerprint(existing.request) !== fingerprint(body)) {
        return [409, errorBody('ConflictException', `Client token ${token} was already used with different parameters`)];
      }
      return [200, this.startResponse(existing)];
    }
    application.state = 'STARTED';
    const sessionId = `00f${(this.nextSessionNumber++).toString(36).padStart(13, '0')}`;
    const session: EmulatedSession = {
      applicationId,
      sessionId,
      arn: `${application.arn}/sessions/${sessionId}`,
      clientToken: token,
      request: body,
      createdAt: this.now(),
      tags: { ...((body.tags as Record<string, string>) ?? {}) },
      failure: this.failNextStarts.shift(),
      stalled: this.stallNextStart,
      startingMs: this.nextStartingMs.shift() ?? this.timings.startingMs,
    };
    this.stallNextStart = false;
    this.sessions.set(sessionId, session);
    return [200, this.startResponse(session)];
  }

  private listSessions(applicationId: string, query: URLSearchParams): [number, unknown] {
    return this.withApplication(applicationId, () => {
      const states = query.getAll('states');
      const all = [...this.sessions.values()]
        .filter((s) => s.applicationId === applicationId)
        .map((s) => this.describe(s))
        .filter((s) => states.length === 0 || states.includes(s.state));
      // Pages of 2, so that callers must follow nextToken.
      const offset = Number(query.get('nextToken') ?? 0);
      const page = all.slice(offset, offset + 2);
      const next = offset + 2 < all.length ? String(offset + 2) : undefined;
      // ListSessions returns summaries: the fields of SessionSummary, not the whole session.
      const summaries = page.map((session) => Object.fromEntries(SUMMARY_FIELDS.map((field) => [field, session[field]])));
      return [200, { sessions: summaries, ...(next && { nextToken: next }) }];
    });
  }

  private terminate(session: EmulatedSession): [number, unknown] {
    const state = this.describe(session).state;
    if (LIVE.has(state)) {
      session.forced = { state: 'TERMINATING', at: this.now(), details: 'Session is terminating' };
    }
    return [200, { applicationId: session.applicationId, sessionId: session.sessionId }];
  }

  /**
   * GetSessionEndpoint: the URL and a fresh one-hour auth token, for a session a client can reach.
   * The host is the emulator's own: the real host format is undocumented, and must be read, never built.
   */
  private sessionEndpoint(session: EmulatedSession): [number, unknown] {
    const state = this.describe(session).state;
    if (!['STARTED', 'IDLE', 'BUSY'].includes(state)) {
      return [400, errorBody('ValidationException', `Session ${session.sessionId} is ${state}: its endpoint is not available`)];
    }
    const authToken = `emulator-auth-token-${createHash('sha256').update(`${session.sessionId}:${this.authTokensIssued.length}`).digest('hex')}`;
    this.authTokensIssued.push(authToken);
    return [
      200,
      {
        applicationId: session.applicationId,
        sessionId: session.sessionId,
        endpoint: `https://${session.sessionId}.sessions.emr-serverless-emulator.local`,
        authToken,
        authTokenExpiresAt: (this.now() + 3_600_000) / 1000,
      },
    ];
  }

  /** The session as GetSession returns it, its state derived from the clock. */
  private describe(session: EmulatedSession) {
    const { submittedMs, terminatingMs } = this.timings;
    const { startingMs } = session;
    const age = this.now() - session.createdAt;
    let state: string;
    let details: string;
    let updatedAt: number;
    if (session.forced) {
      const terminated = session.forced.state === 'TERMINATING' && this.now() - session.forced.at >= terminatingMs;
      state = terminated ? 'TERMINATED' : session.forced.state;
      details = terminated ? 'Session terminated by user' : session.forced.details;
      updatedAt = terminated ? session.forced.at + terminatingMs : session.forced.at;
    } else if (age < submittedMs) {
      [state, details, updatedAt] = ['SUBMITTED', 'Session submitted', session.createdAt];
    } else if (age < submittedMs + startingMs || session.stalled) {
      [state, details, updatedAt] = ['STARTING', 'Session is starting', session.createdAt + submittedMs];
    } else if (session.failure) {
      [state, details, updatedAt] = ['FAILED', session.failure, session.createdAt + submittedMs + startingMs];
    } else {
      [state, details, updatedAt] = ['IDLE', 'Session is idle', session.createdAt + submittedMs + startingMs];
    }
    // When it became usable, if it ever did: a session terminated while it started never was.
    const usableAt = this.usableAtOf(session);
    const startedAt = usableAt !== undefined && usableAt <= Math.min(this.now(), session.forced?.at ?? Infinity) ? usableAt : undefined;
    return {
      applicationId: session.applicationId,
      sessionId: session.sessionId,
      arn: session.arn,
      ...(session.request.name !== undefined && { name: session.request.name }),
      state,
      stateDetails: details,
      releaseLabel: this.applications.get(session.applicationId)?.releaseLabel ?? 'emr-7.13.0',
      executionRoleArn: session.request.executionRoleArn,
      createdBy: `arn:aws:sts::${this.account}:assumed-role/handler/session`,
      createdAt: session.createdAt / 1000,
      updatedAt: updatedAt / 1000,
      ...(startedAt !== undefined && { startedAt: startedAt / 1000 }),
      ...(session.request.idleTimeoutMinutes !== undefined && { idleTimeoutMinutes: session.request.idleTimeoutMinutes }),
      ...(session.request.configurationOverrides && { configurationOverrides: session.request.configurationOverrides }),
      tags: session.tags,
    };
  }

  private startResponse(session: EmulatedSession) {
    return { applicationId: session.applicationId, sessionId: session.sessionId, arn: session.arn };
  }

  private withApplication(id: string, action: (a: Application) => [number, unknown]): [number, unknown] {
    const application = this.applications.get(id);
    return application ? action(application) : [404, errorBody('ResourceNotFoundException', `Application ${id} does not exist`)];
  }

  private withSession(applicationId: string, sessionId: string, action: (s: EmulatedSession) => [number, unknown]): [number, unknown] {
    if (!ID.test(applicationId) || !ID.test(sessionId)) {
      return [400, errorBody('ValidationException', 'applicationId and sessionId must match [0-9a-z]+')];
    }
    const session = this.sessions.get(sessionId);
    return session && session.applicationId === applicationId
      ? action(session)
      : [404, errorBody('ResourceNotFoundException', `Session ${sessionId} does not exist`)];
  }

  private withSessionArn(arn: string, action: (s: EmulatedSession) => [number, unknown]): [number, unknown] {
    const session = [...this.sessions.values()].find((s) => s.arn === arn);
    return session ? action(session) : [404, errorBody('ResourceNotFoundException', `Resource ${arn} does not exist`)];
  }

  private send(res: http.ServerResponse, record: Omit<RecordedRequest, 'status'>, status: number, answer: unknown): void {
    this.requests.push({ ...record, status });
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': randomId() };
    const errorType = status >= 400 ? (answer as { __type?: string }).__type : undefined;
    if (errorType) {
      headers['x-amzn-errortype'] = errorType;
    }
    res.writeHead(status, headers);
    res.end(JSON.stringify(answer));
  }
}

function errorBody(type: string, message: string) {
  return { __type: type, message };
}

function fingerprint(body: StartSessionBody): string {
  const { clientToken: _ignored, ...rest } = body;
  return JSON.stringify(rest, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v,
  );
}

function randomId(): string {
  return createHash('sha1').update(String(Math.random())).digest('hex').slice(0, 32);
}

/** The SDK call a request belongs to (its retries share it), if an SDK sent it. */
function sdkCallIdOf(req: http.IncomingMessage): string | undefined {
  const id = req.headers['amz-sdk-invocation-id'];
  return typeof id === 'string' ? id : undefined;
}
