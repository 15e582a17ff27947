// The names every side shares — workflow inputs, signals, updates, queries, failure types,
// chat commands — importable from workflows, activities and clients alike (sandbox-safe).
export * from './approvals.js';
export * from './channels.js';
export * from './commands.js';
export * from './credentials.js';
export * from './definitions.js';
export * from './duration.js';
export * from './failure-types.js';
export * from './input-limits.js';
export * from './json-schema.js';
export * from './reference-input.js';
export * from './session-api.js';
export * from './session-events.js';
export * from './session-input.js';
export * from './session-tools.js';
export * from './telemetry-sinks.js';
export * from './tool-policy.js';
export * from './turn-api.js';
export * from './turn-input.js';
export * from './unknown-messages.js';
export * from './workflow-types.js';
