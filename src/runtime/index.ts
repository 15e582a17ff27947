export * from './bus.js';
export * from './channel.js';
export { abortReason, raceAbort } from './abortable.js';
export {
  AgentLoop,
  type AgentLoopOptions,
  type StoppableTool,
  type DirectReply,
  type ProcessOptions,
} from './agent-loop.js';
export { ChannelManager, type ChannelManagerOptions } from './channel-manager.js';
export { CliChannel, type CliChannelOptions } from './cli-channel.js';
export { DirectExecutor, type DirectExecutorOptions, type ToolOutputContext } from './direct-executor.js';
export { BusClosedError, MessageBus } from './message-bus.js';
export { processDirect, type DirectMessageOptions, type ProcessDirectOptions } from './process-direct.js';
export { HELP_TEXT } from '../contract/commands.js';
