/**
 * Plays CloudFormation for the `Custom::EmrServerlessSession` resources of a synthesized stack. Each
 * request goes through aws-cdk-lib's Provider framework as the template deploys it: the framework's
 * code from its asset, unmodified, invoking the bundled session handler from its asset
 * (`provider-framework.ts`). What CloudFormation receives is what the framework PUTs.
 *
 * CloudFormation's part, played here:
 * - events carry a StackId, a fresh RequestId per request, the LogicalResourceId and the template's
 *   properties with references resolved, every scalar turned into a string;
 * - a failed Create is rolled back with a Delete under the physical id it reported (the framework
 *   ignores the Delete of its own CREATE_FAILED marker);
 * - a replacing Update is followed by a Delete of the old physical id; DeletionPolicy Retain skips Delete;
 * - a failed Update is rolled back with an Update to the old properties under the old physical id;
 *   the physical id a FAILED Update reported is not one CloudFormation deletes;
 * - a stack's resources are worked on at once, each as soon as the resources it depends on
 *   (`DependsOn` between sessions) are done, and deleted in the reverse order; once one fails, no
 *   other is started, and the stack rolls back when those in progress are done;
 * - an update may be cancelled while it runs: CloudFormation fails it at once ("Resource update
 *   cancelled") and rolls back once every delivery has ended;
 * - a request may be delivered again, with the same RequestId and ResponseURL, while the first
 *   delivery is still in progress. CloudFormation takes the first answer at once (DescribeStackResource,
 *   `cloudformation-api.ts`, shows it), but sends its next request only once every delivery has
 *   ended: the one way this differs from CloudFormation, which sends it at once.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RESOURCE_TYPE } from '../../lambda/shared/contract';
import { DescribedResource, DescribedStack, localCloudFormationApi } from './cloudformation-api';
import type { LocalClock } from './local-clock';
import { FrameworkResponse, FunctionCode, LocalProviderFramework, localResponseUrl } from './provider-framework';

/** The account and region the local stack is deployed in. */
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** What the framework reports for a Create that failed in its onEvent (`cfn-response.js`, `safeHandler`). */
export const CREATE_FAILED_MARKER = 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED';

export interface ResourceResult {
  readonly status: 'SUCCESS' | 'FAILED';
  readonly physicalId: string;
  readonly data: Record<string, string>;
  readonly reason?: string;
  /** The waiter's attempts: how many times the framework's isComplete ran. */
  readonly polls: number;
  /** When, on the clock, CloudFormation received the answer. */
  readonly answeredAt: number;
  /** Every answer PUT for the request, the first included: more than one when it was delivered again. */
  readonly answers: readonly FrameworkResponse[];
}

export interface DriverOptions {
  /** The cloud assembly directory (cdk.out). */
  readonly assemblyDir: string;
  readonly stackName: string;
  /** The value of `Ref` (attribute undefined) or `Fn::GetAtt` for the template's other resources. */
  readonly resolveReference: (logicalId: string, attribute?: string) => string;
  /** Waits between two isComplete polls; tests advance a fake clock, the local deploy sleeps. */
  readonly wait: (ms: number) => Promise<void>;
  /** Receives one line per resource status change, as CloudFormation's event log shows them. */
  readonly onEvent?: (logicalId: string, status: string, detail?: string) => void;
  /**
   * Runs work beside its caller and waits for it, on the clock of the run (`LocalClock`), so that
   * the clock knows what runs while requests overlap. Without it, work runs at once on the real clock.
   */
  readonly clock?: Concurrency;
  /** The framework's Lambda concurrency limit and invoke overhead (see `ProviderFrameworkOptions`). */
  readonly concurrencyLimit?: number;
  readonly invokeOverheadMs?: number;
}

/** The account's limits a driver may model: Lambda's concurrency, and each invocation's overhead. */
export type AccountLimits = Pick<DriverOptions, 'concurrencyLimit' | 'invokeOverheadMs'>;

