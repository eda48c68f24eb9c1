/**
 * The one classification of EMR Serverless session states that every path of the handler decides
 * by: each state the service documents belongs to exactly one phase, and a state it does not know
 * is an error, never a guess.
 */
import { SessionState } from '@aws-sdk/client-emr-serverless';

/**
 * - `starting`: on its way to being usable;
 * - `ready`: usable, a client can connect (BUSY: one already has);
 * - `terminating`: on its way to TERMINATED, never back;
 * - `ended`: TERMINATED or FAILED, for good.
 */
export type SessionPhase = 'starting' | 'ready' | 'terminating' | 'ended';

/** Every state, by the type of the SDK's enum: a state added to the SDK fails the build here until it is placed. */
const PHASES: Record<SessionState, SessionPhase> = {
  [SessionState.SUBMITTED]: 'starting',
  [SessionState.STARTING]: 'starting',
  [SessionState.STARTED]: 'ready',
  [SessionState.IDLE]: 'ready',
  [SessionState.BUSY]: 'ready',
  [SessionState.TERMINATING]: 'terminating',
  [SessionState.TERMINATED]: 'ended',
  [SessionState.FAILED]: 'ended',
};

/** The phase of a session in `state`; throws on a state the service does not document. */
export function phaseOf(sessionId: string, state: string | undefined): SessionPhase {
  const phase = PHASES[state as SessionState];
  if (!phase) {
    throw new Error(`session ${sessionId} is in unknown state ${state}`);
  }
  return phase;
}

/** The states of some phases, in the SDK's order: what ListSessions filters by, what the docs name. */
export function statesIn(...phases: SessionPhase[]): SessionState[] {
  return (Object.keys(PHASES) as SessionState[]).filter((state) => phases.includes(PHASES[state]));
}

/** States that will not come back to a usable session: TERMINATING, TERMINATED, FAILED. */
export function isOver(phase: SessionPhase): boolean {
  return phase === 'terminating' || phase === 'ended';
}
