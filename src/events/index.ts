// The session event stream on the Node side: the store interface, its two backends, and how to open the configured one.
export { EVENTS_FOLDER, FileEventStore } from './file-event-store.js';
export { eventStoreFor, openEventStore, type EventStoreSettings } from './open-event-store.js';
export { RedisEventStore } from './redis-event-store.js';
export type { PublishEvent, SessionEventStore, TrimResult } from './session-event-store.js';
export { DeltaStream } from './delta-stream.js';
export { EventPublisher, type DeliveryHook, type OutboundDelivery } from './event-publisher.js';
export { StreamText } from './stream-text.js';