type Concurrency = Pick<LocalClock, 'spawn' | 'join'>;
/** Work beside its caller on the real clock: started at once, waited for as it is. */
const REAL_TIME: Concurrency = { spawn: (work) => work(), join: (settling) => settling };

/** A request CloudFormation sent, when, how many times, and the answer it took. */
export interface SentRequest {
  readonly type: 'Create' | 'Update' | 'Delete';
  readonly logicalId: string;
  /** When, on the clock, the first delivery was made. */
  readonly startedAt: number;
  readonly deliveries: number;
  readonly event: Record<string, unknown>;
  readonly result: ResourceResult;
}

/**
 * The user cancels an update (`aws cloudformation cancel-update-stack`) `afterMs` after it was
 * sent: unless CloudFormation has an answer by then, it takes "Resource update cancelled" as the
 * resource's, and rolls back, while the request's waiter runs on (aws/aws-cdk#31541).
 */
export interface CancelUpdate {
  readonly afterMs: number;
}

/** A second delivery of the same request, `afterMs` after the first started (CloudFormation may deliver a request again). */
export interface DeliverAgain {
  readonly afterMs: number;
}

interface Deployed {
  physicalId: string;
  properties: Record<string, unknown>;
  data: Record<string, string>;
}

type Template = {
  Outputs?: Record<string, { Value: unknown }>;
  Resources: Record<string, { Type: string; Properties?: any; Metadata?: any; DeletionPolicy?: string; DependsOn?: string | string[] }>;
};

export class CloudFormationDriver implements DescribedStack {
  public readonly template: Template;
  public readonly stackId: string;
  /** What CloudFormation believes is deployed, by logical id. */
  public readonly deployed = new Map<string, Deployed>();
  /**
   * What DescribeStackResource says of each resource, by logical id: the request CloudFormation
   * last sent for it (a cleanup's Delete of a replaced physical id aside), or a status that needs none.
   */
  private readonly described = new Map<string, { readonly event: Record<string, any>; readonly sentAt: number } | DescribedResource>();
  /** When, on the clock, the user cancelled each request CloudFormation had no answer to yet. */
  private readonly cancelledAt = new Map<Record<string, unknown>, number>();
  /** The last request of each type sent for each resource, by logical id and type. */
  private readonly lastEvents = new Map<string, Record<string, unknown>>();
  /** Physical ids that a Retain policy left behind, owned by nobody but meant to be so. */
  public readonly retained: string[] = [];
  /** Every request CloudFormation sent and what it received first, in the order they were answered. */
  public readonly requests: SentRequest[] = [];
  /** aws-cdk-lib's Provider framework, as the template deploys it, with local stand-ins for what it calls. */
  public readonly framework: LocalProviderFramework;
  /** `Ref` of CloudFormation's pseudo parameters in this stack. */
  private readonly pseudoParameters: Record<string, string>;

  public get stackName(): string {
    return this.options.stackName;
  }

  /** The cloud assembly directory the templates and assets come from. */
  public get assemblyDir(): string {
    return this.options.assemblyDir;
  }

