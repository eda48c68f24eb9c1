import {
  EMRServerlessClient,
  GetSessionCommand,
  GetSessionEndpointCommand,
  ListSessionsCommand,
  Session,
  SessionState,
  StartSessionCommand,
  StartSessionCommandInput,
  TagResourceCommand,
  TerminateSessionCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-emr-serverless';
import { CLIENT_TOKEN_TAG } from './shared/contract';
import { ACCESS_DENIED_DELAYS_MS } from './shared/limits';
import { describeError, isAccessDenied, isNotFound, isTransient, truncate } from './errors';
import { log } from './log';
import { PhysicalId, RequestedSession, SessionRef } from './physical-id';
import { isOver, phaseOf, statesIn } from './session-states';

/** States in which a session runs, or will: the ones a request must not leave behind. */
const LIVE_STATES = statesIn('starting', 'ready');
/** What `poll` returns when the service could not be asked this time. */
export const UNAVAILABLE = Symbol('unavailable');

/** A session found by its token tag, with the state it was seen in. */
export type TaggedSession = SessionRef & { readonly state: string };

/**
 * The EMR Serverless session operations the handler builds its decisions from, each with the
 * tolerance it needs: "not found" is an answer, not an error, and a session that has gone is
 * terminated already.
 */
export class Sessions {
  constructor(
    private readonly client: EMRServerlessClient,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  /**
   * StartSession, waiting out an AccessDeniedException for a bounded time: the policy that allows it
   * may have been created or extended by this same deployment (a new stack, a new application), and
   * IAM changes take seconds to reach EMR Serverless. Repeating is safe: the token is the same, so
   * the service answers with the session it started rather than starting another.
   */
  public async start(input: StartSessionCommandInput): Promise<SessionRef> {
    for (const delayMs of ACCESS_DENIED_DELAYS_MS) {
      try {
        return asRef(await this.client.send(new StartSessionCommand(input)));
      } catch (error) {
        if (!isAccessDenied(error)) {
          throw error;
        }
        log('StartSession was denied: waiting for IAM changes to propagate', { delayMs, error: describeError(error) });
        await this.sleep(delayMs);
      }
    }
    return asRef(await this.client.send(new StartSessionCommand(input)));
  }

  /** GetSession, with "not found" as undefined rather than an error. */
  public async find(ref: SessionRef): Promise<Session | undefined> {
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

  /**
   * GetSession while waiting: a failure that passes (5xx, throttling, a dropped connection, after the
   * SDK's retries) means "ask again at the next poll", not a failed deployment. The wait stays bounded
   * by the start and terminate timeouts, and by the Provider framework's total timeout.
   */
  public async poll(ref: SessionRef): Promise<Session | undefined | typeof UNAVAILABLE> {
    return unlessTransient('GetSession', { sessionId: ref.sessionId }, () => this.find(ref));
  }

  /**
   * The session's Spark Connect endpoint URL. GetSessionEndpoint also answers with an auth token, a
   * credential that acts with the execution role's permissions: it is dropped here, never logged,
   * returned or stored. A failure that passes means "ask again at the next poll", as in `poll`.
   */
  public async endpointOf(ref: SessionRef): Promise<string | typeof UNAVAILABLE> {
    return unlessTransient('GetSessionEndpoint', { sessionId: ref.sessionId }, async () => {
      const { endpoint } = await this.client.send(
        new GetSessionEndpointCommand({ applicationId: ref.applicationId, sessionId: ref.sessionId }),
      );
      return endpoint ?? '';
    });
  }

  /** TerminateSession on a session last seen in `state`; one that has gone meanwhile is success. */
  public async terminate(ref: SessionRef, state: string): Promise<void> {
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

  /** `terminate` while waiting: a failure that passes means "ask again at the next poll" (UNAVAILABLE), as in `poll`. */
  public async terminateUnlessTransient(ref: SessionRef, state: string): Promise<void | typeof UNAVAILABLE> {
    return unlessTransient('TerminateSession', { sessionId: ref.sessionId }, () => this.terminate(ref, state));
  }

  /** Terminates the session unless it has already ended or gone. */
  public async terminateIfLive(ref: SessionRef): Promise<void> {
    const session = await this.find(ref);
    if (!session || isOver(phaseOf(ref.sessionId, session.state))) {
      log('terminate idempotently succeeded: the session has already ended', {
        sessionId: ref.sessionId,
        state: session?.state ?? 'NOT_FOUND',
      });
      return;
    }
    await this.terminate(ref, session.state!);
  }

  /**
   * Terminates every live session that a request started (they carry its token), and says what it
   * did in a sentence for a failure reason. It never throws: it runs while a request is already failing.
   */
  public async terminateStartedByAndDescribe(requested: RequestedSession): Promise<string> {
    try {
      const started = await this.findStartedBy(requested, LIVE_STATES);
      for (const session of started) {
        await this.terminate(session, session.state);
      }
      const sessionIds = started.map((session) => session.sessionId);
      log('terminated the sessions the request started', { count: started.length, sessionIds });
      return started.length === 0
        ? 'No session of this request is running.'
        : `The session it started (${sessionIds.join(', ')}) has been terminated.`;
    } catch (error) {
      log('could not look for the sessions the request started', { error: describeError(error) });
      return (
        `Could not check for a session it may have started (${truncate(describeError(error), 300)}); ` +
        `such a session carries the tag ${CLIENT_TOKEN_TAG}=${requested.clientToken} and ends after its idle timeout.`
      );
    }
  }

  /**
   * The sessions of the application in one of `states` that carry the request's token. ListSessions
   * filters by neither name nor tag, so each listed session is read with GetSession.
   */
  public async findStartedBy(
    requested: RequestedSession,
    states: SessionState[] = statesIn('starting', 'ready', 'terminating'),
  ): Promise<TaggedSession[]> {
    const { applicationId, clientToken } = requested;
    const found: TaggedSession[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(new ListSessionsCommand({ applicationId, states, nextToken }));
      for (const summary of page.sessions ?? []) {
        const ref = { applicationId, sessionId: summary.sessionId!, arn: summary.arn! };
        const session = await this.find(ref);
        if (session?.tags?.[CLIENT_TOKEN_TAG] === clientToken) {
          found.push({ ...ref, state: session.state! });
        }
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return found;
  }

  /**
   * What a physical id still has running, with the states they were seen in, while Delete waits:
   * every session a request started (by its token), or the one session it names, unless it has
   * ended. A failure that passes means "ask again at the next poll", as in `poll`.
   */
  public async remaining(target: PhysicalId): Promise<TaggedSession[] | typeof UNAVAILABLE> {
    if (target.kind === 'requested') {
      return unlessTransient('listing sessions', {}, () => this.findStartedBy(target));
    }
    const session = await this.poll(target.session);
    if (session === UNAVAILABLE) {
      return UNAVAILABLE;
    }
    const ended = !session || phaseOf(target.session.sessionId, session.state) === 'ended';
    return ended ? [] : [{ ...target.session, state: session.state! }];
  }

  /** TagResource and UntagResource: sets `toSet` on the session and removes `toRemove`. */
  public async retag(ref: SessionRef, { toSet, toRemove }: { toSet: Record<string, string>; toRemove: string[] }): Promise<void> {
    log('updating tags in place', { sessionId: ref.sessionId, setting: Object.keys(toSet), removing: toRemove });
    if (Object.keys(toSet).length > 0) {
      await this.client.send(new TagResourceCommand({ resourceArn: ref.arn, tags: toSet }));
    }
    if (toRemove.length > 0) {
      await this.client.send(new UntagResourceCommand({ resourceArn: ref.arn, tagKeys: toRemove }));
    }
  }
}

/**
 * The call's answer, or UNAVAILABLE when it failed for a reason that passes (after the SDK's own
 * retries): "ask again at the next poll", said in the log. Any other failure is thrown.
 */
async function unlessTransient<T>(what: string, fields: Record<string, string>, call: () => Promise<T>): Promise<T | typeof UNAVAILABLE> {
  try {
    return await call();
  } catch (error) {
    if (!isTransient(error)) {
      throw error;
    }
    log(`${what} failed for now: asking again at the next poll`, { ...fields, error: describeError(error) });
    return UNAVAILABLE;
  }
}

function asRef(started: { applicationId?: string; sessionId?: string; arn?: string }): SessionRef {
  return { applicationId: started.applicationId!, sessionId: started.sessionId!, arn: started.arn! };
}
