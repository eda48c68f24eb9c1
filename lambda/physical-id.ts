import { REQUESTED_SESSION_PREFIX } from './shared/contract';

/**
 * What a physical resource id names. Delete, and every other request, acts on it alone: never on
 * properties, which an older template or a hand edit may have shaped differently.
 *
 * - A session ARN: the session is started and was usable.
 * - A requested session: the application and the client token of a session asked for by a request
 *   that has not answered SUCCESS; the session, if one was started, carries the token as a tag.
 */
export type PhysicalId = { readonly kind: 'session'; readonly session: SessionRef } | ({ readonly kind: 'requested' } & RequestedSession);

/** What every session operation needs: the application and session ids, and the ARN that tag operations take. */
export interface SessionRef {
  readonly applicationId: string;
  readonly sessionId: string;
  readonly arn: string;
}

/** A session asked for with a client token on an application, not known by id. */
export interface RequestedSession {
  readonly applicationId: string;
  readonly clientToken: string;
}

// arn:<partition>:emr-serverless:<region>:<account>:/applications/<applicationId>/sessions/<sessionId>
const SESSION_ARN = /^arn:aws[a-zA-Z0-9-]*:emr-serverless:[^:]+:\d{12}:\/applications\/([0-9a-zA-Z]+)\/sessions\/([0-9a-zA-Z]+)$/;
const REQUESTED_SESSION = new RegExp(`^${REQUESTED_SESSION_PREFIX}([0-9a-z]{1,64}):([A-Za-z0-9._-]{1,64})$`);

/**
 * What a physical resource id names, or undefined when it names nothing of ours (the Provider
 * framework's markers, an id from a failed Create).
 *
 * The physical id of a started session is its ARN rather than its bare id because Delete must act
 * on the session it was given, even when the application in the template has since changed.
 */
export function parsePhysicalId(physicalResourceId: string | undefined): PhysicalId | undefined {
  const id = physicalResourceId ?? '';
  const session = SESSION_ARN.exec(id);
  if (session) {
    return { kind: 'session', session: { applicationId: session[1], sessionId: session[2], arn: id } };
  }
  const requested = REQUESTED_SESSION.exec(id);
  if (requested) {
    return { kind: 'requested', applicationId: requested[1], clientToken: requested[2] };
  }
  return undefined;
}

/** The physical id of a session requested with this token: deterministic, known before the session exists. */
export function requestedSessionId(requested: RequestedSession): string {
  return `${REQUESTED_SESSION_PREFIX}${requested.applicationId}:${requested.clientToken}`;
}
