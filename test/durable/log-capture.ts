// Captures everything the worker logs in this test process, the way a production worker logs:
// our pino logger (redaction on) for activities and providers, and the Temporal SDK's own logs
// routed through it by installTemporalLogging. Import this FIRST in a test file: the Temporal
// runtime takes its logger once, and test/helpers/temporal.ts would otherwise install its own.
import { createLogger } from '../../src/logger.js';
import { installTemporalLogging } from '../../src/temporal/temporal-logging.js';

export const capturedLogLines: string[] = [];

export const captureLogger = createLogger({
  level: 'trace',
  destination: {
    write: (line: string) => {
      capturedLogLines.push(line);
    },
  },
});

installTemporalLogging(captureLogger);
