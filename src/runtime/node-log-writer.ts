import type { LogLevel } from '../lib/logger';

/** Lines held before a write even within one turn of the event loop. */
const MAX_PENDING_CHARS = 64 * 1024;
/** How long an info or debug line may wait for the lines after it (warnings and errors go at the next turn). */
const INFO_DELAY_MS = 50;

/**
 * Log lines for Node, written in batches instead of once per line: under load a gateway logs a line per
 * request, and each write to a file or pipe is a system call — one per turn of the event loop was still
 * one per request when requests arrive one at a time. Info and debug lines wait up to `delayMs` for the
 * next ones; a warning or an error is written at the next turn, with whatever waits before it. Lines
 * still pending when the process exits are written then; warnings and errors go to stderr.
 */
export function batchedLogWriter(
  stdout: { write(text: string): unknown } = process.stdout,
  stderr: { write(text: string): unknown } = process.stderr,
  delayMs = INFO_DELAY_MS,
): (line: string, level: LogLevel) => void {
  let out = '';
  let err = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let immediate: ReturnType<typeof setImmediate> | undefined;
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    if (immediate !== undefined) clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
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
    const urgent = level === 'error' || level === 'warn';
    if (urgent) err += `${line}\n`;
    else out += `${line}\n`;
    if (out.length + err.length >= MAX_PENDING_CHARS) flush();
    else if (urgent) immediate ??= setImmediate(flush);
    else if (timer === undefined && immediate === undefined) {
      timer = setTimeout(flush, delayMs);
      // Pending lines never keep a finished process alive: they are written at exit.
      timer.unref();
    }
  };
}
