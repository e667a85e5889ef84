import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { setImmediate as nextTurn } from "node:timers/promises";
import { coalescePerTurn } from "./coalesce";

/**
 * A settle whose batches are held until the test releases them, recording what each batch held; `sent(n)` resolves
 * when the n-th batch (from 1) has been sent.
 */
function heldSettle() {
  const batches: number[][] = [];
  const pending: { items: number[]; release: (fail?: Error) => void }[] = [];
  const waiting = new Map<number, () => void>();
  const settle = (items: number[]) =>
    new Promise<number[]>((resolve, reject) => {
      batches.push(items);
      pending.push({
        items,
        release: (fail) => (fail === undefined ? resolve(items.map((i) => i * 10)) : reject(fail)),
      });
      waiting.get(batches.length)?.();
    });
  const sent = (n: number) =>
    batches.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiting.set(n, resolve));
  return { batches, pending, settle, sent };
}

describe("coalescePerTurn", () => {
  it("settles the calls of one turn as one batch, each caller getting its own result", async () => {
    const held = heldSettle();
    const call = coalescePerTurn<number, number>({ settle: held.settle });
    const results = Promise.all([1, 2, 3].map(call));
    await nextTurn();
    assert.deepEqual(held.batches, [[1, 2, 3]]);
    held.pending[0]!.release();
    assert.deepEqual(await results, [10, 20, 30]);
  });

  it("gathers the calls made while a batch is settling into one batch sent when it settles", async () => {
    const held = heldSettle();
    const call = coalescePerTurn<number, number>({ settle: held.settle });
    const first = call(1);
    await nextTurn();
    assert.deepEqual(held.batches, [[1]], "a lone call on an idle key goes in its turn");
    const later = [call(2), call(3)];
    await nextTurn();
    const more = call(4);
    await nextTurn();
    assert.deepEqual(held.batches, [[1]], "nothing more is sent while the first batch settles");
    held.pending[0]!.release();
    assert.equal(await first, 10);
    await held.sent(2);
    assert.deepEqual(held.batches, [[1], [2, 3, 4]]);
    held.pending[1]!.release();
    assert.deepEqual(await Promise.all([...later, more]), [20, 30, 40]);
  });

  it("keeps keys apart: a key waits only for its own batches", async () => {
    const held = heldSettle();
    const call = coalescePerTurn<number, number>({
      settle: held.settle,
      key: (n) => (n % 2 === 0 ? "even" : "odd"),
    });
    void call(1);
    await nextTurn();
    void call(2);
    void call(3);
    await nextTurn();
    assert.deepEqual(held.batches, [[1], [2]]);
  });

  it("frees the slot of a failed batch, and retries its items one per batch", async () => {
    const held = heldSettle();
    const call = coalescePerTurn<number, number>({ settle: held.settle });
    const failing = [call(1), call(2)];
    await nextTurn();
    const waiting = call(3);
    held.pending[0]!.release(new Error("refused"));
    await nextTurn();
    assert.deepEqual(held.batches, [[1, 2], [1], [2]], "the retries hold the slot");
    held.pending[1]!.release(new Error("refused again"));
    held.pending[2]!.release();
    const [one, two] = await Promise.allSettled(failing);
    assert.equal(one?.status, "rejected");
    assert.deepEqual(two, { status: "fulfilled", value: 20 });
    await held.sent(4);
    assert.deepEqual(held.batches.at(-1), [3]);
    held.pending[3]!.release();
    assert.equal(await waiting, 30);
  });

  it("sends a full batch without waiting for the turn to end, and starts a new one", async () => {
    const held = heldSettle();
    const call = coalescePerTurn<number, number>({ settle: held.settle, maxBatch: 2, maxInFlight: 2 });
    void call(1);
    void call(2);
    assert.deepEqual(held.batches, [[1, 2]]);
    void call(3);
    await nextTurn();
    assert.deepEqual(held.batches, [[1, 2], [3]], "a second batch in flight, as maxInFlight allows");
    void call(4);
    await nextTurn();
    assert.deepEqual(held.batches, [[1, 2], [3]], "a third waits");
    held.pending[0]!.release();
    await held.sent(3);
    assert.deepEqual(held.batches.at(-1), [4]);
  });

  it("never puts two calls with the same identity in one batch, and settles them in order", async () => {
    const held = heldSettle();
    const call = coalescePerTurn<number, number>({ settle: held.settle, identity: (n) => String(n % 2) });
    void call(1);
    void call(3);
    void call(2);
    await nextTurn();
    assert.deepEqual(held.batches, [[1]], "the second batch waits for the first");
    held.pending[0]!.release();
    await held.sent(2);
    assert.deepEqual(held.batches, [[1], [3, 2]]);
  });
});
