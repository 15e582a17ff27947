export * from './atomic-write.js';
export * from './blob-store.js';
export * from './message-refs.js';
export * from './session-lease.js';
export * from './tool-call-journal.js';
export * from './tool-output.js';
export * from './state-sweeper.js';
