/**
 * StartSession's input constraints as the service enforces them (the API reference; the SDK itself
 * checks nothing). Returns the first violation as the service's message, or undefined.
 */
const CLIENT_TOKEN = /^[A-Za-z0-9._-]{1,64}$/;
const ROLE_ARN = /^arn:(aws[a-zA-Z0-9-]*):iam::([0-9]{12}):(role((\u002F)|(\u002F[\u0021-\u007F]+\u002F))[\w+=,.@-]+)$/;
const TAG_KEY = /^[A-Za-z0-9 /_.:=+@-]{1,128}$/;
const TAG_VALUE = /^[A-Za-z0-9 /_.:=+@-]{0,256}$/;
export const ID = /^[0-9a-z]{1,64}$/;

export interface StartSessionBody {
  clientToken?: unknown;
  executionRoleArn?: unknown;
  name?: unknown;
  idleTimeoutMinutes?: unknown;
  tags?: unknown;
  configurationOverrides?: { runtimeConfiguration?: unknown };
}

export function validateStartSession(body: StartSessionBody): string | undefined {
  if (typeof body.clientToken !== 'string' || !CLIENT_TOKEN.test(body.clientToken)) {
    return `1 validation error detected: Value '${body.clientToken}' at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9._-]+`;
  }
  const role = body.executionRoleArn;
  if (typeof role !== 'string' || role.length < 20 || role.length > 2048 || !ROLE_ARN.test(role)) {
    return `1 validation error detected: Value '${role}' at 'executionRoleArn' failed to satisfy constraint`;
  }
  if (body.name !== undefined && (typeof body.name !== 'string' || body.name.length > 256 || !/\S/.test(body.name))) {
    return `1 validation error detected: Value at 'name' failed to satisfy constraint`;
  }
  const idle = body.idleTimeoutMinutes;
  if (idle !== undefined && (typeof idle !== 'number' || !Number.isInteger(idle) || idle < 0 || idle > 1_000_000)) {
    return `1 validation error detected: Value '${idle}' at 'idleTimeoutMinutes' failed to satisfy constraint: Member must be a number between 0 and 1000000`;
  }
  const tagError = validateTagMap(body.tags);
  if (tagError) {
    return tagError;
  }
  return validateConfigurations(body.configurationOverrides?.runtimeConfiguration, 'configurationOverrides.runtimeConfiguration');
}

export function validateTagMap(tags: unknown): string | undefined {
  if (tags === undefined) {
    return undefined;
  }
  if (typeof tags !== 'object' || tags === null) {
    return `'tags' must be a map`;
  }
  const entries = Object.entries(tags as Record<string, unknown>);
  if (entries.length > 200) {
    return `1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200`;
  }
  for (const [key, value] of entries) {
    if (!TAG_KEY.test(key) || typeof value !== 'string' || !TAG_VALUE.test(value)) {
      return `1 validation error detected: Value at 'tags' failed to satisfy constraint: tag '${key}'`;
    }
  }
  return undefined;
}

function validateConfigurations(list: unknown, path: string): string | undefined {
  if (list === undefined) {
    return undefined;
  }
  if (!Array.isArray(list) || list.length > 100) {
    return `1 validation error detected: Value at '${path}' failed to satisfy constraint`;
  }
  for (const entry of list as Array<Record<string, unknown>>) {
    const classification = entry.classification;
    if (typeof classification !== 'string' || classification.length > 1024 || !/\S/.test(classification)) {
      return `1 validation error detected: Value at '${path}.member.classification' failed to satisfy constraint`;
    }
    const properties = entry.properties as Record<string, unknown> | undefined;
    if (properties !== undefined && (typeof properties !== 'object' || Object.keys(properties).length > 100)) {
      return `1 validation error detected: Value at '${path}.member.properties' failed to satisfy constraint`;
    }
    for (const [key, value] of Object.entries(properties ?? {})) {
      if (key.length > 1024 || !/\S/.test(key) || typeof value !== 'string' || value.length > 1024) {
        return `1 validation error detected: Value at '${path}.member.properties' failed to satisfy constraint: Map key or value length`;
      }
    }
    const nested = validateConfigurations(entry.configurations, `${path}.member.configurations`);
    if (nested) {
      return nested;
    }
  }
  return undefined;
}
