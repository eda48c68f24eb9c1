/**
 * One structured log line per decision the handler takes.
 *
 * Callers pass only identifiers and states: never the event's ResponseURL (a pre-signed URL),
 * never runtime-configuration property values (Spark settings may hold secrets).
 */
export function log(decision: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ decision, ...fields }));
}

/** The identifying fields of a request, safe to log. */
export function describeRequest(event: {
  RequestType: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
}): Record<string, string | undefined> {
  return {
    requestType: event.RequestType,
    stackId: event.StackId,
    requestId: event.RequestId,
    logicalResourceId: event.LogicalResourceId,
    physicalResourceId: event.PhysicalResourceId,
  };
}
