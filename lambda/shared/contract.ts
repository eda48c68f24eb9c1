/**
 * The contract between the `Session` construct and its custom-resource handler, and with the stacks
 * already deployed: every fact that crosses either boundary is written here once, and derived
 * everywhere else.
 *
 * Types and constants only: this file is imported by `lib/` at synth time and must never pull
 * the AWS SDK or any other runtime dependency into the construct library.
 *
 * The resource type, the property and Data keys, the tag keys and the provider's construct id are
 * part of deployed stacks: renaming one breaks update and delete of sessions that already exist.
 * Add, never rename. `test/contract.test.ts` snapshots them, so that a rename can only be on purpose.
 * Budgets and service limits, which may change freely, are in `limits.ts`.
 */

/** The CloudFormation type of a session. Chosen once; never change it. */
export const RESOURCE_TYPE = 'Custom::EmrServerlessSession';

/** The construct id of the per-stack provider; its logical ids derive from it. Never change it. */
export const PROVIDER_ID = 'cdk-emr-serverless-session.SessionProvider';

/** Attribute names in the handler's response `Data`, read with `Fn::GetAtt`. */
export const ATTR_SESSION_ID = 'SessionId';
export const ATTR_ARN = 'Arn';
export const ATTR_APPLICATION_ID = 'ApplicationId';
/** The session's Spark Connect endpoint URL, from GetSessionEndpoint; never its auth token. */
export const ATTR_ENDPOINT = 'Endpoint';

/**
 * The revision of the attribute set, sent as the `AttributesRevision` property (aws-cdk's EKS
 * cluster resource does the same). A release that adds a `Data` key bumps it: every deployed
 * session then gets an Update, which returns the new key, instead of failing with
 * "Vendor response doesn't contain ...". A change of this property alone never replaces a session.
 */
export const ATTRIBUTES_REVISION = 1;

/** A Spark runtime configuration entry, as StartSession's `configurationOverrides.runtimeConfiguration`. */
export interface RuntimeConfigurationProperty {
  readonly Classification: string;
  readonly Properties?: Record<string, string>;
  readonly Configurations?: RuntimeConfigurationProperty[];
}

/**
 * The custom resource's properties as the construct renders them.
 *
 * CloudFormation delivers every scalar as a string, so numbers arrive as strings in the handler.
 */
export interface SessionResourceProperties {
  readonly ApplicationId: string;
  readonly ExecutionRoleArn: string;
  readonly Name?: string;
  /** Whole minutes, 0 to 1,000,000. */
  readonly IdleTimeoutMinutes?: number | string;
  readonly RuntimeConfiguration?: RuntimeConfigurationProperty[];
  readonly Tags?: Record<string, string>;
  /** How long the handler waits for the session to become usable before it gives up. */
  readonly StartTimeoutSeconds?: number | string;
  /** {@link ATTRIBUTES_REVISION} when the template was synthesized; absent before it existed. */
  readonly AttributesRevision?: number | string;
  /** How a change of RenewalToken renews the session; absent: never renewed on purpose. */
  readonly RenewalMode?: RenewalMode;
  /** The user's renewal token (a CI run id, a date): a change is a request to renew. */
  readonly RenewalToken?: string;
}

/**
 * How a deploy renews a session when only its RenewalToken changed: `IF_ENDED` replaces a session
 * that has ended and keeps a live one; `ALWAYS` replaces it whatever its state.
 */
export type RenewalMode = 'IF_ENDED' | 'ALWAYS';

/**
 * The properties that a running session cannot change: a change to any of them starts a new
 * session. Every other property (Tags, StartTimeoutSeconds, AttributesRevision) is applied to the
 * running session, or only steers the handler.
 */
export const IMMUTABLE_PROPERTIES = ['ApplicationId', 'ExecutionRoleArn', 'Name', 'IdleTimeoutMinutes', 'RuntimeConfiguration'] as const;
export type ImmutableProperty = (typeof IMMUTABLE_PROPERTIES)[number];

/** The attributes every successful Create or Update returns. Every key is always present. */
export interface SessionResponseData {
  readonly [ATTR_SESSION_ID]: string;
  readonly [ATTR_ARN]: string;
  readonly [ATTR_APPLICATION_ID]: string;
  readonly [ATTR_ENDPOINT]: string;
}

/**
 * The prefix of every tag key the handler writes; users may not set keys that start with it.
 */
export const RESERVED_TAG_PREFIX = 'cdk-emr-serverless-session:';

/**
 * The tag with which the handler marks every session it starts: its value is the client token.
 * It lets a failed or rolled-back request find the session it started (ListSessions filters by
 * neither name nor tag), and lets an operator tell which CloudFormation request a session belongs to.
 */
export const CLIENT_TOKEN_TAG = `${RESERVED_TAG_PREFIX}client-token`;

/**
 * The tag whose value names the session's place in its stack (`<stack name>/<logical id>`, see
 * `handle.ts`): the same for every session that replaces or renews it, so that a grant conditioned
 * on it holds across replacements. The handler adds it at StartSession.
 */
export const HANDLE_TAG = `${RESERVED_TAG_PREFIX}handle`;

/** The tag that records the renewal token a session was started under (sessions with renewal only). */
export const RENEWAL_TOKEN_TAG = `${RESERVED_TAG_PREFIX}renewal-token`;

/**
 * The tag that records the client token of the last Update that kept the session in place.
 * CloudFormation may deliver that request again after the session has ended; the delivery must
 * give the answer the first one gave (the session kept), not start a session that CloudFormation,
 * which has its answer already, never hears of.
 */
export const KEPT_BY_TAG = `${RESERVED_TAG_PREFIX}kept-by`;

/**
 * How many tags the library may add to a session (client token, handle, renewal token, kept-by):
 * the user's budget is the service's limit less these.
 */
export const LIBRARY_TAG_COUNT = 4;

/**
 * The physical id of a session that has been asked for but not yet started: the prefix, the
 * application id and the client token. `onEvent` returns it; `isComplete` starts the session with
 * that token and answers with the session ARN once it is usable. Whatever fails in between, the
 * failure reaches CloudFormation under this id, from which Delete finds the session by its token tag.
 */
export const REQUESTED_SESSION_PREFIX = 'cdk-emr-serverless-session:requested:';

/**
 * A field that `onEvent` adds to its answer and the Provider framework hands on to every
 * `isComplete` of the same request: when the handler asked the session to terminate (ISO 8601).
 */
export const TERMINATION_REQUESTED_AT = 'TerminationRequestedAt';

/**
 * The same for a request that asks for a session (a Create, a replacement, a renewal): when
 * `onEvent` asked for it (ISO 8601). The start timeout runs from then, so that a StartSession that
 * keeps failing for a passing reason (throttling) still ends the request in time.
 */
export const START_REQUESTED_AT = 'StartRequestedAt';

/** The environment variable that tells the handler the log group it writes to, for failure reasons. */
export const LOG_GROUP_ENV = 'SESSION_HANDLER_LOG_GROUP';
