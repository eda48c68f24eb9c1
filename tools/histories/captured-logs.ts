/**
 * What the deployed code logs while a history runs, as Lambda keeps it (the framework's functions
 * log at FATAL, so their console.log lines never reach CloudWatch): for the secrets invariant, and
 * out of the output.
 */
import { keptByLambda } from '../local-cloud/provider-framework';

export interface CapturedLogs {
  readonly lines: string[];
  restore(): void;
}

/** A logged value as a log line holds it. */
function printed(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  try {
    return value instanceof Error ? `${value.name}: ${value.message}` : JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Captures the console until `restore`. */
export function captureLogs(): CapturedLogs {
  const methods = ['log', 'debug', 'info', 'warn', 'error'] as const;
  const original = Object.fromEntries(methods.map((m) => [m, console[m]]));
  const lines: string[] = [];
  for (const method of methods) {
    console[method] = (...args: unknown[]) => {
      if (keptByLambda(method)) {
        lines.push(args.map(printed).join(' '));
      }
    };
  }
  return {
    lines,
    restore: () => methods.forEach((m) => (console[m] = original[m])),
  };
}
