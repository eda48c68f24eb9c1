import { createHash } from 'node:crypto';

/** The most characters a tag value may have, and so the handle. */
const TAG_VALUE_MAX_LENGTH = 256;

/**
 * The handle of the session in one place of one stack: `<stack name>/<logical id>`, the value of its
 * `cdk-emr-serverless-session:handle` tag. The handler tags every session with it (from the request's
 * StackId and LogicalResourceId); the construct computes the same value at synth for the grants that
 * must survive replacement. Stable across replacements, unique in an account and region, and of
 * tag-value characters only. A longer one keeps its start and ends in a hash of the whole.
 */
export function sessionHandle(stackName: string, logicalId: string): string {
  const handle = `${stackName}/${logicalId}`;
  if (handle.length <= TAG_VALUE_MAX_LENGTH) {
    return handle;
  }
  const hash = createHash('sha256').update(handle).digest('hex').slice(0, 16);
  return `${handle.slice(0, TAG_VALUE_MAX_LENGTH - hash.length - 1)}-${hash}`;
}

/** The stack name in a CloudFormation StackId: `arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<uuid>`. */
export function stackNameOf(stackId: string): string {
  return stackId.split(':').pop()!.split('/')[1];
}
