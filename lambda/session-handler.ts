import { setTimeout as sleepFor } from 'node:timers/promises';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EMRServerlessClient, Session } from '@aws-sdk/client-emr-serverless';
import type { CdkCustomResourceEvent, CdkCustomResourceIsCompleteResponse, CdkCustomResourceResponse } from 'aws-lambda';
import { deriveClientToken } from './client-token';
import {
  ATTR_APPLICATION_ID,
  ATTR_ARN,
  ATTR_ENDPOINT,
  ATTR_SESSION_ID,
  KEPT_BY_TAG,
  SessionResourceProperties,
  SessionResponseData,
  START_REQUESTED_AT,
  TERMINATION_REQUESTED_AT,
} from './shared/contract';
import { POLL_INTERVAL_MS, TERMINATE_TIMEOUT_SECONDS } from './shared/limits';
import { describeError, isQuotaRefusal, isRefusal, isTransient, truncate } from './errors';
import { sessionHandle, stackNameOf } from './shared/handle';
import { describeRequest, log } from './log';
import { parsePhysicalId, PhysicalId, RequestedSession, requestedSessionId, SessionRef } from './physical-id';
import {
  buildStartSessionInput,
  changedImmutableProperties,
  diffTags,
  parseProperties,
  runsWith,
  SessionSpec,
  startedUnderRenewalToken,
} from './properties';
import { isOver, phaseOf } from './session-states';
import { Sessions, UNAVAILABLE } from './sessions';
import { StackResource } from './stack-resource';

/** The request as the Provider framework hands it over; isComplete's also carries what onEvent answered. */
/** The fields onEvent adds to its answer, which the framework hands on to every isComplete of the request. */
type OnEventFields = { readonly [TERMINATION_REQUESTED_AT]?: string; readonly [START_REQUESTED_AT]?: string };
export type SessionEvent = CdkCustomResourceEvent<SessionResourceProperties> & OnEventFields;
export type OnEventResponse = CdkCustomResourceResponse<SessionResponseData> & OnEventFields;
/** isComplete may name the physical id: the framework lets it override onEvent's (see `isRequestedSessionReady`). */
export type IsCompleteResponse = CdkCustomResourceIsCompleteResponse<SessionResponseData> & { readonly PhysicalResourceId?: string };

const NOT_YET: IsCompleteResponse = { IsComplete: false };

/** The services the handler calls: EMR Serverless for sessions, CloudFormation to learn whether it will own one. */
export interface HandlerClients {
  readonly emrServerless: EMRServerlessClient;
  readonly cloudFormation: CloudFormationClient;
}

export interface SessionHandlerOptions {
  /**
   * How long isComplete keeps polling within one invocation before it answers "not yet". The
   * construct sets none: one poll an invocation holds a Lambda execution for a fraction of a
   * second, where a window holds two for its whole length (see the README's "Limits and quotas").
   * The benchmark sets one to measure that shape against this one.
   * @default 0: one poll an invocation
   */
  readonly pollWindowMs?: number;
  /** The clock and the wait, given instead of the real ones in tests. */
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * One CloudFormation request for one session, in the order of the README's lifecycle table.
 *
 * No session is ever started by `onEvent`. Whatever `onEvent` returns, aws-cdk-lib's Provider
 * framework still has work to do before CloudFormation hears of it (it starts the waiter state
 * machine); when that fails, the framework answers FAILED under its own marker physical id, the
 * rollback's Delete for that marker never reaches this handler, and a session started by `onEvent`
 * would run on, owned by no stack. So `onEvent` only validates the request and names the session it
 * asks for by its client token; `isComplete`, whose failures reach CloudFormation under that name,
 * starts it with the same token (the service answers every repeat with the same session) and
 * answers with the session ARN once the session is usable.
 *
 * Properties are parsed when a path needs them: Delete reads nothing but the physical id, so a
 * session whose properties no longer parse is still terminated.
 */
export class SessionHandler {
  private readonly sessions: Sessions;
  private readonly stackResource: StackResource;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  /** When this invocation's polling stops: isComplete answers "not yet" rather than poll after it. */
  private readonly pollWindowEnds: number;

