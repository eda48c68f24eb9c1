/** Files the benchmark and the tests compare with what ran: where they are on disk. */
import * as path from 'node:path';

/** A file or directory of the installed aws-cdk-lib (its Lambda runtimes are not exported paths, so they are found on disk). */
export function awsCdkLibFile(...segments: string[]): string {
  return path.join(path.dirname(require.resolve('aws-cdk-lib/package.json')), ...segments);
}

/** The CDK CLI's bundled code, as installed (the package exports no paths, so it is found on disk). */
export const CDK_CLI_BUNDLE = path.join(path.dirname(require.resolve('aws-cdk/package.json')), 'lib', 'index.js');

/** The session handler bundle that `npm run bundle` writes: the asset the construct ships. */
export const HANDLER_BUNDLE = path.join(__dirname, '..', 'lambda-dist', 'session-handler', 'index.js');
