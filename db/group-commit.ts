// Group commit: writes that arrive while one is in flight wait and go together
// in the next one. Each write on this machine costs a round trip, a commit and
// a WAL flush, most of it the same whether it carries one row or fifty; under
// load the rows share them, and under light load a batch is one row, as before.
// Each caller's promise settles when its own row is committed.

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions<T> {
  /** Writes the batch in one statement; it must be all or nothing. */
  flush: (items: T[]) => Promise<void>;
  /** Items with the same key never share a batch, so they commit in the order they came. */
  keyOf?: (item: T) => string;
  /** Most items per statement: bounds its size and its lock set. */
  maxBatch?: number;
  /** Batches in flight at once: one slow statement does not hold up everything. */
  maxInFlight?: number;
}

export class GroupCommit<T> {
  private queue: Pending<T>[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  constructor(private readonly opts: GroupCommitOptions<T>) {
    this.maxBatch = opts.maxBatch ?? 200;
    this.maxInFlight = opts.maxInFlight ?? 2;
  }

  write(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.inFlight < this.maxInFlight) void this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.inFlight++;
    try {
      while (this.queue.length > 0) {
        const batch: Pending<T>[] = [];
        const later: Pending<T>[] = [];
        const keys = new Set<string>();
        for (const p of this.queue) {
          const key = this.opts.keyOf?.(p.item);
          if (batch.length >= this.maxBatch || (key !== undefined && keys.has(key))) later.push(p);
          else {
            if (key !== undefined) keys.add(key);
            batch.push(p);
          }
        }
        this.queue = later;
        await this.flushBatch(batch);
      }
    } finally {
      this.inFlight--;
    }
  }

  private async flushBatch(batch: Pending<T>[]): Promise<void> {
    try {
      await this.opts.flush(batch.map((p) => p.item));
      for (const p of batch) p.resolve();
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // One bad item must not fail the others: write them one by one.
      for (const p of batch) await this.flushBatch([p]);
    }
  }
}
