import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import { createRedis } from "./redis";
import { startPrivateRedis, type PrivateRedis } from "./testing/private-redis";

const NAME = "sy-scripted";

/** A RESP reply: null, a string, or an array of them. */
type Reply = null | string | Reply[];

function encode(reply: Reply): string {
  if (reply === null) return "*-1\r\n";
  if (typeof reply === "string") return `$${Buffer.byteLength(reply)}\r\n${reply}\r\n`;
  return `*${reply.length}\r\n${reply.map(encode).join("")}`;
}

/** The commands complete in `buffer` (arrays of bulk strings, as clients send them) and what is left over. */
function parseCommands(buffer: string): { commands: string[][]; rest: string } {
  const commands: string[][] = [];
  let at = 0;
  for (;;) {
    const head = buffer.indexOf("\r\n", at);
    if (head === -1 || buffer[at] !== "*") break;
    const count = Number(buffer.slice(at + 1, head));
    let pos = head + 2;
    const args: string[] = [];
    for (let i = 0; i < count; i++) {
      const lenEnd = buffer.indexOf("\r\n", pos);
      if (lenEnd === -1) break;
      const len = Number(buffer.slice(pos + 1, lenEnd));
      if (buffer.length < lenEnd + 2 + len + 2) break;
      args.push(buffer.slice(lenEnd + 2, lenEnd + 2 + len));
      pos = lenEnd + 2 + len + 2;
    }
    if (args.length < count) break;
    commands.push(args);
    at = pos;
  }
  return { commands, rest: buffer.slice(at) };
}

/**
 * A sentinel the test scripts: it names `master`, can hold its answers (a sentinel slow to answer, as when a
 * connection is reconnecting during a failover) and announces `+switch-master` when told.
 */
async function startScriptedSentinel(master: { port: number }) {
  let current = master;
  let holding = false;
  const held: (() => void)[] = [];
  let questions = 0;
  const subscribers = new Set<Socket>();
  /** Waiters for a count (of questions, of subscribers) to reach a number. */
  const waiters: { reached: () => boolean; resolve: () => void }[] = [];
  const wake = () => {
    for (const w of waiters.filter((w) => w.reached())) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  const until = (reached: () => boolean) =>
    new Promise<void>((resolve) => {
      waiters.push({ reached, resolve });
      wake();
    });
  const server = createServer((socket) => {
    let buffer = "";
    socket.on("error", () => undefined);
    socket.on("close", () => {
      subscribers.delete(socket);
      wake();
    });
    socket.on("data", (chunk) => {
      const { commands, rest } = parseCommands(buffer + chunk.toString("latin1"));
      buffer = rest;
      for (const [name = "", ...args] of commands) {
        const command = `${name} ${args[0] ?? ""}`.toLowerCase();
        if (command === "sentinel get-master-addr-by-name") {
          const answer = () => socket.write(encode(["127.0.0.1", String(current.port)]));
          if (holding) held.push(answer);
          else answer();
          questions++;
          wake();
        } else if (command === "sentinel sentinels") socket.write(encode([]));
        else if (name.toLowerCase() === "subscribe") {
          subscribers.add(socket);
          socket.write(`*3\r\n$9\r\nsubscribe\r\n${encode(args[0] ?? "")}:1\r\n`);
          wake();
        } else socket.write("-ERR unknown command\r\n");
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    /** Resolves once `count` connections are subscribed to its announcements. */
    subscribed: (count: number) => until(() => subscribers.size >= count),
    /** Resolves once no connection is subscribed any more. */
    unsubscribed: () => until(() => subscribers.size === 0),
    /** Resolves once `count` more questions for the master's address have come in. */
    asked: (count: number) => {
      const target = questions + count;
      return until(() => questions >= target);
    },
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      held.splice(0).forEach((answer) => answer());
    },
    /** Names `next` as the master from now on and announces it, as a sentinel does at the end of a failover. */
    switchTo: (next: { port: number }) => {
      const message = `${NAME} 127.0.0.1 ${current.port} 127.0.0.1 ${next.port}`;
      current = next;
      for (const socket of subscribers) {
        socket.write(`*3\r\n$7\r\nmessage\r\n${encode("+switch-master")}${encode(message)}`);
      }
    },
    close: async () => {
      for (const socket of subscribers) socket.destroy();
      server.close();
    },
  };
}

describe("a Sentinel connection through a failover", { timeout: 30_000 }, () => {
  let first: PrivateRedis;
  let second: PrivateRedis;
  before(async () => {
    [first, second] = await Promise.all([startPrivateRedis(), startPrivateRedis()]);
  });
  after(async () => {
    await Promise.all([first.stop(), second.stop()]);
  });

  const connect = (sentinelPort: number, role: "producer" | "worker") => {
    const redis = createRedis(
      {
        REDIS_URL: "redis://127.0.0.1:6379",
        REDIS_SENTINELS: [{ host: "127.0.0.1", port: sentinelPort }],
        REDIS_SENTINEL_MASTER: NAME,
      },
      role,
    );
    assert.ok(redis instanceof Redis);
    redis.on("error", () => undefined);
    return redis;
  };
  /** Resolves once `redis` is ready; rejects if it ends instead (it would never reconnect). */
  const ready = (redis: Redis) =>
    new Promise<void>((resolve, reject) => {
      if (redis.status === "ready") return resolve();
      redis.once("ready", () => resolve());
      redis.once("end", () => reject(new Error(`the connection ended (${redis.status})`)));
    });

  for (const role of ["producer", "worker"] as const) {
    it(`reaches the new master when +switch-master arrives while it is reconnecting (${role})`, async () => {
      const sentinel = await startScriptedSentinel(first);
      const redis = connect(sentinel.port, role);
      const duplicate = redis.duplicate();
      duplicate.on("error", () => undefined);
      try {
        await Promise.all([ready(redis), ready(duplicate), sentinel.subscribed(2)]);
        await redis.set("k", "first");
        // Both connections lost their master and are asking the sentinel where it is now, when it announces it.
        sentinel.hold();
        const asked = sentinel.asked(2);
        await first.kill();
        await asked;
        sentinel.switchTo(second);
        sentinel.release();
        await Promise.all([ready(redis), ready(duplicate)]);
        assert.equal(await redis.set("k", "second"), "OK");
        assert.equal(await duplicate.get("k"), "second");
        assert.equal(redis.stream.remotePort, second.port);
      } finally {
        redis.disconnect();
        duplicate.disconnect();
        await sentinel.close();
        await first.restart();
      }
    });
  }

  it("moves a connection that is up to the master a sentinel announces", async () => {
    const sentinel = await startScriptedSentinel(first);
    const redis = connect(sentinel.port, "producer");
    try {
      await Promise.all([ready(redis), sentinel.subscribed(1)]);
      const moved = once(redis, "ready");
      sentinel.switchTo(second);
      await moved;
      assert.equal(redis.stream.remotePort, second.port);
      assert.equal(await redis.set("k", "moved"), "OK");
    } finally {
      redis.disconnect();
      await sentinel.close();
    }
  });

  it("closes its sentinel subscribers with the connection, also when it quits (as BullMQ closes its own)", async () => {
    const sentinel = await startScriptedSentinel(first);
    const redis = connect(sentinel.port, "worker");
    const duplicate = redis.duplicate();
    try {
      await Promise.all([ready(redis), ready(duplicate), sentinel.subscribed(2)]);
      await duplicate.quit();
      redis.disconnect();
      await sentinel.unsubscribed();
    } finally {
      redis.disconnect();
      duplicate.disconnect();
      await sentinel.close();
    }
  });
});
