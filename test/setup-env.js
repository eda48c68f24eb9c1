/**
 * The environment of every test process.
 *
 * - The AWS SDK warns once per module instance, so once per test file, that it will drop Node.js
 *   20. It is known: the README says which versions are tested, and CI runs Node.js 24 too; thirty
 *   copies of it would only hide a warning that is new.
 * - aws-cdk-lib checks every synthesized template against its built-in CloudFormation rules, with
 *   a WebAssembly engine that takes over two seconds to load in each test file: half of the unit
 *   loop. The tests here assert the templates themselves; one gate (test/compliance.test.ts) turns
 *   the check back on for the example app and asserts that it finds nothing.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.CDK_VALIDATION = 'false';
