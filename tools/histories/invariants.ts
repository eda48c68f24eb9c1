/**
 * What must hold after every step of a history, checked against the emulator's ground truth (what
 * sessions exist, in what state, with what tags and client token) and what CloudFormation received,
 * never against the handler's own word. Each is a pure function of a view of the world that names
 * what is wrong, or returns undefined.
 */
import { createHash } from 'node:crypto';
import { HANDLE_TAG, REQUESTED_SESSION_PREFIX } from '../../lambda/shared/contract';
import { CloudFormationDriver, CREATE_FAILED_MARKER, SentRequest } from '../local-cloud/cloudformation-driver';
import { EmrServerlessEmulator } from '../local-cloud/emulator';

/** A Spark property value no log line may hold: property values may be secrets. */
export const SPARK_SECRET = 'fuzz-spark-secret-7f3a9c';
/** The largest response CloudFormation accepts from a custom resource. */
const RESPONSE_MAX_BYTES = 4096;

/** The world after a step: the service, what CloudFormation holds, and what the step sent and logged. */
export interface WorldView {
  readonly emulator: EmrServerlessEmulator;
  /** Every stack the history created, the current one last. */
  readonly drivers: readonly CloudFormationDriver[];
  /** What CloudFormation holds of the current stack. */
  readonly deployed: CloudFormationDriver['deployed'];
  /** The requests the step sent, with their answers. */
  readonly requests: readonly SentRequest[];
  /** The lines the step logged that Lambda keeps. */
  readonly logLines: readonly string[];
  /** The step met no fault, on a service that lets sessions start. */
  readonly clean: boolean;
}

export interface Invariant {
  readonly name: string;
  readonly broken: (view: WorldView) => string | undefined;
}

export const INVARIANTS: readonly Invariant[] = [
  // A handler that failed safely but always would keep every other invariant.
  { name: 'an operation that meets no fault succeeds', broken: failedRequests },
  { name: 'no client token ever started two sessions', broken: tokensStartedTwice },
  { name: 'every session was started under the client token of a request CloudFormation sent', broken: tokensOfNoRequest },
  { name: 'every live session belongs to a resource CloudFormation holds', broken: orphans },
  { name: 'each resource has at most one live session with its handle', broken: handlesTwice },
  { name: 'every delivery of a request gets one answer, the first within its ServiceTimeout', broken: unanswered },
  { name: 'every physical id CloudFormation holds names something a Delete can act on', broken: unusablePhysicalIds },
  { name: 'the attributes CloudFormation holds name the session of the physical id', broken: staleAttributes },
  { name: 'a Create or Update answers SUCCESS only once its session is usable', broken: successBeforeUsable },
  { name: 'the response to CloudFormation stays under 4,096 bytes', broken: oversizedResponses },
  { name: 'no secret in any log line', broken: secretsLogged },
];

export function sessionIdIn(physicalId: string): string {
  return physicalId.split('/').pop()!;
}

function tokensStartedTwice({ emulator }: WorldView): string | undefined {
  const twice = [...emulator.sessionsPerToken()].filter(([, count]) => count > 1);
  return twice.length > 0 ? twice.map(([token, count]) => `${token} started ${count}`).join('; ') : undefined;
}

/**
 * The README's contract, written out here rather than imported, so that a handler that derives its
 * token otherwise is caught: the SHA-256 of the request's stack id, logical id and RequestId.
 */
function tokensOfNoRequest({ emulator, drivers }: WorldView): string | undefined {
  const identity = (e: Record<string, unknown>) => `${String(e.StackId)}|${String(e.LogicalResourceId)}|${String(e.RequestId)}`;
  const tokens = new Set(drivers.flatMap((d) => d.requests.map((r) => createHash('sha256').update(identity(r.event)).digest('hex'))));
  const strays = [...emulator.sessionsPerToken().keys()].filter((token) => !tokens.has(token));
  return strays.length > 0 ? `started under no request's token: ${strays.join(', ')}` : undefined;
}

function orphans({ emulator, drivers }: WorldView): string | undefined {
  const held = new Set(drivers.flatMap((d) => [...d.deployed.values()].map((r) => sessionIdIn(r.physicalId))));
  const orphans = emulator.liveSessions().filter((id) => !held.has(id));
  return orphans.length > 0
    ? `live and held by no resource: ${orphans.map((id) => `${id} (${emulator.stateOf(id)})`).join(', ')}`
    : undefined;
}

