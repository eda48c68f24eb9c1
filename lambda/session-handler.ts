import {
  EMRServerlessClient,
  GetSessionCommand,
  ListSessionsCommand,
  Session,
  SessionState,
  StartSessionCommand,
  StartSessionCommandInput,
  StartSessionCommandOutput,
  TagResourceCommand,
  TerminateSessionCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-emr-serverless';
import type { CdkCustomResourceEvent, CdkCustomResourceIsCompleteResponse, CdkCustomResourceResponse } from 'aws-lambda';
import { deriveClientToken } from './client-token';
import {
  ATTR_APPLICATION_ID,
  ATTR_ARN,
  ATTR_SESSION_ID,
  SessionResourceProperties,
  SessionResponseData,
  TERMINATE_TIMEOUT_SECONDS,
} from './contract';
import { describeError, isAccessDenied, isNotFound, isRefusal, isTransient, truncate } from './errors';
import { describeRequest, log } from './log';
import {
  buildStartSessionInput,
  changedImmutableProperties,
  CLIENT_TOKEN_TAG,
  diffTags,
  parseProperties,
  runsWith,
  SessionSpec,
} from './properties';
import { parseSessionArn, SessionRef } from './session-arn';

export type SessionEvent = CdkCustomResourceEvent<SessionResourceProperties>;
export type OnEventResponse = CdkCustomResourceResponse<SessionResponseData>;
export type IsCompleteResponse = CdkCustomResourceIsCompleteResponse<SessionResponseData>;

/** States in which a session is usable: a client can connect (BUSY: one already has). */
const READY_STATES: ReadonlySet<string> = new Set([SessionState.STARTED, SessionState.IDLE, SessionState.BUSY]);
/** States from which a session never comes back. TERMINATING only ever leads to TERMINATED. */
const ENDED_STATES: ReadonlySet<string> = new Set([SessionState.TERMINATING, SessionState.TERMINATED, SessionState.FAILED]);
/** What pollSession returns when the service could not be asked this time. */
const UNAVAILABLE = Symbol('unavailable');
/** How long StartSession waits out an AccessDeniedException, in steps: 35 seconds in all, well within the Lambda timeout. */
const ACCESS_DENIED_DELAYS_MS = [5_000, 10_000, 20_000];
/** States a session may be in while a failed Create could have started it: the ones to look through. */
const LIVE_STATES = [SessionState.SUBMITTED, SessionState.STARTING, SessionState.STARTED, SessionState.IDLE, SessionState.BUSY];

/**
 * One CloudFormation request for one session: `onEvent` starts, replaces, retags or terminates it,
 * and `isComplete` reports when that has taken effect.
 *
 * The event is parsed once here; every API call goes through the injected client.
 */
export class SessionHandler {
  private readonly spec: SessionSpec;

  constructor(
    private readonly client: EMRServerlessClient,
    private readonly event: SessionEvent,
    private readonly now: () => Date = () => new Date(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.spec = parseProperties(event.ResourceProperties);
  }

  public async onEvent(): Promise<OnEventResponse> {
    log('onEvent', describeRequest(this.event));
    switch (this.event.RequestType) {
      case 'Create':
        return this.startSession();
      case 'Update':
        return this.onUpdate(this.event.PhysicalResourceId, this.event.OldResourceProperties);
      case 'Delete':
        return this.onDelete(this.event.PhysicalResourceId);
    }
  }

  public async isComplete(): Promise<IsCompleteResponse> {
    const physicalId = 'PhysicalResourceId' in this.event ? this.event.PhysicalResourceId : undefined;
    log('isComplete', describeRequest(this.event));
    return this.event.RequestType === 'Delete' ? this.isTerminated(physicalId) : this.isReady(physicalId);
  }

  /**
   * Create: one StartSession (repeated with the same token only while IAM denies it), with a token
   * derived from the request. The physical id is the
   * session ARN; waiting for the session to be usable is isComplete's job, so a failure while
   * waiting still leaves CloudFormation a physical id to delete.
   */
  private async startSession(): Promise<OnEventResponse> {
    const clientToken = deriveClientToken(this.event);
    const input = buildStartSessionInput(this.spec, clientToken);
    log('starting session', { applicationId: input.applicationId, clientToken });
    try {
      const started = await this.startSessionOnceAllowed(input);
      log('session started', { sessionId: started.sessionId, arn: started.arn });
      return { PhysicalResourceId: started.arn };
    } catch (error) {
      const cleanup = await this.terminateSessionsStartedBy(input, error);
      throw new Error(`StartSession failed: ${describeError(error)}. ${cleanup}`, { cause: error });
    }
  }

  /**
   * StartSession, waiting out an AccessDeniedException for a bounded time: the policy that allows it
   * may have been created or extended by this same deployment (a new stack, a new application), and
   * IAM changes take seconds to reach EMR Serverless. Retrying is safe: the token is the same.
   */
  private async startSessionOnceAllowed(input: StartSessionCommandInput): Promise<StartSessionCommandOutput> {
    for (const delayMs of ACCESS_DENIED_DELAYS_MS) {
      try {
        return await this.client.send(new StartSessionCommand(input));
      } catch (error) {
        if (!isAccessDenied(error)) {
          throw error;
        }
        log('StartSession was denied: waiting for IAM changes to propagate', { delayMs, error: describeError(error) });
        await this.sleep(delayMs);
      }
    }
    return this.client.send(new StartSessionCommand(input));
  }

  /**
   * Update: a new session when an immutable property changed or the session has ended; otherwise the
   * tags are applied in place. A session that already runs with the requested properties is kept:
   * that is the rollback of a replacing update that failed, and it must not replace a good session.
   */
  private async onUpdate(physicalId: string, oldProperties: SessionResourceProperties): Promise<OnEventResponse> {
    const oldSpec = parseProperties(oldProperties);
    const changed = changedImmutableProperties(oldSpec, this.spec);
    const ref = parseSessionArn(physicalId);
    const session = ref && (await this.findSession(ref));
    if (!ref || !session || ENDED_STATES.has(session.state!)) {
      log('the session has ended: starting a replacement session', { physicalId, state: session?.state, changed });
      return this.startSession();
    }
    if (changed.length > 0 && !runsWith(session, this.spec)) {
      log('immutable properties changed: starting a replacement session', { changed });
      return this.startSession();
    }
    if (changed.length > 0) {
      log('the session already runs with the requested properties: keeping it', { sessionId: ref.sessionId, changed });
    }
    await this.applyTags(ref, oldSpec.tags);
    return { PhysicalResourceId: physicalId };
  }

  /** Delete: a session that has already ended, or is gone, is success; so is a physical id that names none. */
  private async onDelete(physicalId: string): Promise<OnEventResponse> {
    const ref = parseSessionArn(physicalId);
    if (!ref) {
      log('delete idempotently succeeded: the physical id names no session', { physicalId });
      return {};
    }
    await this.terminateIfLive(ref);
    return {};
  }

  /** Ready: STARTED, IDLE or BUSY. A session that ends, or outlasts its start timeout, fails the resource. */
  private async isReady(physicalId: string | undefined): Promise<IsCompleteResponse> {
    const ref = parseSessionArn(physicalId);
    if (!ref) {
      throw new Error(`the physical id '${physicalId}' is not a session ARN`);
    }
    const session = await this.pollSession(ref);
    if (session === UNAVAILABLE) {
      return { IsComplete: false };
    }
    if (!session) {
      throw new Error(`session ${ref.sessionId} on application ${ref.applicationId} was not found while waiting for it to start`);
    }
    const state = session.state!;
    if (READY_STATES.has(state)) {
      log('session is ready', { sessionId: ref.sessionId, state });
      return { IsComplete: true, Data: responseData(ref) };
    }
    if (ENDED_STATES.has(state)) {
      log('session ended before it became ready', { sessionId: ref.sessionId, state });
      throw new Error(`session ${ref.sessionId} is ${state} before it became usable: ${stateDetails(session)}`);
    }
    if (state !== SessionState.SUBMITTED && state !== SessionState.STARTING) {
      throw new Error(`session ${ref.sessionId} is in unknown state ${state}`);
    }
    if (this.secondsSince(session.createdAt) > this.spec.startTimeoutSeconds) {
      log('session did not start in time: terminating it', { sessionId: ref.sessionId, state });
      await this.terminate(ref, state);
      throw new Error(
        `session ${ref.sessionId} was still ${state} after ${this.spec.startTimeoutSeconds} seconds ` +
          `(startTimeout) and has been terminated: ${stateDetails(session)}`,
      );
    }
    log('session is not ready yet', { sessionId: ref.sessionId, state });
    return { IsComplete: false };
  }

  /** Deleted: TERMINATED, FAILED or gone. A session still live is asked to terminate again. */
  private async isTerminated(physicalId: string | undefined): Promise<IsCompleteResponse> {
    const ref = parseSessionArn(physicalId);
    const session = ref && (await this.pollSession(ref));
    if (session === UNAVAILABLE) {
      return { IsComplete: false };
    }
    if (!ref || !session || session.state === SessionState.TERMINATED || session.state === SessionState.FAILED) {
      log('session is terminated', { physicalId, state: session?.state });
      return { IsComplete: true };
    }
    if (this.secondsSince(session.updatedAt) > TERMINATE_TIMEOUT_SECONDS) {
      throw new Error(
        `session ${ref.sessionId} was still ${session.state} ${TERMINATE_TIMEOUT_SECONDS} seconds after it was asked to terminate: ${stateDetails(session)}`,
      );
    }
    if (session.state !== SessionState.TERMINATING) {
      await this.terminate(ref, session.state!);
    }
    log('session is not terminated yet', { sessionId: ref.sessionId, state: session.state });
    return { IsComplete: false };
  }

  private async terminateIfLive(ref: SessionRef): Promise<void> {
    const session = await this.findSession(ref);
    if (!session || ENDED_STATES.has(session.state!)) {
      log('terminate idempotently succeeded: the session has already ended', {
        sessionId: ref.sessionId,
        state: session?.state ?? 'NOT_FOUND',
      });
      return;
    }
    await this.terminate(ref, session.state!);
  }

  /** TerminateSession on a session last seen in `state`; one that has gone meanwhile is success. */
  private async terminate(ref: SessionRef, state: string): Promise<void> {
    try {
      await this.client.send(new TerminateSessionCommand({ applicationId: ref.applicationId, sessionId: ref.sessionId }));
      log('terminating session', { sessionId: ref.sessionId, state });
    } catch (error) {
      if (!isNotFound(error)) {
        throw error;
      }
      log('terminate idempotently succeeded: the session is gone', { sessionId: ref.sessionId });
    }
  }

  /**
   * After a StartSession that did not answer, find and terminate any session it started anyway.
   *
   * A StartSession can commit on the service and lose its response; the SDK's retries reuse the token
   * and recover that, but when every attempt fails the session would run with no stack owning it:
   * the Provider framework never sends a Delete after a Create that failed in onEvent. Each session
   * carries its client token as a tag, so it can be found among the application's live sessions.
   * Returns a sentence for the failure reason.
   */
  private async terminateSessionsStartedBy(input: StartSessionCommandInput, error: unknown): Promise<string> {
    if (isRefusal(error)) {
      log('StartSession was refused: no session was started', { error: describeError(error) });
      return 'No session was started.';
    }
    const clientToken = input.clientToken!;
    log('StartSession did not answer: looking for a session it started', { clientToken, error: describeError(error) });
    try {
      const orphans = await this.findSessionsTaggedWith(input.applicationId!, clientToken);
      for (const orphan of orphans) {
        await this.terminate(orphan, orphan.state);
      }
      const sessionIds = orphans.map((orphan) => orphan.sessionId);
      log('terminated sessions left by the failed StartSession', { count: orphans.length, sessionIds });
      return orphans.length === 0
        ? 'No session was started.'
        : `The session it started anyway (${sessionIds.join(', ')}) has been terminated.`;
    } catch (cleanupError) {
      log('could not look for a session started by the failed StartSession', { error: describeError(cleanupError) });
      return (
        `Could not check for a session it may have started (${truncate(describeError(cleanupError), 300)}); ` +
        `such a session carries the tag ${CLIENT_TOKEN_TAG}=${clientToken} and ends after its idle timeout.`
      );
    }
  }

  /** The live sessions of the application that carry this client token, with the state each was seen in. */
  private async findSessionsTaggedWith(applicationId: string, clientToken: string): Promise<Array<SessionRef & { state: string }>> {
    const found: Array<SessionRef & { state: string }> = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(new ListSessionsCommand({ applicationId, states: LIVE_STATES, nextToken }));
      for (const summary of page.sessions ?? []) {
        const ref = { applicationId, sessionId: summary.sessionId!, arn: summary.arn! };
        const session = await this.findSession(ref);
        if (session?.tags?.[CLIENT_TOKEN_TAG] === clientToken) {
          found.push({ ...ref, state: session.state! });
        }
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return found;
  }

  private async applyTags(ref: SessionRef, oldTags: Record<string, string>): Promise<void> {
    const { toSet, toRemove } = diffTags(oldTags, this.spec.tags);
    log('updating tags in place', { sessionId: ref.sessionId, setting: Object.keys(toSet), removing: toRemove });
    if (Object.keys(toSet).length > 0) {
      await this.client.send(new TagResourceCommand({ resourceArn: ref.arn, tags: toSet }));
    }
    if (toRemove.length > 0) {
      await this.client.send(new UntagResourceCommand({ resourceArn: ref.arn, tagKeys: toRemove }));
    }
  }

  /**
   * GetSession while waiting: a failure that passes (5xx, throttling, a dropped connection, after the
   * SDK's retries) means "ask again at the next poll", not a failed deployment. The wait stays bounded
   * by the start and terminate timeouts, and by the Provider framework's total timeout.
   */
  private async pollSession(ref: SessionRef): Promise<Session | undefined | typeof UNAVAILABLE> {
    try {
      return await this.findSession(ref);
    } catch (error) {
      if (!isTransient(error)) {
        throw error;
      }
      log('GetSession failed for now: asking again at the next poll', { sessionId: ref.sessionId, error: describeError(error) });
      return UNAVAILABLE;
    }
  }

  /** GetSession, with "not found" as undefined rather than an error. */
  private async findSession(ref: SessionRef): Promise<Session | undefined> {
    try {
      const { session } = await this.client.send(new GetSessionCommand({ applicationId: ref.applicationId, sessionId: ref.sessionId }));
      return session;
    } catch (error) {
      if (isNotFound(error)) {
        return undefined;
      }
      throw error;
    }
  }

  private secondsSince(time: Date | undefined): number {
    return time ? (this.now().getTime() - time.getTime()) / 1000 : 0;
  }
}

/** The attributes, every key present, a few hundred bytes at most whatever the input. */
function responseData(ref: SessionRef): SessionResponseData {
  return { [ATTR_SESSION_ID]: ref.sessionId, [ATTR_ARN]: ref.arn, [ATTR_APPLICATION_ID]: ref.applicationId };
}

function stateDetails(session: Session): string {
  return truncate(session.stateDetails || 'no state details', 1024);
}
