/**
 * Compressed time for a local run of the deployed code. `Date` reads a fake clock that moves only
 * when something waits: the Provider framework's waiter between two attempts (the driver's `wait`),
 * and the session handler within an invocation, which waits through `node:timers/promises` (here:
 * the clock moves on and the wait ends at once). Timers that guard I/O (the SDK's connect and
 * request timeouts, the servers') stay real, so no request times out because time was skipped.
 *
 * The driver plays one request at a time, so a wait can move the clock by its whole length at once:
 * nothing else runs meanwhile that could observe the jump.
 */
import * as FakeTimers from '@sinonjs/fake-timers';

type Wait = <T>(ms?: number, value?: T) => Promise<T | undefined>;
/**
 * The module object itself, which the bundled handler also requires: an `import` would give a copy
 * of its bindings, and the handler would never see the replaced wait.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const timers: { setTimeout: Wait } = require('node:timers/promises');

export class LocalClock {
  /** Fakes `Date` from `startAt` on, and the handler's waits; `uninstall` puts both back. */
  public static install(startAt = Date.now()): LocalClock {
    return new LocalClock(startAt);
  }

  private readonly fake: ReturnType<typeof FakeTimers.install>;
  private readonly realWait = timers.setTimeout;

  private constructor(startAt: number) {
    this.fake = FakeTimers.withGlobal(globalThis).install({ now: startAt, toFake: ['Date'] });
    timers.setTimeout = async <T>(ms?: number, value?: T): Promise<T | undefined> => {
      await this.advance(ms ?? 0);
      return value;
    };
  }

  /** Moves the clock on by `ms`: what a wait of that length would have taken. */
  public async advance(ms: number): Promise<void> {
    this.fake.tick(ms);
  }

  public uninstall(): void {
    timers.setTimeout = this.realWait;
    this.fake.uninstall();
  }
}
