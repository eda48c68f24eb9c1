/**
 * Compressed time for a local run of the deployed code. `Date` reads a fake clock that moves only
 * when everything that runs is waiting on it: the Provider framework's waiter between two attempts
 * (the driver's `wait`), the session handler within an invocation, which waits through
 * `node:timers/promises`, and the stand-ins that model a delay of the cloud. Timers that guard I/O
 * (the SDK's connect and request timeouts and its retry backoff, the servers') stay real, so no
 * request times out because time was skipped.
 *
 * Several requests may run at once (a deploy of many sessions), so the clock keeps count of what
 * is running: the caller, and every piece of work started with `spawn`. A wait takes its caller
 * out of the count until the clock reaches the wait's end; when nothing is left running, the clock
 * jumps to the earliest end and wakes everything that waits until then. One request alone sees
 * what it always did: each of its waits moves the clock on by its whole length at once.
 */
import * as FakeTimers from '@sinonjs/fake-timers';

type Wait = <T>(ms?: number, value?: T) => Promise<T | undefined>;
/**
 * The module object itself, which the bundled handler also requires: an `import` would give a copy
 * of its bindings, and the handler would never see the replaced wait.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const timers: { setTimeout: Wait } = require('node:timers/promises');

interface Sleeper {
  readonly at: number;
  readonly wake: () => void;
}

export class LocalClock {
  /** Fakes `Date` from `startAt` on, and the handler's waits; `uninstall` puts both back. */
  public static install(startAt = Date.now()): LocalClock {
    return new LocalClock(startAt);
  }

  private readonly fake: ReturnType<typeof FakeTimers.install>;
  private readonly realWait = timers.setTimeout;
  /** What is running and not waiting on the clock: the caller that installed it, and each piece of spawned work. */
  private running = 1;
  private sleepers: Sleeper[] = [];
  private jumpScheduled = false;

  private constructor(startAt: number) {
    this.fake = FakeTimers.withGlobal(globalThis).install({ now: startAt, toFake: ['Date'] });
    timers.setTimeout = async <T>(ms?: number, value?: T): Promise<T | undefined> => {
      await this.advance(ms ?? 0);
      return value;
    };
  }

  /** Waits `ms` on the clock: the clock reaches the end of the wait once nothing else runs. */
  public advance(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.sleepers.push({ at: Date.now() + Math.max(0, ms), wake: resolve });
      this.running--;
      this.scheduleJump();
    });
  }

  /** Starts a piece of work that runs beside its caller, as CloudFormation works on several resources at once. */
  public spawn<T>(work: () => Promise<T>): Promise<T> {
    this.running++;
    return Promise.resolve()
      .then(work)
      .finally(() => {
        this.running--;
        this.scheduleJump();
      });
  }

  /** Waits for other work (started with `spawn`) to settle: meanwhile the caller does not count as running. */
  public async join<T>(settling: Promise<T>): Promise<T> {
    this.running--;
    this.scheduleJump();
    try {
      return await settling;
    } finally {
      this.running++;
    }
  }

  public uninstall(): void {
    timers.setTimeout = this.realWait;
    this.fake.uninstall();
  }

  /**
   * Once nothing runs, moves the clock to the earliest end of a wait and wakes all that end then.
   * Checked after the current turn of the event loop, so that work resumed by a promise that has
   * just settled is counted as running first.
   */
  private scheduleJump(): void {
    if (this.jumpScheduled) {
      return;
    }
    this.jumpScheduled = true;
    setImmediate(() => {
      this.jumpScheduled = false;
      if (this.running > 0 || this.sleepers.length === 0) {
        return;
      }
      const at = Math.min(...this.sleepers.map((s) => s.at));
      const due = this.sleepers.filter((s) => s.at === at);
      this.sleepers = this.sleepers.filter((s) => s.at !== at);
      if (at > Date.now()) {
        this.fake.tick(at - Date.now());
      }
      this.running += due.length;
      due.forEach((s) => s.wake());
    });
  }
}
