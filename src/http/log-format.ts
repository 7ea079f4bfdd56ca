import type { DestinationStream } from 'pino';
import type { GatewayConfig } from '../config/config.js';

/** Where the logs are read decides their form: a developer's terminal, or a collector. */
export interface LogOutput {
  production: boolean;
  /** stdout is a terminal (process.stdout.isTTY). */
  terminal: boolean;
  /** Colour when the terminal takes it (NO_COLOR unset). */
  colour: boolean;
  /** Pretty lines go here instead of stdout (tests read them). */
  stream?: NodeJS.WritableStream;
}

/**
 * LOG_FORMAT when set; unset, pretty only for a person at a terminal outside production. A pipe,
 * a file, a container's log driver and production all get JSON lines.
 */
export function resolveLogFormat(format: GatewayConfig['logFormat'], output: LogOutput): 'json' | 'pretty' {
  if (format !== 'auto') return format;
  return output.terminal && !output.production ? 'pretty' : 'json';
}

/**
 * The stream pino writes to: undefined for JSON (pino's own, synchronous stdout), or pino-pretty
 * writing one line per event to stdout, in colour only on a terminal. pino redacts before either
 * sees a line, so both hide the same secrets. Loaded only when pretty: production never pays for it.
 */
export async function logDestination(format: GatewayConfig['logFormat'], output: LogOutput): Promise<DestinationStream | undefined> {
  if (resolveLogFormat(format, output) === 'json') return undefined;
  const { default: pretty } = await import('pino-pretty');
  return pretty({
    destination: output.stream ?? 1,
    // Synchronous like pino's own stdout: the last lines before process.exit are not lost.
    sync: true,
    colorize: output.terminal && output.colour,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    // An error joins its event's line (type, message, where it was thrown), not a stack below it;
    // LOG_FORMAT=json has the whole stack.
    ignore: 'service,err',
    messageFormat: (log, messageKey) => {
      const message = String(log[messageKey] ?? '');
      return log.err === undefined ? message : `${message}: ${errorSummary(log.err)}`;
    },
  });
}

/** `TypeError: message (at file:line:column)`: the first frame of the gateway's own code. */
function errorSummary(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { type, message, stack, code } = error as { type?: string; message?: string; stack?: string; code?: string };
  const where = stack
    ?.split('\n')
    .map((line) => /^\s*at .*?\(?([^()\s]+:\d+:\d+)\)?$/.exec(line)?.[1])
    .find((location) => location !== undefined && !location.includes('node_modules') && !location.startsWith('node:'));
  const text = `${type ?? 'Error'}${code ? ` ${code}` : ''}: ${message ?? ''}`.replace(/\s*\n\s*/g, ' ');
  return where ? `${text} (at ${where})` : text;
}
