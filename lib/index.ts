export * from './session';
export * from './session-renewal';
