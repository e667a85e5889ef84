/**
 * Coalesces the calls made in one turn of the event loop into batches, each settled by one `settle` call (one
 * statement, one round trip): under load many requests or jobs reach the same write together. Each caller gets its
 * own result, once its batch settled.
 */
export type CoalesceOptions<I, O> = {
  /** Settles a batch (all of one `key`); results in the order of `items`. */
  settle: (items: I[], key: string) => Promise<O[]>;
  /** Only items of one key share a batch (default: all). */
  key?: (item: I) => string;
  /** Two items with the same identity never share a batch (a statement updates a row once). */
  identity?: (item: I) => string;
  maxBatch?: number;
  /**
   * A batch of several that failed with this error is settled again one item per batch, so an item the database
   * refuses fails alone. Default: always. Errors where the batch may have been applied (a lost reply) must not be.
   */
  retryAlone?: (err: unknown) => boolean;
};

type Waiter<I, O> = { item: I; resolve: (o: O) => void; reject: (e: unknown) => void };
type Batch<I, O> = { key: string; waiters: Waiter<I, O>[]; identities: Set<string> };

export function coalescePerTurn<I, O>(opts: CoalesceOptions<I, O>): (item: I) => Promise<O> {
  const maxBatch = opts.maxBatch ?? 500;
  let open = new Map<string, Batch<I, O>[]>();
  let scheduled = false;

  const settle = async (key: string, waiters: readonly Waiter<I, O>[]) => {
    const results = await opts.settle(
      waiters.map((w) => w.item),
      key,
    );
    waiters.forEach((w, n) => w.resolve(results[n] as O));
  };

  const run = ({ key, waiters }: Batch<I, O>) => {
    settle(key, waiters).catch((err: unknown) => {
      if (waiters.length === 1 || opts.retryAlone?.(err) === false) {
        for (const w of waiters) w.reject(err);
        return;
      }
      for (const w of waiters) settle(key, [w]).catch(w.reject);
    });
  };

  const flush = () => {
    scheduled = false;
    const batches = open;
    open = new Map();
    for (const list of batches.values()) for (const batch of list) run(batch);
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      const key = opts.key?.(item) ?? "";
      const identity = opts.identity?.(item);
      let list = open.get(key);
      if (list === undefined) open.set(key, (list = []));
      let batch = list.at(-1);
      if (batch === undefined || (identity !== undefined && batch.identities.has(identity))) {
        batch = { key, waiters: [], identities: new Set() };
        list.push(batch);
      }
      batch.waiters.push({ item, resolve, reject });
      if (identity !== undefined) batch.identities.add(identity);
      if (batch.waiters.length >= maxBatch) {
        // Full: settled now, and out of the open set so later items start a new batch.
        list.splice(list.indexOf(batch), 1);
        run(batch);
      } else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
