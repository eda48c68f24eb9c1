import { SessionResourceProperties } from '../lambda/shared/contract';

/**
 * Step Functions' limit on an execution's input. The Provider framework starts its waiter with the
 * whole request as input: on an Update, the old and the new properties both.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
const STATE_MACHINE_INPUT_MAX_BYTES = 262_144;

/**
 * The framework's own fields around the properties, at their longest: RequestType, ServiceToken,
 * ResponseURL (a pre-signed S3 URL that carries a session token, about 2 KB), StackId, RequestId,
 * LogicalResourceId, ResourceType, PhysicalResourceId, and what onEvent answers. Generously rounded up.
 */
const FRAMEWORK_FIELDS_MAX_BYTES = 8_192;

/** The longest values the two identifier properties can take at deploy time, whatever the template says. */
const IDENTIFIER_MAX_BYTES = { ApplicationId: 64, ExecutionRoleArn: 2_048 };

/** The most a session's rendered properties may take, so that an Update (two copies) fits the waiter's input. */
export const RENDERED_PROPERTIES_MAX_BYTES = Math.floor((STATE_MACHINE_INPUT_MAX_BYTES - FRAMEWORK_FIELDS_MAX_BYTES) / 2);

/**
 * Errors for rendered properties too large for the Provider framework: measured on the resolved
 * JSON, with the application id and role ARN counted at the longest they can be when deployed.
 */
export function validateRenderedSize(resolved: SessionResourceProperties): string[] {
  const { ApplicationId: _applicationId, ExecutionRoleArn: _roleArn, ...rest } = resolved;
  const bytes =
    byteLength({ ...rest, ApplicationId: '', ExecutionRoleArn: '' }) +
    IDENTIFIER_MAX_BYTES.ApplicationId +
    IDENTIFIER_MAX_BYTES.ExecutionRoleArn;
  if (bytes <= RENDERED_PROPERTIES_MAX_BYTES) {
    return [];
  }
  return [
    `the session's properties take ${bytes} bytes rendered, more than the ${RENDERED_PROPERTIES_MAX_BYTES} that fit: ` +
      `an update hands the old and the new properties to a Step Functions execution, whose input is limited to ` +
      `${STATE_MACHINE_INPUT_MAX_BYTES} bytes; shrink runtimeConfiguration (${byteLength(resolved.RuntimeConfiguration ?? [])} bytes) ` +
      `or tags (${byteLength(resolved.Tags ?? {})} bytes)`,
  ];
}

function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
