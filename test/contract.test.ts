/**
 * The deployed contract: what stacks already deployed hold (the resource type, property and Data
 * keys, tag keys, physical-id shapes, the provider's construct ids, from which its logical ids come).
 * A change to any of it breaks update or delete of existing sessions, so the snapshot makes every
 * rename a reviewed, deliberate change: `npm test -- -u` rewrites it, and the diff shows what moved.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as contract from '../lambda/shared/contract';
import { Session, SessionRenewal } from '../lib';
import { executionRole, FIXTURE_ENV, sessionsApplication } from '../tools/session-stacks';

function stackWithEverySessionProp(): Stack {
  const app = new App();
  const stack = new Stack(app, 'ContractStack', { env: FIXTURE_ENV });
  new Session(stack, 'Session', {
    application: sessionsApplication(stack),
    executionRole: executionRole(stack, 'Role'),
    sessionName: 'n',
    idleTimeout: Duration.minutes(30),
    startTimeout: Duration.minutes(10),
    runtimeConfiguration: [{ classification: 'c', properties: { k: 'v' }, configurations: [{ classification: 'd' }] }],
    tags: { team: 't' },
    renewal: SessionRenewal.always('run-1'),
    parameterName: '/sessions/contract',
  });
  return stack;
}

test('the deployed contract is unchanged', () => {
  const stack = stackWithEverySessionProp();
  const [resource] = Object.values(Template.fromStack(stack).findResources(contract.RESOURCE_TYPE));
  const provider = stack.node.findChild(contract.PROVIDER_ID);

  expect({
    resourceType: contract.RESOURCE_TYPE,
    propertyKeys: Object.keys(resource.Properties).sort(),
    runtimeConfigurationKeys: Object.keys(resource.Properties.RuntimeConfiguration[0]).sort(),
    immutableProperties: contract.IMMUTABLE_PROPERTIES,
    attributesRevision: contract.ATTRIBUTES_REVISION,
    dataKeys: [contract.ATTR_SESSION_ID, contract.ATTR_ARN, contract.ATTR_APPLICATION_ID, contract.ATTR_ENDPOINT],
    tagKeys: {
      reservedPrefix: contract.RESERVED_TAG_PREFIX,
      clientToken: contract.CLIENT_TOKEN_TAG,
      handle: contract.HANDLE_TAG,
      renewalToken: contract.RENEWAL_TOKEN_TAG,
      keptBy: contract.KEPT_BY_TAG,
      libraryTagCount: contract.LIBRARY_TAG_COUNT,
    },
    renderedTagKeys: Object.keys(resource.Properties.Tags).sort(),
    renewalModes: [resource.Properties.RenewalMode],
    physicalIds: { requestedPrefix: contract.REQUESTED_SESSION_PREFIX },
    onEventToIsCompleteFields: [contract.TERMINATION_REQUESTED_AT, contract.START_REQUESTED_AT],
    providerId: contract.PROVIDER_ID,
    providerConstructIds: provider.node.findAll().map((c) => c.node.path.slice(stack.node.path.length + 1)),
    sessionConstructIds: stack.node.findChild('Session').node.children.map((c) => c.node.id),
  }).toMatchSnapshot();
});
