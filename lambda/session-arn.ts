/** The two identifiers every session operation needs. */
export interface SessionRef {
  readonly applicationId: string;
  readonly sessionId: string;
  readonly arn: string;
}

// arn:<partition>:emr-serverless:<region>:<account>:/applications/<applicationId>/sessions/<sessionId>
const SESSION_ARN = /^arn:aws[a-zA-Z0-9-]*:emr-serverless:[^:]+:\d{12}:\/applications\/([0-9a-zA-Z]+)\/sessions\/([0-9a-zA-Z]+)$/;

/**
 * The session a physical resource id names, or undefined when it names none.
 *
 * The physical id is the session ARN rather than the bare session id because Delete must act on the
 * session it was given, even when the application in the template has since changed.
 */
export function parseSessionArn(physicalResourceId: string | undefined): SessionRef | undefined {
  const match = SESSION_ARN.exec(physicalResourceId ?? '');
  if (!match) {
    return undefined;
  }
  return { applicationId: match[1], sessionId: match[2], arn: physicalResourceId! };
}
