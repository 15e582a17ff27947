import type { ScriptRule } from './script-schema.js';

const Q = `["'\`]?`; // optional quote around a captured value
const PATH = `([^\\s"'\`]*[^\\s"'\`.,!?])`; // a path, without trailing punctuation

/**
 * The built-in script: enough behaviour for the demo, examples and tests to run with no API
 * key. Every answer is marked [scripted-llm]. First match wins, so follow-ups (a tool result
 * already in the turn) come before the prompts that start tool calls.
 */
export const DEFAULT_SCRIPT: ScriptRule[] = [
  // Memory consolidation forces save_memory.
  {
    name: 'save_memory (forced)',
    when: { toolChoice: 'save_memory' },
    reply: { toolCalls: [{ name: 'save_memory', arguments: { history_entry: '{{summary}}', memory_update: '{{facts}}' } }] },
  },

  // A worker died mid-exec: the retried call was not re-run, only reported as interrupted.
  // Like a careful model, run the command again (a new call) to get its real output.
  {
    name: 'exec interrupted: run again',
    when: {
      hasToolResult: true,
      lastToolName: 'exec',
      toolAvailable: 'exec',
      lastToolResultMatches: 'previous attempt of this exec call was interrupted[^\\n]*\\n[ \\t]*([^\\n]+?)[ \\t]*$',
    },
    reply: { toolCalls: [{ name: 'exec', arguments: { command: '{{toolMatch.1}}' } }] },
  },

  // Follow-ups: the tools ran, now answer with what they returned.
  {
    name: 'parallel results',
    when: { hasToolResult: true, minBatchResults: 2 },
    reply: { text: '[scripted-llm] All tools finished. Results:\n{{toolResults}}' },
  },
  {
    name: 'exec result',
    when: { hasToolResult: true, lastToolName: 'exec' },
    reply: { text: '[scripted-llm] The command output was: {{lastToolResult}}' },
  },
  {
    name: 'write_file result',
    when: { hasToolResult: true, lastToolName: 'write_file' },
    reply: { text: '[scripted-llm] Done. The tool said: {{lastToolResult}}' },
  },
  {
    name: 'read_file result',
    when: { hasToolResult: true, lastToolName: 'read_file' },
    reply: { text: '[scripted-llm] The file contains: {{lastToolResult}}' },
  },
  {
    name: 'any tool result',
    when: { hasToolResult: true },
    reply: { text: '[scripted-llm] The {{lastToolName}} tool returned: {{lastToolResult}}' },
  },

  // Prompts that call tools.
  {
    name: 'two commands in parallel',
    when: { toolAvailable: 'exec', lastUserMatches: `\\brun\\s+${Q}(.+?)${Q}\\s+and\\s+${Q}(.+?)${Q}\\s+in\\s+parallel` },
    reply: {
      toolCalls: [
        { name: 'exec', arguments: { command: '{{match.1}}' } },
        { name: 'exec', arguments: { command: '{{match.2}}' } },
      ],
    },
  },
  {
    name: 'two tools in parallel',
    when: { lastUserMatches: '\\buse\\s+(?:the\\s+)?(?:tools?\\s+)?([\\w-]+)\\s+and\\s+([\\w-]+)\\s+in\\s+parallel' },
    reply: {
      toolCalls: [
        { name: '{{match.1}}', arguments: {} },
        { name: '{{match.2}}', arguments: {} },
      ],
    },
  },
  {
    name: 'run a command',
    when: {
      toolAvailable: 'exec',
      lastUserMatches: `\\b(?:run|execute)\\s+(?:the\\s+)?(?:shell\\s+)?(?:command|cmd)\\s*:?\\s*${Q}(.+?)${Q}\\s*$`,
    },
    reply: { toolCalls: [{ name: 'exec', arguments: { command: '{{match.1}}' } }] },
  },
  {
    name: 'slow command',
    when: { toolAvailable: 'exec', lastUserMatches: `${Q}(sleep\\s+\\d+(?:\\.\\d+)?(?:\\s*(?:&&|;)\\s*[^\`"']+)?)${Q}` },
    reply: { toolCalls: [{ name: 'exec', arguments: { command: '{{match.1}}' } }] },
  },
  {
    name: 'create a file',
    when: {
      toolAvailable: 'write_file',
      lastUserMatches: `\\b(?:create|write)\\s+(?:a\\s+)?file\\s+(?:named|called)\\s+${Q}${PATH}${Q}\\s+(?:containing|with(?:\\s+(?:the\\s+)?content)?)\\s*:?\\s+${Q}(.+?)${Q}\\s*$`,
    },
    reply: { toolCalls: [{ name: 'write_file', arguments: { path: '{{match.1}}', content: '{{match.2}}' } }] },
  },
  {
    name: 'write to a file',
    when: {
      toolAvailable: 'write_file',
      lastUserMatches: `\\bwrite\\s+${Q}(.+?)${Q}\\s+(?:to|into)\\s+(?:the\\s+)?(?:file\\s+)?${Q}${PATH}${Q}[.!]?\\s*$`,
    },
    reply: { toolCalls: [{ name: 'write_file', arguments: { path: '{{match.2}}', content: '{{match.1}}' } }] },
  },
  {
    name: 'read a file',
    when: { toolAvailable: 'read_file', lastUserMatches: `\\bread\\s+(?:the\\s+)?file\\s+${Q}${PATH}${Q}` },
    reply: { toolCalls: [{ name: 'read_file', arguments: { path: '{{match.1}}' } }] },
  },

  // Multi-turn memory: answered from the history the request carries.
  {
    name: 'recall a favourite',
    when: { lastUserMatches: "\\bwhat(?:'s| is) my fav(?:ou)?rite \\w+", historyMatches: '\\bmy fav(?:ou)?rite (\\w+) is\\s+([\\w-]+)' },
    reply: { text: '[scripted-llm] Your favourite {{history.1}} is {{history.2}}.' },
  },
  {
    name: 'recall name',
    when: { lastUserMatches: "\\bwhat(?:'s| is) my name\\b", historyMatches: "(?:my|user'?s) name is\\s+([A-Za-z][\\w'-]*)" },
    reply: { text: '[scripted-llm] Your name is {{history.1}}.' },
  },
  {
    name: 'name unknown',
    when: { lastUserMatches: "\\bwhat(?:'s| is) my name\\b" },
    reply: { text: "[scripted-llm] I don't know your name yet. Tell me with \"my name is ...\"." },
  },
  {
    name: 'learn name',
    when: { lastUserMatches: "\\bmy name is\\s+([A-Za-z][\\w'-]*)" },
    reply: { text: "[scripted-llm] Nice to meet you, {{match.1}}! I'll remember that." },
  },
  {
    name: 'recall a note',
    when: {
      lastUserMatches: '\\bwhat did i (?:ask|tell) you to remember\\b',
      historyMatches: '\\bremember(?: that)?\\s+([^\\n.!?]+)',
    },
    reply: { text: '[scripted-llm] You asked me to remember: {{history.1}}.' },
  },
  {
    name: 'remember a note',
    when: { lastUserMatches: '\\bremember(?: that)?\\s+([^\\n.!?]+)' },
    reply: { text: "[scripted-llm] Noted: {{match.1}}. I'll remember that." },
  },

  // Reasoning: a thinking block (Anthropic, when thinking is on) / reasoning_content (OpenAI).
  {
    name: 'think',
    when: { lastUserMatches: '\\bthink\\b' },
    reply: { thinking: 'The user asked me to think. Their words: {{lastUser}}', text: '[scripted-llm] I thought about it. You said: {{lastUser}}' },
  },

  { name: 'echo', reply: { text: '[scripted-llm] You said: {{lastUser}}' } },
];
