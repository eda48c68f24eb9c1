/**
 * The contract between the `Session` construct and its custom-resource handler.
 *
 * Types and constants only: this file is imported by `lib/` at synth time and must never pull
 * the AWS SDK or any other runtime dependency into the construct library.
 *
 * The resource type and the property keys are part of the deployed contract: renaming one
 * breaks update and delete of sessions that are already deployed. Add keys, never rename them.
 */

/** The CloudFormation type of a session. Chosen once; never change it. */
export const RESOURCE_TYPE = 'Custom::EmrServerlessSession';

/** Attribute names in the handler's response `Data`, read with `Fn::GetAtt`. */
export const ATTR_SESSION_ID = 'SessionId';
export const ATTR_ARN = 'Arn';
export const ATTR_APPLICATION_ID = 'ApplicationId';

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
}

/** The attributes every successful Create or Update returns. Every key is always present. */
export interface SessionResponseData {
  readonly [ATTR_SESSION_ID]: string;
  readonly [ATTR_ARN]: string;
  readonly [ATTR_APPLICATION_ID]: string;
}

/** Bounds of the per-session start timeout; the upper bound leaves room under the provider's total timeout. */
export const START_TIMEOUT_DEFAULT_SECONDS = 20 * 60;
export const START_TIMEOUT_MIN_SECONDS = 60;
export const START_TIMEOUT_MAX_SECONDS = 45 * 60;

/**
 * How long Delete waits for a terminating session to reach TERMINATED before it reports failure.
 * Well under the provider's total timeout, so the handler, not the framework, writes the reason.
 */
export const TERMINATE_TIMEOUT_SECONDS = 10 * 60;
