import type { Configuration, Session, StartSessionCommandInput } from '@aws-sdk/client-emr-serverless';
import {
  CLIENT_TOKEN_TAG,
  HANDLE_TAG,
  IMMUTABLE_PROPERTIES,
  ImmutableProperty,
  RENEWAL_TOKEN_TAG,
  RenewalMode,
  RuntimeConfigurationProperty,
  SessionResourceProperties,
} from './shared/contract';
import { START_TIMEOUT_DEFAULT_SECONDS } from './shared/limits';

/** The idle timeout of a session started without one (the EMR Serverless user guide, "Spark Connect"). */
const SERVICE_DEFAULT_IDLE_TIMEOUT_MINUTES = 60;

/** The resource properties with CloudFormation's stringified scalars converted back to their types. */
export interface SessionSpec {
  readonly applicationId: string;
  readonly executionRoleArn: string;
  readonly name?: string;
  readonly idleTimeoutMinutes?: number;
  readonly runtimeConfiguration?: RuntimeConfigurationProperty[];
  readonly tags: Record<string, string>;
  readonly startTimeoutSeconds: number;
  /** How and under which token the session is renewed on purpose; absent when it never is. */
  readonly renewal?: { readonly mode: RenewalMode; readonly token: string };
}

const RENEWAL_MODES: readonly string[] = ['IF_ENDED', 'ALWAYS'] satisfies RenewalMode[];

export function parseProperties(properties: SessionResourceProperties): SessionSpec {
  if (!properties.ApplicationId || !properties.ExecutionRoleArn) {
    throw new Error('ApplicationId and ExecutionRoleArn are required resource properties');
  }
  return {
    applicationId: properties.ApplicationId,
    executionRoleArn: properties.ExecutionRoleArn,
    name: properties.Name,
    idleTimeoutMinutes: parseWholeNumber('IdleTimeoutMinutes', properties.IdleTimeoutMinutes),
    runtimeConfiguration: properties.RuntimeConfiguration,
    tags: properties.Tags ?? {},
    startTimeoutSeconds: parseWholeNumber('StartTimeoutSeconds', properties.StartTimeoutSeconds) ?? START_TIMEOUT_DEFAULT_SECONDS,
    ...(properties.RenewalMode !== undefined && { renewal: parseRenewal(properties.RenewalMode, properties.RenewalToken) }),
  };
}

function parseRenewal(mode: string, token: string | undefined): SessionSpec['renewal'] {
  if (!RENEWAL_MODES.includes(mode) || !token) {
    throw new Error(`RenewalMode must be one of ${RENEWAL_MODES.join(', ')} with a RenewalToken, got '${mode}' and '${token ?? ''}'`);
  }
  return { mode: mode as RenewalMode, token };
}

/**
 * The StartSession request for a spec and a client token.
 *
 * Keys are always written in the same order and absent values are omitted, so the same
 * CloudFormation request always produces a byte-identical body, so that a retry is byte-identical;
 * whether the service compares a repeated token's parameters is undocumented.
 */
export function buildStartSessionInput(spec: SessionSpec, clientToken: string, handle: string): StartSessionCommandInput {
  return {
    applicationId: spec.applicationId,
    clientToken,
    executionRoleArn: spec.executionRoleArn,
    ...(spec.name !== undefined && { name: spec.name }),
    ...(spec.idleTimeoutMinutes !== undefined && { idleTimeoutMinutes: spec.idleTimeoutMinutes }),
    ...(spec.runtimeConfiguration?.length && {
      configurationOverrides: { runtimeConfiguration: spec.runtimeConfiguration.map(toSdkConfiguration) },
    }),
    tags: {
      ...sortedRecord(spec.tags),
      ...(spec.renewal && { [RENEWAL_TOKEN_TAG]: spec.renewal.token }),
      [HANDLE_TAG]: handle,
      [CLIENT_TOKEN_TAG]: clientToken,
    },
  };
}

