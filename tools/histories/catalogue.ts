/**
 * The CloudFormation CLI's contract tests (`contract_create_create`, `contract_create_delete`,
 * `contract_delete_delete`, ...: "to prevent creation of unintended or duplicate resources"),
 * mapped onto this library: each a named history whose skeleton is fixed and whose faults are
 * random, run as a property of its own beside the random histories.
 */
import * as fc from 'fast-check';
import { faultsArbitrary, History, Step, UPDATE_CHANGES, UpdateChange } from './history';

const create = (faults = faultsArbitrary) => faults.map((f): Step => ({ op: 'create', faults: f }));
const remove = (faults = faultsArbitrary) => faults.map((f): Step => ({ op: 'delete', faults: f }));
const ends: Step = { op: 'session-ends', session: 0, why: 'idle timeout' };

function history(...steps: Array<fc.Arbitrary<Step> | Step>): fc.Arbitrary<History> {
  return fc.tuple(...steps.map((step) => ('op' in step ? fc.constant(step) : step))).map((s) => ({ sessions: 1, steps: s }));
}

export const CONTRACT_CATALOGUE: ReadonlyArray<{ readonly name: string; readonly histories: fc.Arbitrary<History> }> = [
  {
    name: 'contract_create_create: the same Create delivered twice while it runs starts one session',
    histories: history(
      create(faultsArbitrary.map((f) => [{ kind: 'duplicate-delivery' as const, afterMs: 5_000 }, ...f.slice(0, 1)])),
      remove(),
    ),
  },
  {
    name: 'contract_create_create: a Create delivered again after its session ended starts nothing',
    histories: history(create(), ends, fc.constant<Step>({ op: 'replay', session: 0, type: 'Create', faults: [] }), remove()),
  },
  { name: 'contract_create_delete: a created session is gone after the delete', histories: history(create(), remove()) },
  {
    name: 'contract_delete_delete: a Delete delivered again after the delete succeeds and starts nothing',
    histories: history(create(), remove(), fc.constant<Step>({ op: 'replay', session: 0, type: 'Delete', faults: [] })),
  },
  { name: 'contract_delete_delete: the delete of a session that has already ended succeeds', histories: history(create(), ends, remove()) },
  {
    name: 'contract_update_read: after any update, the attributes name the session that runs',
    histories: history(
      create(),
      fc
        .tuple(fc.constantFrom(...UPDATE_CHANGES), faultsArbitrary)
        .map(([change, faults]): Step => ({ op: 'update', session: 0, change, faults })),
      remove(),
    ),
  },
  {
    name: 'rollback: a replacing update whose new session fails keeps the old session, and leaves nothing else',
    histories: history(
      create(),
      { op: 'next-start-fails' },
      fc.constantFrom<Step>(
        { op: 'update', session: 0, change: 'idle-timeout', faults: [] },
        { op: 'update', session: 0, change: 'renewal-always', faults: [] },
      ),
      { op: 'expect-live', session: 0 },
      remove(),
    ),
  },
  {
    name: 'rollback: a replacing update cancelled while its new session starts keeps the old session, and leaves nothing else',
    histories: history(
      create(),
      fc
        .tuple(fc.constantFrom<UpdateChange>('idle-timeout', 'renewal-always'), fc.integer({ min: 0, max: 2_000 }), faultsArbitrary)
        .map(([change, cancelAfterMs, faults]): Step => ({ op: 'update', session: 0, change, faults, cancelAfterMs })),
      { op: 'expect-live', session: 0 },
      remove(),
    ),
  },
  {
    name: 'rollback: a create whose session fails rolls back to nothing',
    histories: history({ op: 'next-start-fails' }, create(), remove()),
  },
];
