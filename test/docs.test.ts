/**
 * The docs users read cannot disagree with the constants: each fact a prop's doc comment (and so
 * API.md), the README's Properties table or its lifecycle table states is computed here from the
 * constant the code uses, and must stand there, in those words. Change a constant and this fails
 * until the docs say the new value.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import {
  ACCESS_DENIED_DELAYS_MS,
  POLL_INTERVAL_MS,
  SDK_CONNECT_TIMEOUT_MS,
  SDK_MAX_ATTEMPTS,
  SDK_REQUEST_TIMEOUT_MS,
  SESSIONS_PER_APPLICATION_QUOTA,
  START_TIMEOUT_MAX_SECONDS,
  START_TIMEOUT_MIN_SECONDS,
  TERMINATE_TIMEOUT_SECONDS,
} from '../lambda/shared/limits';
import { IMMUTABLE_PROPERTIES } from '../lambda/shared/contract';
import { statesIn } from '../lambda/session-states';
import { WAITER } from '../lib/handler-budget';
import { CONCURRENT_REQUESTS_DEFAULT } from '../lib/session-provider';
import {
  CONFIGURATION_ITEMS_MAX,
  CONFIGURATION_STRING_MAX_LENGTH,
  DOCUMENTED_CLASSIFICATIONS,
  IDLE_TIMEOUT_MAX_MINUTES,
  NAME_MAX_LENGTH,
  TAG_VALUE_MAX_LENGTH,
  USER_TAGS_MAX,
} from '../lib/validate-props';

const ROOT = path.join(__dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const n = (value: number) => value.toLocaleString('en-US');
const words = ['one', 'two', 'three', 'four', 'five', 'six'];
/** `A, B or C`, as the docs list states. */
const either = (items: string[], quote = '') => {
  const quoted = items.map((item) => `${quote}${item}${quote}`);
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
};

/** The doc comment of each member of `SessionProps` in lib/session.ts, whitespace folded. */
function propDocs(): Record<string, string> {
  const file = path.join(ROOT, 'lib', 'session.ts');
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const props = source.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'SessionProps',
  )!;
  return Object.fromEntries(
    props.members.map((member) => {
      const docs = ts.getJSDocCommentsAndTags(member).map((doc) => doc.getText());
      return [
        (member.name as ts.Identifier).text,
        docs
          .join(' ')
          .replace(/\s*\*\s*/g, ' ')
          .replace(/\s+/g, ' '),
      ];
    }),
  );
}

/** The README's Properties row of a prop. */
function propertiesRow(prop: string): string {
  const row = README.split('\n').find((line) => line.startsWith(`| \`${prop}\` |`));
  if (!row) {
    throw new Error(`the README's Properties table has no row for ${prop}`);
  }
  return row;
}

/** The README's lifecycle row (How it works) of an event. */
function lifecycleRow(event: string): string {
  return README.split('\n').find((line) => line.startsWith(`| ${event} |`)) ?? '';
}

const ready = statesIn('ready');
const minutes = (seconds: number) => n(seconds / 60);

describe('each prop doc, in lib/session.ts (and API.md) and in the README, states the limit the code enforces', () => {
  const docs = propDocs();
  test.each([
    ['sessionName', `1 to ${n(NAME_MAX_LENGTH)} characters`, `1 to ${n(NAME_MAX_LENGTH)} characters`],
    ['idleTimeout', `from 0 to ${n(IDLE_TIMEOUT_MAX_MINUTES)}`, `0 to ${n(IDLE_TIMEOUT_MAX_MINUTES)}`],
    ['runtimeConfiguration', `at most ${n(CONFIGURATION_ITEMS_MAX)}`, `at most ${n(CONFIGURATION_ITEMS_MAX)} entries`],
    ['tags', `at most ${n(USER_TAGS_MAX)}`, `At most ${n(USER_TAGS_MAX)}`],
    [
      'startTimeout',
      `(${either(ready)}), from ${minutes(START_TIMEOUT_MIN_SECONDS)} to ${minutes(START_TIMEOUT_MAX_SECONDS)} minutes`,
      `(${either(ready, '`')}), counted from when it was asked for, ${minutes(START_TIMEOUT_MIN_SECONDS)} to ${minutes(START_TIMEOUT_MAX_SECONDS)} minutes`,
    ],
    ['renewal', `1 to ${n(TAG_VALUE_MAX_LENGTH)} characters`, `1 to ${n(TAG_VALUE_MAX_LENGTH)} characters`],
  ])('%s: "%s"', (prop, inDoc, inReadme) => {
    expect(docs[prop]).toContain(inDoc);
    expect(propertiesRow(prop)).toContain(inReadme);
  });

  test('RuntimeConfiguration: the classification and property lengths', () => {
    const file = fs.readFileSync(path.join(ROOT, 'lib', 'session.ts'), 'utf8');
    expect(file).toContain(`1 to ${n(CONFIGURATION_STRING_MAX_LENGTH)} characters, not blank`);
    expect(propertiesRow('runtimeConfiguration')).toContain(`classification 1 to ${n(CONFIGURATION_STRING_MAX_LENGTH)} characters`);
  });
});

