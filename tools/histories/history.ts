/**
 * Histories: what happens to one stack of 1 to 3 sessions over its life, as steps. A step is a
 * stack operation (create, an update of one session, delete, a request CloudFormation delivers
 * again after it was answered), or an event of the world (a session ends at its idle timeout or
 * after 24 hours; the service fails the next start). A stack operation carries the faults that
 * strike while it runs, anywhere between CloudFormation, the Provider framework, Lambda and EMR
 * Serverless. `historyArbitrary` generates them with fast-check; `describeHistory` prints one as
 * the readable line a failure report shows.
 */
import * as fc from 'fast-check';
import type { CloudFormationFault } from '../local-cloud/cloudformation-api';
import type { Operation } from '../local-cloud/emulator';

/** What an update changes: what replaces the session, what is applied in place, what only steers the handler. */
export const UPDATE_CHANGES = ['idle-timeout', 'tags', 'renewal-if-ended', 'renewal-always', 'start-timeout'] as const;
export type UpdateChange = (typeof UPDATE_CHANGES)[number];

/** The session operations a fault can strike, each with the faults the service answers it with. */
const SERVICE_OPERATIONS: readonly Operation[] = [
  'StartSession',
  'GetSession',
  'GetSessionEndpoint',
  'ListSessions',
  'TerminateSession',
  'TagResource',
  'UntagResource',
];

export type Fault =
  /** CloudFormation delivers the request a second time while the first is in progress. */
  | { readonly kind: 'duplicate-delivery'; readonly afterMs: number }
  /** The framework's StartExecution of the waiter is throttled on this many attempts (3: it fails). */
  | { readonly kind: 'start-execution-throttled'; readonly attempts: number }
  /** The framework's Invoke of a handler runs it, and its response is lost: the SDK invokes again. */
  | { readonly kind: 'lost-invoke-response'; readonly handler: 'onEvent' | 'isComplete' }
  /** The framework's PUT of the response to CloudFormation fails once. */
  | { readonly kind: 'response-put-fails' }
  /** Lambda throttles the waiter's task for this long. */
  | { readonly kind: 'lambda-throttled'; readonly forMs: number }
  /** A GetSession answers so late that isComplete outlasts its Lambda timeout. */
  | { readonly kind: 'lambda-timeout' }
  /** The service answers an operation with a 5xx or a throttle, this many times in a row. */
  | { readonly kind: 'service'; readonly operation: Operation; readonly answer: 'internal-error' | 'throttle'; readonly times: number }
  /** StartSession starts the session and its answer is lost. */
  | { readonly kind: 'start-committed-unanswered' }
  /** StartSession is refused: the application runs as many sessions as its quota allows. */
  | { readonly kind: 'quota' }
  /** CloudFormation answers DescribeStackResource with a 500 or throttling, this many times in a row. */
  | { readonly kind: 'cloudformation'; readonly answer: CloudFormationFault; readonly times: number };

export type Step =
  | { readonly op: 'create'; readonly faults: readonly Fault[] }
  | {
      readonly op: 'update';
      readonly session: number;
      readonly change: UpdateChange;
      readonly faults: readonly Fault[];
      /** The user cancels the update this long after it was sent (`cancel-update-stack`); null: never. */
      readonly cancelAfterMs?: number | null;
    }
  | { readonly op: 'delete'; readonly faults: readonly Fault[] }
  /** The last request of a type for a session, delivered again after it was answered (a replayed RequestId). */
  | { readonly op: 'replay'; readonly session: number; readonly type: 'Create' | 'Update' | 'Delete'; readonly faults: readonly Fault[] }
  /** A session ends on its own: its idle timeout, or 24 hours. */
  | { readonly op: 'session-ends'; readonly session: number; readonly why: 'idle timeout' | '24 hours' }
  /** The service fails the next session's start (it goes FAILED). */
  | { readonly op: 'next-start-fails' }
  /** A check, not an event (the catalogue's): the session CloudFormation holds is live, if the stack exists. */
  | { readonly op: 'expect-live'; readonly session: number };

export interface History {
  readonly sessions: number;
  readonly steps: readonly Step[];
}

const faultArbitrary: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ kind: fc.constant('duplicate-delivery' as const), afterMs: fc.integer({ min: 0, max: 30_000 }) }),
  fc.record({ kind: fc.constant('start-execution-throttled' as const), attempts: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('lost-invoke-response' as const), handler: fc.constantFrom('onEvent' as const, 'isComplete' as const) }),
  fc.constant({ kind: 'response-put-fails' as const }),
  fc.record({ kind: fc.constant('lambda-throttled' as const), forMs: fc.integer({ min: 1_000, max: 600_000 }) }),
  fc.constant({ kind: 'lambda-timeout' as const }),
  fc.record({
    kind: fc.constant('service' as const),
    operation: fc.constantFrom(...SERVICE_OPERATIONS),
    answer: fc.constantFrom('internal-error' as const, 'throttle' as const),
    times: fc.integer({ min: 1, max: 6 }),
  }),
  fc.constant({ kind: 'start-committed-unanswered' as const }),
  fc.constant({ kind: 'quota' as const }),
  fc.record({
    kind: fc.constant('cloudformation' as const),
    answer: fc.constantFrom('internal-error' as const, 'throttle' as const),
    times: fc.integer({ min: 1, max: 6 }),
  }),
);