/**
 * How each immutable property reads from a spec and from a running session (as GetSession returns
 * it), in one comparable form: SDK-shaped runtime configurations, the service's default idle timeout
 * for an absent one, and no runtime configuration for an empty list.
 */
const IMMUTABLE_READERS: Record<
  ImmutableProperty,
  { fromSpec: (spec: SessionSpec) => unknown; fromSession: (session: Session) => unknown }
> = {
  ApplicationId: { fromSpec: (spec) => spec.applicationId, fromSession: (session) => session.applicationId },
  ExecutionRoleArn: { fromSpec: (spec) => spec.executionRoleArn, fromSession: (session) => session.executionRoleArn },
  Name: { fromSpec: (spec) => spec.name, fromSession: (session) => session.name },
  IdleTimeoutMinutes: {
    fromSpec: (spec) => spec.idleTimeoutMinutes ?? SERVICE_DEFAULT_IDLE_TIMEOUT_MINUTES,
    fromSession: (session) => session.idleTimeoutMinutes ?? SERVICE_DEFAULT_IDLE_TIMEOUT_MINUTES,
  },
  RuntimeConfiguration: {
    fromSpec: (spec) => nonEmpty(spec.runtimeConfiguration?.map(toSdkConfiguration)),
    fromSession: (session) => nonEmpty(session.configurationOverrides?.runtimeConfiguration),
  },
};

/** The immutable properties whose values differ between two specs: a change to any of them needs a new session. */
export function changedImmutableProperties(oldSpec: SessionSpec, newSpec: SessionSpec): ImmutableProperty[] {
  return IMMUTABLE_PROPERTIES.filter((key) => {
    const { fromSpec } = IMMUTABLE_READERS[key];
    return canonicalJson(fromSpec(oldSpec)) !== canonicalJson(fromSpec(newSpec));
  });
}

/**
 * Whether a running session was started with exactly the immutable properties of a spec: then it
 * already is the session the spec asks for. This is what a rollback asks for after a replacing update
 * failed: the properties the session has always run with.
 */
export function runsWith(session: Session, spec: SessionSpec): boolean {
  return (
    IMMUTABLE_PROPERTIES.every((key) => {
      const { fromSpec, fromSession } = IMMUTABLE_READERS[key];
      return canonicalJson(fromSpec(spec)) === canonicalJson(fromSession(session));
    }) && startedUnderRenewalToken(session, spec)
  );
}

/**
 * Whether a session already is the one an `ALWAYS` renewal asks for: started under its token. A
 * session renewed only `IF_ENDED` may run under any earlier token: a live one is never replaced.
 */
export function startedUnderRenewalToken(session: Session, spec: SessionSpec): boolean {
  return spec.renewal?.mode !== 'ALWAYS' || session.tags?.[RENEWAL_TOKEN_TAG] === spec.renewal.token;
}

/** What TagResource and UntagResource must do to turn the old tags into the new ones. */
export function diffTags(
  oldTags: Record<string, string>,
  newTags: Record<string, string>,
): { toSet: Record<string, string>; toRemove: string[] } {
  const toSet = Object.fromEntries(Object.entries(newTags).filter(([key, value]) => oldTags[key] !== value));
  const toRemove = Object.keys(oldTags).filter((key) => !(key in newTags));
  return { toSet, toRemove };
}

function toSdkConfiguration(entry: RuntimeConfigurationProperty): Configuration {
  return {
    classification: entry.Classification,
    ...(entry.Properties && { properties: sortedRecord(entry.Properties) }),
    ...(entry.Configurations?.length && { configurations: entry.Configurations.map(toSdkConfiguration) }),
  };
}

function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
  return list?.length ? list : undefined;
}

function parseWholeNumber(key: string, value: number | string | undefined): number | undefined {
  if (value === undefined || value === '') {
    return undefined;
  }
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new Error(`${key} must be a whole number of 0 or more, got '${value}'`);
  }
  return parsed;
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v) => (v && typeof v === 'object' && !Array.isArray(v) ? sortedRecord(v as Record<string, string>) : v)) ??
    'undefined'
  );
}
