import { createHash } from 'node:crypto';

/** The parts of a CloudFormation request that identify it. */
export interface RequestIdentity {
  readonly StackId: string;
  readonly LogicalResourceId: string;
  readonly RequestId: string;
}

/**
 * The StartSession client token for one CloudFormation request.
 *
 * CloudFormation keeps `RequestId` when it re-delivers a request, and the Provider framework keeps it
 * when it re-invokes the handler, so every attempt at the same request sends the same token and
 * EMR Serverless returns the session it already started instead of starting a second one. A new
 * request (a replacing update, a new stack) has a new RequestId and so a new token.
 *
 * The hex SHA-256 is exactly 64 characters of `[0-9a-f]`: the longest token StartSession accepts
 * (1-64 characters of `[A-Za-z0-9._-]`). The raw StackId cannot be used: it holds `:` and `/`.
 */
export function deriveClientToken(request: RequestIdentity): string {
  return createHash('sha256').update(`${request.StackId}|${request.LogicalResourceId}|${request.RequestId}`).digest('hex');
}