describe("the README's lifecycle table and limits state the handler's budgets", () => {
  const accessDenied = ACCESS_DENIED_DELAYS_MS.map((ms) => ms / 1000);
  const waiterAttempts = WAITER.totalTimeout.toSeconds() / (POLL_INTERVAL_MS / 1000);
  test.each([
    ['Create: `isComplete`', `${either(ready, '`')} is usable`],
    ['Create: `isComplete`', `invokes it again ${POLL_INTERVAL_MS / 1000} seconds later`],
    ['Create: `isComplete`', `after the SDK's ${words[SDK_MAX_ATTEMPTS - 1]} attempts`],
    ['Create: `isComplete`', `${SDK_CONNECT_TIMEOUT_MS / 1000}-second connect and ${SDK_REQUEST_TIMEOUT_MS / 1000}-second request timeout`],
    ['Create: `isComplete`', `up to ${accessDenied.reduce((a, b) => a + b, 0)} seconds (${accessDenied.join(', ')})`],
    ['Delete', `fails ${minutes(TERMINATE_TIMEOUT_SECONDS)} minutes after it first asked`],
  ])('%s: "%s"', (event, fact) => {
    expect(lifecycleRow(event)).toContain(fact);
  });

  test.each([
    [`for at least ${WAITER.totalTimeout.toMinutes()} minutes`],
    [`its ${n(waiterAttempts)} attempts at ${POLL_INTERVAL_MS / 1000} seconds`],
    [`at most ${CONCURRENT_REQUESTS_DEFAULT} of a stack's sessions at once`],
    [`never takes more than ${2 * CONCURRENT_REQUESTS_DEFAULT} executions at once`],
    [`${SESSIONS_PER_APPLICATION_QUOTA} concurrent sessions per application by default`],
  ])('"%s"', (fact) => {
    expect(README.replace(/\s+/g, ' ')).toContain(fact);
  });
});

describe('the README\'s "Reading cdk diff" table names the properties the handler replaces a session for', () => {
  const table = README.split('### Reading `cdk diff`')[1].split('\n\n')[2];
  const replacingRow = table.split('\n').find((row) => row.includes('Starts a new session'))!;

  test.each([...IMMUTABLE_PROPERTIES])('%s starts a new session', (property) => {
    expect(replacingRow).toContain(`\`${property}\``);
  });

  test('no other property is in that row', () => {
    const named = [...replacingRow.split('|')[1].matchAll(/`([A-Z]\w+)`/g)].map((match) => match[1]);
    expect(named.sort()).toEqual([...IMMUTABLE_PROPERTIES].sort());
  });
});

describe("the README's classification warning lists the classifications the check knows, and only those", () => {
  const bullet = README.split('- **Warning `classification')[1].split('\n- ')[0];

  test('the same set, in the same order', () => {
    const listed = /documents \((.*?)\)\. The guide/s.exec(bullet.replace(/\s+/g, ' '))![1];
    expect([...listed.matchAll(/`([\w-]+)`/g)].map((match) => match[1])).toEqual([...DOCUMENTED_CLASSIFICATIONS]);
  });
});
