import assert from "node:assert/strict";
import { test } from "node:test";
import { Redis } from "ioredis";
import { startPrivateRedis } from "@switchyard/core/testing/private-redis";

test("a private Redis restarts empty on the same port", async (t) => {
  const server = await startPrivateRedis();
  t.after(() => server.stop());
  const client = new Redis(server.url, { maxRetriesPerRequest: null });
  client.on("error", () => undefined);
  t.after(() => client.disconnect());
  await client.set("k", "v");
  await server.restart();
  // The client reconnects by itself; the key did not survive.
  assert.equal(await client.get("k"), null);
});
