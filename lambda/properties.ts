import type { Configuration, Session, StartSessionCommandInput } from '@aws-sdk/client-emr-serverless';
import { RuntimeConfigurationProperty, SessionResourceProperties, START_TIMEOUT_DEFAULT_SECONDS } from './contract';

/**
 * The tag with which the handler marks every session it starts: its value is the client token.
 *
 * It lets a failed Create find the session that a lost StartSession response started, and lets an
 * operator tell which CloudFormation request a session belongs to.
 */
export const CLIENT_TOKEN_TAG = 'cdk-emr-serverless-session:client-token';

/** The resource properties with CloudFormation's stringified scalars converted back to their types. */
export interface SessionSpec {
  readonly applicationId: string;
  readonly executionRoleArn: string;
  readonly name?: string;
  readonly idleTimeoutMinutes?: number;
  readonly runtimeConfiguration?: RuntimeConfigurationProperty[];
  readonly tags: Record<string, string>;
  readonly startTimeoutSeconds: number;
}

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
  };
}

/**
 * The StartSession request for a spec and a client token.
 *
 * Keys are always written in the same order and absent values are omitted, so the same
 * CloudFormation request always produces a byte-identical body: the service's idempotency check
 * compares parameters, and a retry must not look like a different request.
 */
export function buildStartSessionInput(spec: SessionSpec, clientToken: string): StartSessionCommandInput {
  return {
    applicationId: spec.applicationId,
    clientToken,
    executionRoleArn: spec.executionRoleArn,
    ...(spec.name !== undefined && { name: spec.name }),
    ...(spec.idleTimeoutMinutes !== undefined && { idleTimeoutMinutes: spec.idleTimeoutMinutes }),
    ...(spec.runtimeConfiguration?.length && {
      configurationOverrides: { runtimeConfiguration: spec.runtimeConfiguration.map(toSdkConfiguration) },
    }),
    tags: { ...sortedRecord(spec.tags), [CLIENT_TOKEN_TAG]: clientToken },
  };
}

/**
 * The properties that a running session cannot change, and that therefore need a new session.
 * StartTimeoutSeconds only steers the handler's wait; Tags are applied in place.
 */
export function changedImmutableProperties(oldSpec: SessionSpec, newSpec: SessionSpec): string[] {
  const immutable: Record<string, (spec: SessionSpec) => unknown> = {
    ApplicationId: (s) => s.applicationId,
    ExecutionRoleArn: (s) => s.executionRoleArn,
    Name: (s) => s.name,
    IdleTimeoutMinutes: (s) => s.idleTimeoutMinutes,
    RuntimeConfiguration: (s) => (s.runtimeConfiguration?.length ? s.runtimeConfiguration : undefined),
  };
  return Object.entries(immutable)
    .filter(([, read]) => canonicalJson(read(oldSpec)) !== canonicalJson(read(newSpec)))
    .map(([key]) => key);
}

/**
 * Whether a running session was started with exactly the immutable properties of a spec: then it
 * already is the session the spec asks for. This is what a rollback asks for after a replacing update
 * failed: the properties the session has always run with.
 */
export function runsWith(session: Session, spec: SessionSpec): boolean {
  const wanted = buildStartSessionInput(spec, '');
  const immutable = (s: Partial<Session> | StartSessionCommandInput) => ({
    applicationId: s.applicationId,
    executionRoleArn: s.executionRoleArn,
    name: s.name,
    idleTimeoutMinutes: s.idleTimeoutMinutes,
    runtimeConfiguration: s.configurationOverrides?.runtimeConfiguration?.length
      ? s.configurationOverrides.runtimeConfiguration
      : undefined,
  });
  return canonicalJson(immutable(session)) === canonicalJson(immutable(wanted));
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
