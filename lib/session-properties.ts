import { Duration } from 'aws-cdk-lib';
import { ATTRIBUTES_REVISION, RenewalMode, RuntimeConfigurationProperty, SessionResourceProperties } from '../lambda/shared/contract';
import { START_TIMEOUT_DEFAULT_SECONDS } from '../lambda/shared/limits';
import type { RuntimeConfiguration, SessionProps } from './session';

/** The unit the template holds each duration prop in, as StartSession and the handler take it. */
export const TEMPLATE_UNITS = { idleTimeout: 'minutes', startTimeout: 'seconds' } as const;

/**
 * The custom resource's properties for a session's props, the handler's side of the contract.
 *
 * Every byte here is paid once per session, in a template of at most 1 MB: optional values are
 * omitted, and their defaults are the handler's. `tags` is passed as given (at synth, a token that
 * resolves to the final tags), so that this stays a function of its arguments.
 */
export function renderProperties(props: SessionProps, tags: Record<string, string> | undefined): SessionResourceProperties {
  return {
    ApplicationId: props.application.applicationRef.applicationId,
    ExecutionRoleArn: props.executionRole.roleArn,
    ...(props.sessionName !== undefined && { Name: props.sessionName }),
    ...(props.idleTimeout !== undefined && { IdleTimeoutMinutes: amountIn(props.idleTimeout, TEMPLATE_UNITS.idleTimeout) }),
    ...(props.runtimeConfiguration?.length && { RuntimeConfiguration: props.runtimeConfiguration.map(renderConfiguration) }),
    ...(tags !== undefined && { Tags: tags }),
    ...(props.startTimeout !== undefined && { StartTimeoutSeconds: startTimeoutSecondsOf(props) }),
    AttributesRevision: ATTRIBUTES_REVISION,
    ...(props.renewal?.mode && { RenewalMode: props.renewal.mode as RenewalMode, RenewalToken: props.renewal.token }),
  };
}

/** The start timeout in seconds, the handler's default when the props leave it out. */
export function startTimeoutSecondsOf(props: SessionProps): number {
  return props.startTimeout === undefined ? START_TIMEOUT_DEFAULT_SECONDS : amountIn(props.startTimeout, TEMPLATE_UNITS.startTimeout);
}

/**
 * A duration in the unit the template holds it in, never throwing: the props are rendered before
 * synth validates them, so a fraction renders as one, and a token in another unit (which cannot be
 * converted) as NaN, which validation reports.
 */
function amountIn(duration: Duration, unit: 'minutes' | 'seconds'): number {
  if (duration.isUnresolved() && duration.unitLabel() !== unit) {
    return NaN;
  }
  return unit === 'minutes' ? duration.toMinutes({ integral: false }) : duration.toSeconds({ integral: false });
}

function renderConfiguration(configuration: RuntimeConfiguration): RuntimeConfigurationProperty {
  return {
    Classification: configuration.classification,
    ...(configuration.properties && { Properties: configuration.properties }),
    ...(configuration.configurations?.length && { Configurations: configuration.configurations.map(renderConfiguration) }),
  };
}