  constructor(private readonly options: DriverOptions) {
    this.template = JSON.parse(fs.readFileSync(path.join(options.assemblyDir, `${options.stackName}.template.json`), 'utf8'));
    this.stackId = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${options.stackName}/${randomUUID()}`;
    this.pseudoParameters = {
      'AWS::StackId': this.stackId,
      'AWS::StackName': options.stackName,
      'AWS::AccountId': ACCOUNT,
      'AWS::Region': REGION,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
    };
    this.framework = this.loadFramework();
  }

  /**
   * `Ref` and `Fn::GetAtt` as CloudFormation resolves them in this stack: its pseudo parameters, a
   * named log group's name, and what the options say for everything else.
   */
  public readonly resolveReference = (logicalId: string, attribute?: string): string => {
    const resource = this.template.Resources[logicalId];
    if (attribute === undefined && logicalId in this.pseudoParameters) {
      return this.pseudoParameters[logicalId];
    }
    if (attribute === undefined && resource?.Type === 'AWS::Logs::LogGroup' && resource.Properties?.LogGroupName) {
      return resolveIntrinsics(resource.Properties.LogGroupName, this.resolveReference);
    }
    return this.options.resolveReference(logicalId, attribute);
  };

  /** The stack's outputs, as `cdk deploy` prints them, resolved against what is deployed now. */
  public outputs(): Record<string, string> {
    return Object.fromEntries(
      Object.entries(this.template.Outputs ?? {}).map(([name, output]) => [name, String(resolveIntrinsics(output.Value, this.resolveNow))]),
    );
  }

  /** The logical ids of the sessions, in template order. */
  public get sessionLogicalIds(): string[] {
    return Object.entries(this.template.Resources)
      .filter(([, resource]) => resource.Type === RESOURCE_TYPE)
      .map(([id]) => id);
  }

  /** The logical ids of the template's resources of a type, in template order. */
  public logicalIdsOf(type: string): string[] {
    return Object.entries(this.template.Resources)
      .filter(([, resource]) => resource.Type === type)
      .map(([id]) => id);
  }

  /**
   * A property of any template resource as CloudFormation would resolve it now: `Fn::GetAtt` of a
   * session reads its current attributes, so a resource that references a session follows it.
   */
  public currentProperty(logicalId: string, property: string): unknown {
    return resolveIntrinsics(this.template.Resources[logicalId].Properties?.[property], this.resolveNow);
  }

  /** A reference resolved against what is deployed now: a session's `Fn::GetAtt` reads its current attributes. */
  private readonly resolveNow = (logicalId: string, attribute?: string): string => {
    const session = this.deployed.get(logicalId);
    return session && attribute ? session.data[attribute] : this.resolveReference(logicalId, attribute);
  };

  /** The template's properties of a session, resolved and stringified as CloudFormation sends them. */
  public templateProperties(logicalId: string): Record<string, unknown> {
    return stringify(resolveIntrinsics(this.template.Resources[logicalId].Properties, this.resolveReference)) as Record<string, unknown>;
  }

  /**
   * Makes the framework's next StartExecution (the waiter, started after the handler's onEvent
   * returned) fail: throttled on every one of its SDK's three attempts.
   */
  public failNextStartExecution(): void {
    this.framework.throttleStartExecution(3);
  }

  /**
   * Creates every session, at once where their dependencies allow; once one fails, starts no other
   * and rolls back by deleting what exists, as CloudFormation does. Results in template order.
   * `again` delivers each Create a second time.
   */
  public async createStack(again?: DeliverAgain): Promise<ResourceResult[]> {
    const results = new Map<string, ResourceResult>();
    let failed = false;
    await this.inDependencyOrder(this.sessionLogicalIds, 'create', async (logicalId) => {
      if (failed) {
        return false;
      }
      const result = await this.create(logicalId, again);
      results.set(logicalId, result);
      failed ||= result.status === 'FAILED';
      return !failed;
    });
    if (failed) {
      // CloudFormation's rollback: every resource it created, the failed one included, is deleted.
      await this.deleteStack();
    }
    return this.sessionLogicalIds.filter((id) => results.has(id)).map((id) => results.get(id)!);
  }

  /** Deletes every session, each after those that depend on it (`again`: each delivered twice). Results in reverse template order. */
  public async deleteStack(again?: DeliverAgain): Promise<ResourceResult[]> {
    const results = new Map<string, ResourceResult>();
    const deployed = [...this.deployed.keys()];
    await this.inDependencyOrder(deployed, 'delete', async (logicalId) => {
      results.set(logicalId, await this.delete(logicalId, again));
      return true;
    });
    return deployed.reverse().map((id) => results.get(id)!);
  }

  /** A Create request; `again` delivers the same request a second time, as CloudFormation may. */
  public async create(logicalId: string, again?: DeliverAgain): Promise<ResourceResult> {
    const properties = this.templateProperties(logicalId);
    const event = this.event('Create', logicalId, properties);
    const result = await this.send(event, again);
    // Even a failed resource is one CloudFormation will delete on rollback, under the id it was given.
    this.deployed.set(logicalId, { physicalId: result.physicalId, properties, data: result.data });
    return result;
  }

  /**
   * An Update to new properties. A new physical id is followed by a Delete of the old one. A failure
   * is rolled back as CloudFormation does: an Update back to the old properties, then a Delete of any
   * new physical id the failed update reported.
   */
  public async update(
    logicalId: string,
    newProperties: Record<string, unknown>,
    again?: DeliverAgain,
    cancel?: CancelUpdate,
  ): Promise<ResourceResult> {
    const current = this.deployed.get(logicalId)!;
    const properties = stringify(newProperties) as Record<string, unknown>;
    const result = await this.send(this.event('Update', logicalId, properties, current.physicalId, current.properties), again, cancel);
    if (result.status === 'FAILED') {
      this.report(logicalId, 'UPDATE_ROLLBACK_IN_PROGRESS');
      const rollback = await this.send(this.event('Update', logicalId, current.properties, current.physicalId, properties));
      // A rollback that succeeded is what the resource is now, attributes included (it may have
      // replaced a session that had ended); one that failed leaves the resource as it was.
      this.deployed.set(
        logicalId,
        rollback.status === 'SUCCESS' ? { ...current, physicalId: rollback.physicalId, data: rollback.data } : current,
      );
      await this.cleanUp(logicalId, current.properties, current.physicalId, rollback.physicalId);
      return result;
    }
    this.deployed.set(logicalId, { physicalId: result.physicalId, properties, data: result.data });
    await this.cleanUp(logicalId, current.properties, current.physicalId, result.physicalId);
    return result;
  }

  public async delete(logicalId: string, again?: DeliverAgain): Promise<ResourceResult> {
    const current = this.deployed.get(logicalId)!;
    this.deployed.delete(logicalId);
    if (this.template.Resources[logicalId].DeletionPolicy === 'Retain') {
      this.retained.push(current.physicalId);
      this.described.set(logicalId, {
        resourceType: RESOURCE_TYPE,
        status: 'DELETE_SKIPPED',
        physicalId: current.physicalId,
        updatedAt: Date.now(),
      });
      this.report(logicalId, 'DELETE_SKIPPED', current.physicalId);
      return { status: 'SUCCESS', physicalId: current.physicalId, data: {}, polls: 0, answeredAt: Date.now(), answers: [] };
    }
    const result = await this.send(this.event('Delete', logicalId, current.properties, current.physicalId), again);
    if (result.status === 'FAILED') {
      // DELETE_FAILED: CloudFormation still holds the resource, and a later delete of the stack tries again.
      this.deployed.set(logicalId, current);
    }
    return result;
  }

  /** The sessions a session's `DependsOn` names. */
  public dependenciesOf(logicalId: string): string[] {
    const dependsOn = this.template.Resources[logicalId].DependsOn ?? [];
    return (Array.isArray(dependsOn) ? dependsOn : [dependsOn]).filter((id) => this.sessionLogicalIds.includes(id));
  }

  /**
   * Runs `work` for every id at once, each when its prerequisites are done and succeeded: on
   * create, the sessions it depends on; on delete, the sessions that depend on it.
   */
  private async inDependencyOrder(ids: string[], order: 'create' | 'delete', work: (logicalId: string) => Promise<boolean>): Promise<void> {
    const clock = this.options.clock ?? REAL_TIME;
    const prerequisites = (id: string) =>
      order === 'create'
        ? this.dependenciesOf(id).filter((d) => ids.includes(d))
        : ids.filter((other) => this.dependenciesOf(other).includes(id));
    const settled = new Map<string, Promise<boolean>>();
    const start = (id: string): Promise<boolean> => {
      if (!settled.has(id)) {
        settled.set(
          id,
          clock.spawn(async () => {
            const ready = await clock.join(Promise.all(prerequisites(id).map(start)));
            return ready.every(Boolean) && work(id);
          }),
        );
      }
      return settled.get(id)!;
    };
    await clock.join(Promise.all(ids.map(start)));
  }

  /** After an update, CloudFormation deletes a physical id that the resource no longer has. */
  private async cleanUp(logicalId: string, properties: Record<string, unknown>, physicalId: string, keptPhysicalId: string): Promise<void> {
    if (physicalId !== keptPhysicalId) {
      this.report(logicalId, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', `deleting ${physicalId}`);
      await this.run(this.event('Delete', logicalId, properties, physicalId));
    }
  }

  /**
   * What DescribeStackResource says of a resource now: `<TYPE>_IN_PROGRESS` until CloudFormation
   * takes an answer to the request it sent last, then `<TYPE>_COMPLETE` or `<TYPE>_FAILED` with the
   * physical id it holds (a failed Update or Delete keeps the one it had). The answer is taken when
   * the first one arrives, while another delivery of the request may still be running.
   */
  public describe(logicalId: string): DescribedResource | undefined {
    const entry = this.described.get(logicalId);
    if (!entry || 'status' in entry) {
      return entry;
    }
    const { event, sentAt } = entry;
    const verb = String(event.RequestType).toUpperCase();
    const taken = this.takenAnswer(event);
    if (!taken) {
      return { resourceType: RESOURCE_TYPE, status: `${verb}_IN_PROGRESS`, physicalId: event.PhysicalResourceId, updatedAt: sentAt };
    }
    const failed = taken.response.Status === 'FAILED';
    return {
      resourceType: RESOURCE_TYPE,
      status: `${verb}_${failed ? 'FAILED' : 'COMPLETE'}`,
      physicalId: failed && event.RequestType !== 'Create' ? event.PhysicalResourceId : taken.response.PhysicalResourceId,
      updatedAt: taken.at,
    };
  }

  /**
   * The answer CloudFormation took for a request, and when: the user's cancel, if it came before
   * any answer ("Resource update cancelled", under the physical id the resource had), or else the
   * first answer the framework PUT. Undefined while it has none.
   */
  private takenAnswer(event: Record<string, any>): { readonly response: FrameworkResponse; readonly at: number } | undefined {
    const cancelledAt = this.cancelledAt.get(event);
    if (cancelledAt !== undefined) {
      const response: FrameworkResponse = {
        Status: 'FAILED',
        Reason: 'Resource update cancelled',
        PhysicalResourceId: event.PhysicalResourceId,
      };
      return { response, at: cancelledAt };
    }
    return this.framework.firstAnswerTo(event);
  }

  /** A request for the resource's own sake: from now on, what DescribeStackResource says of the resource is this request's. */
  private async send(event: Record<string, any>, again?: DeliverAgain, cancel?: CancelUpdate): Promise<ResourceResult> {
    await localCloudFormationApi.serve(this.stackId, this);
    this.described.set(event.LogicalResourceId, { event, sentAt: Date.now() });
    return this.run(event, again, cancel);
  }

  /**
   * One request through aws-cdk-lib's Provider framework, run from the template's asset, until it
   * answers CloudFormation: what CloudFormation received first. Delivered `again`, both deliveries
   * run to their end, the second from `afterMs` after the first began. Cancelled before an answer
   * arrived, it is what CloudFormation took instead: FAILED, under the physical id it had.
   */
  private async run(event: Record<string, any>, again?: DeliverAgain, cancel?: CancelUpdate): Promise<ResourceResult> {
    const { RequestType: type, LogicalResourceId: logicalId } = event;
    const verb = type.toUpperCase();
    this.lastEvents.set(`${logicalId} ${type}`, event);
    this.report(logicalId, `${verb}_IN_PROGRESS`);
    const clock = this.options.clock ?? REAL_TIME;
    const deliveries = [clock.spawn(() => this.framework.request(event))];
    if (again) {
      deliveries.push(
        clock.spawn(async () => {
          await this.options.wait(again.afterMs);
          return this.framework.request(event);
        }),
      );
    }
    const startedAt = Date.now();
    const cancelling = clock.spawn(async () => {
      if (cancel) {
        await this.options.wait(cancel.afterMs);
        if (!this.takenAnswer(event)) {
          this.cancelledAt.set(event, Date.now());
        }
      }
    });
    const [[outcome]] = await clock.join(Promise.all([Promise.all(deliveries), cancelling]));
    const { response, at } = this.takenAnswer(event)!;
    return this.finish({ type, logicalId, startedAt, deliveries: deliveries.length, event }, verb, {
      status: response.Status,
      physicalId: response.PhysicalResourceId,
      data: response.Data ?? {},
      ...(response.Status === 'FAILED' && { reason: response.Reason }),
      polls: outcome.polls,
      answeredAt: at,
      answers: this.framework.answersTo(event),
    });
  }

  /**
   * The last request of a type CloudFormation sent for a resource, delivered once more, as it may be
   * long after it was answered: what the framework answers now. What CloudFormation holds does not
   * change, since it has its answer already.
   */
  public async redeliverLast(logicalId: string, type: 'Create' | 'Update' | 'Delete'): Promise<FrameworkResponse> {
    const event = this.lastEvents.get(`${logicalId} ${type}`);
    if (!event) {
      throw new Error(`no ${type} request was sent for ${logicalId}`);
    }
    const before = this.framework.answersTo(event).length;
    await this.framework.request(event);
    return this.framework.answersTo(event)[before];
  }

  private finish(request: Omit<SentRequest, 'result'>, verb: string, result: ResourceResult): ResourceResult {
    this.requests.push({ ...request, result });
    this.report(request.logicalId, `${verb}_${result.status === 'SUCCESS' ? 'COMPLETE' : 'FAILED'}`, result.reason ?? result.physicalId);
    return result;
  }

  private event(
    type: string,
    logicalId: string,
    properties: Record<string, unknown>,
    physicalId?: string,
    oldProperties?: Record<string, unknown>,
  ) {
    return {
      RequestType: type,
      ServiceToken: properties.ServiceToken,
      // A pre-signed URL of CloudFormation's; here one that reaches the local stand-in, unique to the request.
      ResponseURL: localResponseUrl(),
      StackId: this.stackId,
      RequestId: randomUUID(),
      LogicalResourceId: logicalId,
      ResourceType: RESOURCE_TYPE,
      ResourceProperties: properties,
      ...(physicalId !== undefined && { PhysicalResourceId: physicalId }),
      ...(oldProperties !== undefined && { OldResourceProperties: oldProperties }),
    };
  }

  private report(logicalId: string, status: string, detail?: string): void {
    this.options.onEvent?.(logicalId, status, detail);
  }

  /**
   * The Provider framework of the template: its functions' code from their assets (the framework's
   * own, and the user handlers its environment names), its environment and its waiter's definition,
   * all resolved from the template.
   */
  private loadFramework(): LocalProviderFramework {
    const resources = Object.entries(this.template.Resources);
    const functions = resources.filter(([, resource]) => resource.Type === 'AWS::Lambda::Function');
    const codeOf = (logicalId: string): FunctionCode => {
      const fn = this.template.Resources[logicalId];
      const [file, exportName] = fn.Properties.Handler.split('.');
      return {
        name: logicalId,
        file: path.join(this.assetDirectory(fn.Properties.Code.S3Key), `${file}.js`),
        exportName,
        environment: resolveIntrinsics(fn.Properties.Environment?.Variables ?? {}, this.resolveReference),
        // Lambda's defaults, for a template that leaves them out (the framework's functions leave out memory).
        memoryMb: fn.Properties.MemorySize ?? 128,
        timeoutSeconds: fn.Properties.Timeout ?? 3,
        architecture: fn.Properties.Architectures?.[0] === 'arm64' ? 'arm64' : 'x86_64',
        applicationLogLevel:
          fn.Properties.LoggingConfig?.LogFormat === 'JSON' ? (fn.Properties.LoggingConfig.ApplicationLogLevel ?? 'INFO') : undefined,
      };
    };
    const arnOf = (logicalId: string) => this.resolveReference(logicalId, 'Arn');
    const framework = functions
      .filter(([, fn]) => String(fn.Properties.Handler).startsWith('framework.'))
      .map(([id]) => [arnOf(id), codeOf(id)] as const);
    const userArns = new Set(
      framework.flatMap(([, code]) => [code.environment.USER_ON_EVENT_FUNCTION_ARN, code.environment.USER_IS_COMPLETE_FUNCTION_ARN]),
    );
    const [stateMachine] = resources.filter(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine');
    return new LocalProviderFramework({
      frameworkFunctions: new Map(framework),
      userFunctions: new Map(functions.filter(([id]) => userArns.has(arnOf(id))).map(([id]) => [arnOf(id), codeOf(id)])),
      waiterDefinition: JSON.parse(resolveIntrinsics(stateMachine[1].Properties.DefinitionString, this.resolveReference)),
      wait: this.options.wait,
      concurrencyLimit: this.options.concurrencyLimit,
      invokeOverheadMs: this.options.invokeOverheadMs,
    });
  }

  /** The directory of the asset that a template's S3 key names, from the stack's asset manifest. */
  private assetDirectory(s3Key: string): string {
    const manifest = JSON.parse(fs.readFileSync(path.join(this.options.assemblyDir, `${this.options.stackName}.assets.json`), 'utf8'));
    const hash = s3Key.replace(/\.zip$/, '');
    const source = manifest.files[hash]?.source;
    if (source?.packaging !== 'zip') {
      throw new Error(`asset ${s3Key} is not a zipped directory in ${this.options.stackName}.assets.json`);
    }
    return path.join(this.options.assemblyDir, source.path);
  }
}

/**
 * A template value with its references replaced: `Ref` and `Fn::GetAtt` by what `resolveReference`
 * says, `Fn::Join`, `Fn::Split` and `Fn::Select` evaluated. Any other intrinsic is an error rather
 * than a silent wrong value.
 */
export function resolveIntrinsics(value: any, resolveReference: (logicalId: string, attribute?: string) => string): any {
  const resolve = (node: any): any => {
    if (Array.isArray(node)) {
      return node.map(resolve);
    }
    if (node && typeof node === 'object') {
      if ('Ref' in node) {
        return resolveReference(node.Ref);
      }
      if ('Fn::GetAtt' in node) {
        return resolveReference(node['Fn::GetAtt'][0], node['Fn::GetAtt'][1]);
      }
      if ('Fn::Join' in node) {
        const [separator, parts] = node['Fn::Join'];
        return resolve(parts).join(separator);
      }
      if ('Fn::Split' in node) {
        const [separator, source] = node['Fn::Split'];
        return String(resolve(source)).split(separator);
      }
      if ('Fn::Select' in node) {
        const [index, list] = node['Fn::Select'];
        return resolve(list)[Number(index)];
      }
      const intrinsic = Object.keys(node).find((key) => key.startsWith('Fn::'));
      if (intrinsic) {
        throw new Error(`cannot resolve ${intrinsic}`);
      }
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolve(v)]));
    }
    return node;
  };
  return resolve(value);
}

/** Every scalar as a string, as CloudFormation delivers custom-resource properties. */
export function stringify(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(stringify);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stringify(v)]));
  }
  return value === undefined || value === null ? value : String(value);
}