/** Most operations run clean; the others carry one or two faults. */
export const faultsArbitrary = fc.oneof(
  // Shrinks a faulty operation towards a clean one, so that a report keeps only the faults that matter.
  { withCrossShrink: true },
  { weight: 2, arbitrary: fc.constant([] as Fault[]) },
  { weight: 3, arbitrary: fc.array(faultArbitrary, { minLength: 1, maxLength: 2 }) },
);

function stepArbitrary(sessions: number): fc.Arbitrary<Step> {
  const session = fc.integer({ min: 0, max: sessions - 1 });
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('create' as const), faults: faultsArbitrary }) },
    {
      weight: 5,
      arbitrary: fc.record({
        op: fc.constant('update' as const),
        session,
        change: fc.constantFrom(...UPDATE_CHANGES),
        faults: faultsArbitrary,
        // Within the few seconds a session takes to start here: some cancel before, some after the answer.
        cancelAfterMs: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 8_000 }) }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), faults: faultsArbitrary }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('replay' as const),
        session,
        type: fc.constantFrom('Create' as const, 'Update' as const, 'Delete' as const),
        faults: faultsArbitrary,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('session-ends' as const),
        session,
        why: fc.constantFrom('idle timeout' as const, '24 hours' as const),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ op: 'next-start-fails' as const }) },
  );
}

/** A history that starts with a create (a stack that is never created tests nothing) and ends with the stack's delete. */
export const historyArbitrary: fc.Arbitrary<History> = fc.integer({ min: 1, max: 3 }).chain((sessions) =>
  fc
    .tuple(faultsArbitrary, fc.array(stepArbitrary(sessions), { maxLength: 7 }), faultsArbitrary)
    .map(([createFaults, steps, deleteFaults]) => ({
      sessions,
      steps: [{ op: 'create', faults: createFaults } as Step, ...steps, { op: 'delete', faults: deleteFaults } as Step],
    })),
);

export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'duplicate-delivery':
      return `delivered again after ${fault.afterMs / 1000} s`;
    case 'start-execution-throttled':
      return `StartExecution throttled x${fault.attempts}`;
    case 'lost-invoke-response':
      return `${fault.handler} Invoke response lost`;
    case 'response-put-fails':
      return 'ResponseURL PUT fails once';
    case 'lambda-throttled':
      return `Lambda throttles the waiter for ${fault.forMs / 1000} s`;
    case 'lambda-timeout':
      return 'isComplete outlasts its Lambda timeout';
    case 'service':
      return `${fault.operation} ${fault.answer === 'throttle' ? '429' : '500'} x${fault.times}`;
    case 'start-committed-unanswered':
      return 'StartSession commits, its answer lost';
    case 'quota':
      return 'StartSession refused: quota';
    case 'cloudformation':
      return `DescribeStackResource ${fault.answer === 'throttle' ? 'throttled' : '500'} x${fault.times}`;
  }
}

export function describeStep(step: Step): string {
  const faults = 'faults' in step && step.faults.length > 0 ? ` [fault: ${step.faults.map(describeFault).join(', ')}]` : '';
  switch (step.op) {
    case 'create':
      return `create${faults}`;
    case 'update': {
      const cancelled = step.cancelAfterMs != null ? ` [cancelled after ${step.cancelAfterMs / 1000} s]` : '';
      return `update(S${step.session + 1}: ${step.change})${cancelled}${faults}`;
    }
    case 'delete':
      return `delete${faults}`;
    case 'replay':
      return `replay(S${step.session + 1}: last ${step.type})${faults}`;
    case 'session-ends':
      return `S${step.session + 1} ends (${step.why})`;
    case 'next-start-fails':
      return 'the next start fails';
    case 'expect-live':
      return `expect S${step.session + 1} live`;
  }
}

/** One line: `3 sessions: create | update(S2: tags) [fault: GetSession 429 x2] | delete`. */
export function describeHistory(history: History): string {
  return `${history.sessions} session${history.sessions === 1 ? '' : 's'}: ${history.steps.map(describeStep).join(' | ')}`;
}

/** The history as fast-check prints it in a failure report: its readable line. */
export function readable(history: History): History {
  return Object.assign(Object.create({ [fc.toStringMethod]: () => describeHistory(history) }), history);
}
