import type { LogLevel } from '../lib/logger';

/** Lines held before a write even within one turn of the event loop. */
const MAX_PENDING_CHARS = 64 * 1024;

/**
 * Log lines for Node, written once per turn of the event loop instead of once per line: under load a
 * gateway logs a line per request, and each write to a file or pipe is a system call. Lines still
 * pending when the process exits are written then; warnings and errors go to stderr.
 */
export function batchedLogWriter(
  stdout: { write(text: string): unknown } = process.stdout,
  stderr: { write(text: string): unknown } = process.stderr,
): (line: string, level: LogLevel) => void {
  let out = '';
  let err = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (out !== '') {
      const text = out;
      out = '';
      stdout.write(text);
    }
    if (err !== '') {
      const text = err;
      err = '';
      stderr.write(text);
    }
  };
  process.on('exit', flush);
  return (line, level) => {
    if (level === 'error' || level === 'warn') err += `${line}\n`;
    else out += `${line}\n`;
    if (out.length + err.length >= MAX_PENDING_CHARS) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}
