import { runLlmServerCommand } from '../scripted-llm/index.js';

export const LLM_SERVER_HELP = `Usage: exoclaw-temporal llm-server [--port 8790] [--host 127.0.0.1] [--script rules.json] [--verbose]

Starts the scripted LLM server (OpenAI and Anthropic wire formats, loopback only) so workers
run with no API key. Point a worker at it:
  EXOCLAW_SCRIPTED_LLM_URL=http://127.0.0.1:8790 exoclaw-temporal worker --model scripted/scripted-llm
Runs until Ctrl-C.`;

export async function llmServerCommand(argv: string[]): Promise<number> {
  await runLlmServerCommand(argv);
  return 0;
}