function handlesTwice({ emulator }: WorldView): string | undefined {
  const perHandle = new Map<string, string[]>();
  for (const id of emulator.liveSessions()) {
    const handle = emulator.tagsOf(id)[HANDLE_TAG];
    perHandle.set(handle, [...(perHandle.get(handle) ?? []), id]);
  }
  const twice = [...perHandle].filter(([, ids]) => ids.length > 1);
  return twice.length > 0 ? twice.map(([handle, ids]) => `${handle}: ${ids.join(', ')}`).join('; ') : undefined;
}

function unanswered({ requests }: WorldView): string | undefined {
  for (const request of requests) {
    const { answers, answeredAt } = request.result;
    const serviceTimeoutMs = Number((request.event.ResourceProperties as Record<string, unknown>).ServiceTimeout) * 1000;
    if (answers.length !== request.deliveries) {
      return `${request.type} ${request.logicalId}: ${answers.length} answers to ${request.deliveries} deliveries`;
    }
    // Deliveries may meet different faults, and CloudFormation takes the first answer; but two
    // that succeed must name one resource.
    const succeeded = new Set(answers.filter((a) => a.Status === 'SUCCESS').map((a) => a.PhysicalResourceId));
    if (succeeded.size > 1) {
      return `${request.type} ${request.logicalId}: two deliveries succeeded with ${[...succeeded].join(' and ')}`;
    }
    if (answeredAt - request.startedAt > serviceTimeoutMs) {
      return `${request.type} ${request.logicalId}: answered after ${(answeredAt - request.startedAt) / 1000} s, ServiceTimeout ${serviceTimeoutMs / 1000} s`;
    }
  }
  return undefined;
}

function unusablePhysicalIds({ drivers }: WorldView): string | undefined {
  const usable = [
    /^arn:aws:emr-serverless:[\w-]+:\d{12}:\/applications\/\w+\/sessions\/\w+$/,
    new RegExp(`^${REQUESTED_SESSION_PREFIX}\\w+:[0-9a-f]{64}$`),
  ];
  const unusable = drivers
    .flatMap((d) => [...d.deployed.values()].map((r) => r.physicalId))
    .filter((id) => id !== CREATE_FAILED_MARKER && !usable.some((shape) => shape.test(id)));
  return unusable.length > 0 ? `held: ${unusable.join(', ')}` : undefined;
}

function failedRequests({ requests, clean }: WorldView): string | undefined {
  if (!clean) {
    return undefined;
  }
  const failed = requests.find((r) => r.result.status === 'FAILED');
  return failed ? `${failed.type} ${failed.logicalId}: ${failed.result.reason?.split('\n')[0]}` : undefined;
}

function successBeforeUsable({ emulator, requests }: WorldView): string | undefined {
  for (const { type, logicalId, result } of requests) {
    if (type === 'Delete' || result.status !== 'SUCCESS') {
      continue;
    }
    const sessionId = sessionIdIn(result.physicalId);
    const usableAt = emulator.sessionIds().includes(sessionId) ? emulator.usableAt(sessionId) : undefined;
    if (usableAt === undefined || usableAt > result.answeredAt) {
      return `${type} ${logicalId}: SUCCESS at ${result.answeredAt}, session ${sessionId} usable at ${usableAt ?? 'never'}`;
    }
  }
  return undefined;
}

function staleAttributes({ emulator, deployed }: WorldView): string | undefined {
  for (const [logicalId, resource] of deployed) {
    const { SessionId: sessionId, Arn: arn } = resource.data;
    if (sessionId === undefined) {
      continue; // a resource whose create or update failed holds no attributes
    }
    if (resource.physicalId !== arn || sessionIdIn(arn) !== sessionId || !emulator.sessionIds().includes(sessionId)) {
      return `${logicalId}: physical id ${resource.physicalId}, SessionId ${sessionId}, Arn ${arn}`;
    }
  }
  return undefined;
}

function oversizedResponses({ requests }: WorldView): string | undefined {
  const oversized = requests
    .flatMap((r) => r.result.answers)
    .map((answer) => Buffer.byteLength(JSON.stringify(answer)))
    .filter((bytes) => bytes >= RESPONSE_MAX_BYTES);
  return oversized.length > 0 ? `responses of ${oversized.join(', ')} bytes` : undefined;
}

function secretsLogged({ emulator, logLines }: WorldView): string | undefined {
  const secrets = [SPARK_SECRET, ...emulator.authTokensIssued];
  const line = logLines.find((l) => secrets.some((secret) => l.includes(secret)) || /X-Amz-Signature=[0-9a-f]{8}-/.test(l));
  return line ? `logged: ${line.slice(0, 300)}` : undefined;
}
