/** Conversation store (in the state root), prompt building, skills and memory consolidation (in the workspace). */
export { FileConversation, type FileConversationOptions } from './file-conversation.js';
export {
  ContextBuilder,
  IDENTITY_FILES,
  SUMMARY_TAG,
  DEFAULT_MEMORY_WINDOW,
  DEFAULT_TOKEN_BUDGET,
  type ContextBuilderOptions,
  type HistorySource,
  type PromptHistory,
} from './context-builder.js';
export {
  MemoryConsolidator,
  SAVE_MEMORY_TOOL,
  selectChunkEnd,
  formatForConsolidation,
  type ConsolidationResult,
  type MemoryConsolidatorOptions,
} from './memory-consolidation.js';
export { listSkills, loadSkill, isValidSkillName, parseFrontmatter, skillsDir, type Skill, type SkillInfo } from './skills.js';
export {
  applyMemoryWindow,
  cleanHistory,
  estimateTokens,
  estimateTotalTokens,
  fitTokenBudget,
  groupByTurn,
  repairToolPairs,
  startAtUser,
  COMPACTED_NOTE,
} from './history.js';
export { SessionStore, type SessionSnapshot, type SessionMeta, type AppendResult } from './session-store.js';
export type { StoredMessage, SessionHeader } from './session-records.js';
export { safeSessionId } from './session-id.js';
export { withFileLock, type FileLockOptions } from './file-lock.js';
export { runtimeContext, resolveTimeZone, utcOffset, RUNTIME_CONTEXT_TAG } from './runtime-context.js';
export { loadMedia, DEFAULT_MAX_IMAGE_BYTES } from './media.js';
export {
  MEMORY_FILE,
  HISTORY_FILE,
  readLongTermMemory,
  writeLongTermMemory,
  appendHistoryEntry,
} from './memory-files.js';
export { SessionLockTimeoutError, InvalidSkillNameError, ConsolidationError } from './errors.js';
