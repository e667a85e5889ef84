import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { createRedis } from "../redis";
import { runJobId } from "./catalog";
import { createRunEnqueuer } from "./create-run-enqueuer";
import { bullQueueName } from "./run-route";

describe("createRunEnqueuer", () => {
  const prefix = `syt-enq-${randomUUID().slice(0, 8)}`;
  const redis = createRedis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379", "worker");
  let queue: Queue;
  before(() => {
    queue = new Queue("runs", { connection: redis, prefix });
  });
  after(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
  });

  it("adds the jobs of enqueues issued together, each resolving once its jobs are in Redis", async () => {
    const enqueue = createRunEnqueuer(() => queue);
    const batches = [[randomUUID(), randomUUID()], [randomUUID()], [], [randomUUID()]];
    await Promise.all(batches.map((ids) => enqueue(ids)));
    for (const id of batches.flat()) {
      const job = await queue.getJob(runJobId(id));
      assert.equal(job?.name, "execute_run");
      assert.deepEqual(job?.data, { run_id: id });
    }
  });

  it("settles enqueues nobody waited for: Redis holds their jobs, or they were refused", async () => {
    const enqueue = createRunEnqueuer(() => queue);
    const ids = [randomUUID(), randomUUID()];
    // As a webhook answered at its commit: nobody awaits the add.
    for (const id of ids) void enqueue([id]);
    await enqueue.settled();
    for (const id of ids) assert.equal((await queue.getJob(runJobId(id)))?.name, "execute_run");

    const never = createRedis("redis://127.0.0.1:1", "producer");
    never.on("error", () => undefined);
    const unreachable = new Queue("runs", { connection: never, prefix });
    unreachable.on("error", () => undefined);
    try {
      const refused = createRunEnqueuer(() => unreachable, { timeoutMs: 200 });
      const added = refused([randomUUID()]);
      added.catch(() => undefined);
      await refused.settled();
      await assert.rejects(added, /within 200 ms/);
    } finally {
      never.disconnect();
    }
  });

  it("rejects every caller of a batch that Redis refuses", async () => {
    const closed = createRedis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379", "producer", {
      lazyConnect: true,
    });
    const broken = new Queue("runs", { connection: closed, prefix });
    closed.disconnect();
    const enqueue = createRunEnqueuer(() => broken);
    const results = await Promise.allSettled([enqueue([randomUUID()]), enqueue([randomUUID()])]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["rejected", "rejected"],
    );
    await broken.close().catch(() => undefined);
  });

  it("rejects instead of waiting when Redis has never been reachable", async () => {
    const never = createRedis("redis://127.0.0.1:1", "producer");
    never.on("error", () => undefined);
    const unreachable = new Queue("runs", { connection: never, prefix });
    unreachable.on("error", () => undefined);
    try {
      // Past the timeout BullMQ is still waiting for its first connection.
      await assert.rejects(createRunEnqueuer(() => unreachable, { timeoutMs: 200 })([randomUUID()]), /within 200 ms/);
      // With the connection known to be down it does not even wait.
      await assert.rejects(
        createRunEnqueuer(() => unreachable, { connection: never })([randomUUID()]),
        /redis connection is/,
      );
    } finally {
      never.disconnect();
    }
  });

  it("sends each run's job to its queue's BullMQ queue with its priority, the default queue being runs", async () => {
    const reports = new Queue(bullQueueName("reports"), { connection: redis, prefix });
    try {
      const enqueue = createRunEnqueuer((name) => (name === "reports" ? reports : queue));
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      await enqueue([
        { id: a, queue: "default", priority: 5 },
        { id: b, queue: "reports", priority: 1 },
        { id: c, queue: "reports", priority: 10 },
      ]);
      assert.equal(bullQueueName("default"), "runs");
      assert.equal((await queue.getJob(runJobId(a)))?.opts.priority, 5);
      assert.equal(await queue.getJob(runJobId(b)), undefined);
      assert.equal((await reports.getJob(runJobId(b)))?.opts.priority, 1);
      assert.equal((await reports.getJob(runJobId(c)))?.opts.priority, 10);
      // Every job is prioritized (none in the plain waiting list, which BullMQ would serve first).
      assert.deepEqual(await reports.getJobCounts("waiting", "prioritized"), { waiting: 0, prioritized: 2 });
    } finally {
      await reports.obliterate({ force: true });
      await reports.close();
    }
  });
});
