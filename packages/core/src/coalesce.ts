/**
 * Coalesces the calls made in one turn of the event loop into batches, each settled by one `settle` call (one
 * statement, one round trip): under load many requests or jobs reach the same write together. Each caller gets its
 * own result, once its batch settled.
 *
 * A key's batches also wait for their turn: while `maxInFlight` of them (one by default) are being settled, the calls
 * of later turns gather into the next batch, which goes as soon as one settles. A lone call on an idle key still goes
 * in the turn it was made; under load the statements grow instead of multiplying (group commit), and the batches of
 * one key, two calls with the same identity included, are settled in the order they were made.
 */
export type CoalesceOptions<I, O> = {
  /** Settles a batch (all of one `key`); results in the order of `items`. */
  settle: (items: I[], key: string) => Promise<O[]>;
  /** Only items of one key share a batch (default: all). */
  key?: (item: I) => string;
  /** Two items with the same identity never share a batch (a statement updates a row once). */
  identity?: (item: I) => string;
  maxBatch?: number;
  /** Batches of one key settled at the same time, at most (default 1). */
  maxInFlight?: number;
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
  const maxInFlight = opts.maxInFlight ?? 1;
  /** Batches not sent yet, by key: the last one of a key takes new items until it is full. */
  const open = new Map<string, Batch<I, O>[]>();
  const inFlight = new Map<string, number>();
  let scheduled = false;

  const settle = async (key: string, waiters: readonly Waiter<I, O>[]) => {
    const results = await opts.settle(
      waiters.map((w) => w.item),
      key,
    );
    waiters.forEach((w, n) => w.resolve(results[n] as O));
  };

  const settleOrRetry = async ({ key, waiters }: Batch<I, O>) => {
    try {
      await settle(key, waiters);
    } catch (err) {
      if (waiters.length === 1 || opts.retryAlone?.(err) === false) {
        for (const w of waiters) w.reject(err);
        return;
      }
      await Promise.all(waiters.map((w) => settle(key, [w]).catch(w.reject)));
    }
  };

  const run = (batch: Batch<I, O>) => {
    const { key } = batch;
    inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
    void settleOrRetry(batch).finally(() => {
      const left = (inFlight.get(key) ?? 1) - 1;
      if (left === 0) inFlight.delete(key);
      else inFlight.set(key, left);
      // The calls that waited for this batch go in the next turn, with whatever else that turn brings.
      if (open.has(key)) schedule();
    });
  };

  /** Sends a key's batches while it has room in flight; those left wait for one in flight to settle. */
  const send = (key: string, list: Batch<I, O>[]) => {
    while (list.length > 0 && (inFlight.get(key) ?? 0) < maxInFlight) run(list.shift()!);
    if (list.length === 0) open.delete(key);
  };

  const flush = () => {
    scheduled = false;
    for (const [key, list] of [...open]) send(key, list);
  };

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      const key = opts.key?.(item) ?? "";
      const identity = opts.identity?.(item);
      let list = open.get(key);
      if (list === undefined) open.set(key, (list = []));
      let batch = list.at(-1);
      if (
        batch === undefined ||
        batch.waiters.length >= maxBatch ||
        (identity !== undefined && batch.identities.has(identity))
      ) {
        batch = { key, waiters: [], identities: new Set() };
        list.push(batch);
      }
      batch.waiters.push({ item, resolve, reject });
      if (identity !== undefined) batch.identities.add(identity);
      // Full: sent now if the key has room, rather than waiting for the turn to end.
      if (batch.waiters.length >= maxBatch && list[0] === batch) send(key, list);
      else schedule();
    });
}
