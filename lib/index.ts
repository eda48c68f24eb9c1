export * from './session';
export * from './session-renewal';
export type { ConnectGrantOptions, ISession, SessionAttributes, SessionImportOptions } from './session-base';
