import type { NewRequestLog, RequestLogSink } from '../db/queries/request-logs';
import type { Logger } from '../lib/logger';

export interface RequestLogWriterOptions {
  /** How long a row may wait for its batch. */
  flushIntervalMs?: number;
  /** Rows per insert; a full batch is written at once. */
  batchSize?: number;
  /** Rows held while the database is slow or down; past this new rows are dropped (and counted). */
  maxBuffered?: number;
}

/**
 * Buffers request logs and writes them in batches, off the request path: a request only encodes its row
 * (one string) and appends it to an array. A failed write is logged and its rows dropped, so logging never
 * fails or slows a call.
 */
export class RequestLogWriter {
  private buffer: string[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  /** Rows dropped because the buffer was full or their write failed (logged as they go). */
  dropped = 0;

  constructor(
    /** Encodes a row and writes a batch (`requestLogSink` of the gateway's database). */
    private readonly sink: RequestLogSink,
    private readonly logger: Logger,
    options: RequestLogWriterOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.batchSize = options.batchSize ?? 500;
    this.maxBuffered = options.maxBuffered ?? 20_000;
  }

  add(row: NewRequestLog): void {
    if (this.buffer.length >= this.maxBuffered) {
      this.dropped++;
      return;
    }
    this.buffer.push(this.sink.encode(row));
    if (this.buffer.length >= this.batchSize) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushIntervalMs);
      // Node: a pending batch must not keep a finished process alive (close() writes it).
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /** Writes everything buffered so far; resolves once written (or given up). Never rejects. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const rows = this.buffer;
    if (rows.length === 0) return this.writing;
    this.buffer = [];
    // One write at a time, in order: a slow database gets fewer, larger batches.
    this.writing = this.writing.then(() => this.write(rows));
    return this.writing;
  }

  private async write(rows: string[]): Promise<void> {
    for (let start = 0; start < rows.length; start += this.batchSize) {
      const batch = rows.slice(start, start + this.batchSize);
      try {
        await this.sink.write(batch);
      } catch (error) {
        this.dropped += batch.length;
        this.logger.warn('could not write request logs; dropped them', {
          rows: batch.length,
          error: error instanceof Error ? error.name : 'unknown',
        });
      }
    }
  }
}