  constructor(
    clients: HandlerClients,
    private readonly event: SessionEvent,
    options: SessionHandlerOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms) => sleepFor(ms));
    this.sessions = new Sessions(clients.emrServerless, this.sleep);
    this.stackResource = new StackResource(clients.cloudFormation, event);
    this.pollWindowEnds = this.now().getTime() + (options.pollWindowMs ?? 0);
  }

  public async onEvent(): Promise<OnEventResponse> {
    log('onEvent', describeRequest(this.event));
    const type = this.event.RequestType;
    switch (type) {
      case 'Create':
        return this.requestSession();
      case 'Update':
        return this.onUpdate(this.event.PhysicalResourceId, this.event.OldResourceProperties);
      case 'Delete':
        return this.onDelete(this.event.PhysicalResourceId);
      default:
        throw unknownRequestType(type);
    }
  }

  public async isComplete(): Promise<IsCompleteResponse> {
    log('isComplete', describeRequest(this.event));
    const type = this.event.RequestType;
    const physicalId = 'PhysicalResourceId' in this.event ? this.event.PhysicalResourceId : undefined;
    switch (type) {
      case 'Create':
      case 'Update':
        return this.isReady(physicalId);
      case 'Delete':
        return this.isTerminated(physicalId);
      default:
        throw unknownRequestType(type);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // CREATE, and every replacement

  /**
   * Asks for a session: the properties are validated, and the session is named by the client token
   * derived from the request. No API call: `isComplete` starts the session.
   */
  private requestSession(): OnEventResponse {
    const spec = this.spec();
    const requested: RequestedSession = { applicationId: spec.applicationId, clientToken: deriveClientToken(this.event) };
    log('session requested: isComplete starts it', { ...requested });
    return { PhysicalResourceId: requestedSessionId(requested), [START_REQUESTED_AT]: this.now().toISOString() };
  }

  /**
   * Starts the requested session (again, on every poll: the token makes each StartSession return
   * the same session) and checks whether it is usable; once it is, answers with its ARN as the
   * physical id. A StartSession that fails for a passing reason (throttling, a 5xx, a lost response,
   * the application's session quota) is asked again at the next poll: the token makes that safe, whether or not the first one took
   * effect. A request that fails here leaves nothing running: a session it started is terminated first.
   */
  private async isRequestedSessionReady(requested: RequestedSession): Promise<IsCompleteResponse> {
    const spec = this.spec();
    let started: SessionRef;
    try {
      const handle = sessionHandle(stackNameOf(this.event.StackId), this.event.LogicalResourceId);
      started = await this.sessions.start(buildStartSessionInput(spec, requested.clientToken, handle));
    } catch (error) {
      const waited = this.secondsSince(this.requestedAt(START_REQUESTED_AT));
      const passing = isTransient(error) || isQuotaRefusal(error);
      if (passing && waited <= spec.startTimeoutSeconds) {
        log('StartSession failed for now: asking again at the next poll', { error: describeError(error) });
        return NOT_YET;
      }
      if (passing) {
        const cleanup = await this.sessions.terminateStartedByAndDescribe(requested);
        throw new Error(
          `StartSession was still failing ${Math.round(waited)} seconds after the session was requested (startTimeout ` +
            `${spec.startTimeoutSeconds}): ${describeError(error)}. ${cleanup}`,
          { cause: error },
        );
      }
      // A refusal started nothing; after any other failure the session may exist all the same.
      const cleanup = isRefusal(error) ? 'No session was started.' : await this.sessions.terminateStartedByAndDescribe(requested);
      throw new Error(`StartSession failed: ${describeError(error)}. ${cleanup}`, { cause: error });
    }
    try {
      const answer = await this.pollWithinWindow(() => this.isStartedSessionReady(started, spec, requested));
      if (!answer.IsComplete) {
        return answer;
      }
      return (await this.isTakenByCloudFormation(started, spec)) ? { ...answer, PhysicalResourceId: started.arn } : NOT_YET;
    } catch (error) {
      if (error instanceof FailedAfterCleanup) {
        throw error;
      }
      const cleanup = await this.sessions.terminateStartedByAndDescribe(requested);
      throw new Error(`${error instanceof Error ? error.message : String(error)}. ${cleanup}`, { cause: error });
    }
  }

  /**
   * Whether CloudFormation will hold the usable session this request started once the request
   * answers (see `StackResource`): it has not taken another answer to the request, from another
   * delivery. A session it will not hold fails the request once it is terminated: the session is
   * known, so no search is needed, and a TerminateSession that fails for a passing reason is asked
   * again at the next poll rather than left to the session's idle timeout. While
   * CloudFormation cannot be asked, the request waits for it until its start timeout, then answers
   * all the same: a check that cannot be made must not fail a deploy whose session is usable.
   */
  private async isTakenByCloudFormation(started: SessionRef, spec: SessionSpec): Promise<boolean> {
    const ownership = await this.stackResource.ownershipOf(started.arn);
    if (ownership === UNAVAILABLE) {
      if (this.secondsSince(this.requestedAt(START_REQUESTED_AT)) <= spec.startTimeoutSeconds) {
        return false;
      }
      log('CloudFormation could not be asked whether it takes this answer until the start timeout: answering', {
        sessionId: started.sessionId,
      });
      return true;
    }
    if (!ownership.owned) {
      log('CloudFormation took another answer to this request: terminating the session it started', {
        ...ownership,
        sessionId: started.sessionId,
      });
      if ((await this.sessions.terminateUnlessTransient(started, 'usable')) === UNAVAILABLE) {
        return false;
      }
      throw new FailedAfterCleanup(
        `CloudFormation took another answer to this request (RequestId ${this.event.RequestId}) before session ` +
          `${started.sessionId} was usable: the resource is ${ownership.resourceStatus}, physical id ` +
          `${ownership.physicalResourceId ?? 'none'}, so it would never hold the session. ` +
          `The session it started (${started.sessionId}) has been terminated.`,
      );
    }
    return true;
  }

  /**
   * Ready: STARTED, IDLE or BUSY. A session that ends, or outlasts its start timeout, fails the
   * request. `requested` is the request that started it, if it did.
   */
  private async isStartedSessionReady(ref: SessionRef, spec: SessionSpec, requested?: RequestedSession): Promise<IsCompleteResponse> {
    const session = await this.sessions.poll(ref);
    if (session === UNAVAILABLE) {
      return NOT_YET;
    }
    if (!session) {
      throw new Error(`session ${ref.sessionId} on application ${ref.applicationId} was not found while waiting for it to start`);
    }
    const state = session.state!;
    const phase = phaseOf(ref.sessionId, state);
    if (phase === 'ready') {
      const endpoint = await this.sessions.endpointOf(ref);
      if (endpoint === UNAVAILABLE) {
        return NOT_YET;
      }
      log('session is ready', { sessionId: ref.sessionId, state, endpoint });
      return { IsComplete: true, Data: responseData(ref, endpoint) };
    }
    if (isOver(phase) && requested && session.startedAt) {
      // The token names this session for ever: CloudFormation delivered again a request that had
      // already started it, and it has ended since. Another session would be one nobody asked for.
      log('the request was delivered again after its session ended', { sessionId: ref.sessionId, state });
      throw new Error(
        `this request (RequestId ${this.event.RequestId}) already started session ${ref.sessionId}, which was usable from ` +
          `${session.startedAt.toISOString()} and is ${state} now (${stateDetails(session)}). A request delivered again never ` +
          'starts a second session: deploy again, and the new request starts a new one',
      );
    }
    if (isOver(phase)) {
      log('session ended before it became ready', { sessionId: ref.sessionId, state });
      throw new Error(`session ${ref.sessionId} is ${state} before it became usable: ${stateDetails(session)}`);
    }
    // From the request, when onEvent said when that was; a kept session's from its own creation.
    if (this.secondsSince(this.requestedAt(START_REQUESTED_AT, session.createdAt)) > spec.startTimeoutSeconds) {
      log('session did not start in time: terminating it', { sessionId: ref.sessionId, state });
      await this.sessions.terminate(ref, state);
      throw new Error(
        `session ${ref.sessionId} was still ${state} after ${spec.startTimeoutSeconds} seconds ` +
          `(startTimeout) and has been terminated: ${stateDetails(session)}`,
      );
    }
    log('session is not ready yet', { sessionId: ref.sessionId, state });
    return NOT_YET;
  }

  /** isComplete of a Create or an Update: a requested session is started; a kept one is awaited. */
  private async isReady(physicalId: string | undefined): Promise<IsCompleteResponse> {
    const target = parsePhysicalId(physicalId);
    if (target?.kind === 'requested') {
      return this.isRequestedSessionReady(target);
    }
    if (target?.kind === 'session') {
      const spec = this.spec();
      return this.pollWithinWindow(() => this.isStartedSessionReady(target.session, spec));
    }
    throw new Error(`the physical id '${physicalId}' names no session`);
  }

  // ---------------------------------------------------------------------------------------------
  // UPDATE

  /**
   * A new session when an immutable property changed or the session has ended; otherwise the
   * tags are applied in place, with the request's token as the session's kept-by tag, so that the
   * same request delivered again after the session ended keeps it too instead of starting one. A session that already runs with the requested properties is kept:
   * that is the rollback of a replacing update that failed, and it must not replace a good session.
   */
  private async onUpdate(physicalId: string, oldProperties: SessionResourceProperties): Promise<OnEventResponse> {
    const spec = this.spec();
    const target = parsePhysicalId(physicalId);
    if (target?.kind !== 'session') {
      log('no session was started under this physical id: requesting one', { physicalId });
      return this.requestSession();
    }
    const ref = target.session;
    const oldSpec = parseOldProperties(oldProperties);
    const changed = oldSpec ? changedImmutableProperties(oldSpec, spec) : ['(the old properties do not parse)'];
    const session = await this.sessions.find(ref);
    const clientToken = deriveClientToken(this.event);
    if (session?.tags?.[KEPT_BY_TAG] === clientToken) {
      log('this request kept the session already: the same answer again', { sessionId: ref.sessionId, state: session.state });
      return { PhysicalResourceId: physicalId };
    }
    if (!session || isOver(phaseOf(ref.sessionId, session.state))) {
      log('the session has ended: requesting a replacement session', { physicalId, state: session?.state, changed });
      return this.requestSession();
    }
    if (!startedUnderRenewalToken(session, spec)) {
      log('renewal asked for (ALWAYS, a new token): requesting a new session', { sessionId: ref.sessionId });
      return this.requestSession();
    }
    if (changed.length > 0 && !runsWith(session, spec)) {
      log('immutable properties changed: requesting a replacement session', { changed });
      return this.requestSession();
    }
    if (changed.length > 0) {
      log('the session already runs with the requested properties: keeping it', { sessionId: ref.sessionId, changed });
    }
    const { toSet, toRemove } = diffTags(oldSpec?.tags ?? oldProperties.Tags ?? {}, spec.tags);
    await this.sessions.retag(ref, { toSet: { ...toSet, [KEPT_BY_TAG]: clientToken }, toRemove });
    return { PhysicalResourceId: physicalId };
  }

  // ---------------------------------------------------------------------------------------------
  // DELETE

  /**
   * Terminates what the physical id names: a started session, or every session a request started.
   * A session that has already ended, or is gone, is success; so is a physical id that names none.
   * A call that fails for a passing reason (throttling, a 5xx) is left to isComplete, which asks
   * every live session to terminate on each poll: a Delete is never failed for it.
   */
  private async onDelete(physicalId: string): Promise<OnEventResponse> {
    const target = parsePhysicalId(physicalId);
    if (!target) {
      log('delete idempotently succeeded: the physical id names no session', { physicalId });
      return {};
    }
    if (target.kind === 'requested') {
      await this.sessions.terminateStartedByAndDescribe(target);
    } else {
      await this.sessions.terminateIfLive(target.session).catch((error: unknown) => {
        if (!isTransient(error)) {
          throw error;
        }
        log('could not ask the session to terminate for now: isComplete asks again', { error: describeError(error) });
      });
    }
    return { [TERMINATION_REQUESTED_AT]: this.now().toISOString() };
  }

  /**
   * Deleted: TERMINATED, FAILED or gone. A session still live is asked to terminate again before
   * anything else (the service's state may lag behind TerminateSession); the terminate timeout runs
   * from the moment Delete first asked.
   */
  private async isTerminated(physicalId: string | undefined): Promise<IsCompleteResponse> {
    const target = parsePhysicalId(physicalId);
    if (!target) {
      log('session is terminated: the physical id names no session', { physicalId });
      return { IsComplete: true };
    }
    return this.pollWithinWindow(() => this.isTargetTerminated(target, physicalId));
  }

  private async isTargetTerminated(target: PhysicalId, physicalId: string | undefined): Promise<IsCompleteResponse> {
    const remaining = await this.sessions.remaining(target);
    if (remaining === UNAVAILABLE) {
      return NOT_YET;
    }
    if (remaining.length === 0) {
      log('session is terminated', { physicalId });
      return { IsComplete: true };
    }
    for (const session of remaining.filter((s) => phaseOf(s.sessionId, s.state) !== 'terminating')) {
      await this.sessions.terminateUnlessTransient(session, session.state);
    }
    const waited = this.secondsSince(this.requestedAt(TERMINATION_REQUESTED_AT));
    if (waited > TERMINATE_TIMEOUT_SECONDS) {
      const states = remaining.map((s) => `${s.sessionId} ${s.state}`).join(', ');
      throw new Error(`session still running ${Math.round(waited)} seconds after Delete asked it to terminate (${states})`);
    }
    log('session is not terminated yet', { physicalId, states: remaining.map((s) => s.state) });
    return NOT_YET;
  }

  /**
   * When onEvent asked for what this request waits for, from the field it added to its answer; an
   * event without it (a request begun before the field existed) starts the clock at `otherwise`.
   */
  private requestedAt(field: keyof OnEventFields, otherwise: Date | undefined = this.now()): Date | undefined {
    const at = this.event[field];
    const parsed = at ? new Date(at) : undefined;
    return parsed && !Number.isNaN(parsed.getTime()) ? parsed : otherwise;
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Asks `check` again every POLL_INTERVAL_MS until it is done or its next poll would start after
   * this invocation's poll window (none unless the function's environment names one: one check).
   * A failure ends the invocation at once, as it would after a single poll.
   */
  private async pollWithinWindow(check: () => Promise<IsCompleteResponse>): Promise<IsCompleteResponse> {
    for (;;) {
      const answer = await check();
      if (answer.IsComplete || this.now().getTime() + POLL_INTERVAL_MS > this.pollWindowEnds) {
        return answer;
      }
      await this.sleep(POLL_INTERVAL_MS);
    }
  }

  /** The new properties, parsed; only the paths that start or keep a session read them. */
  private spec(): SessionSpec {
    return parseProperties(this.event.ResourceProperties);
  }

  private secondsSince(time: Date | undefined): number {
    return time ? (this.now().getTime() - time.getTime()) / 1000 : 0;
  }
}

/** Old properties that no longer parse (an older shape, a hand edit) mean "changed", never a failed update. */
function parseOldProperties(properties: SessionResourceProperties): SessionSpec | undefined {
  try {
    return parseProperties(properties);
  } catch (error) {
    log('the old properties do not parse: treating every immutable property as changed', { error: describeError(error) });
    return undefined;
  }
}

/** A request's failure whose cleanup is done already, and said in its message. */
class FailedAfterCleanup extends Error {}

function unknownRequestType(type: unknown): Error {
  return new Error(`unknown RequestType '${String(type)}': expected Create, Update or Delete`);
}

/** The attributes, every key present, a few hundred bytes at most whatever the input (the endpoint is at most 256). */
function responseData(ref: SessionRef, endpoint: string): SessionResponseData {
  return { [ATTR_SESSION_ID]: ref.sessionId, [ATTR_ARN]: ref.arn, [ATTR_APPLICATION_ID]: ref.applicationId, [ATTR_ENDPOINT]: endpoint };
}

function stateDetails(session: Session): string {
  return truncate(session.stateDetails || 'no state details', 1024);
}
