import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import winston from "winston";
import { createRedis } from "../redis";
import { freePort } from "../testing/private-redis";
import { eventually } from "../testing/service-process";
import { createTestDeps, type TestDeps } from "../testing/test-deps";
import { createAuthThrottle } from "./auth-throttle";

describe("createAuthThrottle", () => {
  let deps: TestDeps;
  before(async () => {
    deps = await createTestDeps();
  });
  after(async () => {
    await deps.close();
  });
  const config = (perIp: number, perName: number, windowSeconds = 600) => ({
    QUEUE_PREFIX: deps.config.QUEUE_PREFIX,
    AUTH_FAILURES_PER_IP: perIp,
    AUTH_FAILURES_PER_USERNAME: perName,
    AUTH_FAILURE_WINDOW_SECONDS: windowSeconds,
  });

  it("locks an address past its failures until the window ends, then lets it try again", async () => {
    const throttle = createAuthThrottle({ config: config(2, 100, 1), redis: deps.redis, logger: deps.logger });
    const attempt = { ip: "10.0.0.1" };
    assert.equal(await throttle.recordFailure(attempt), null);
    assert.equal(await throttle.recordFailure(attempt), null);
    assert.equal(throttle.check(attempt), null);
    assert.deepEqual(await throttle.recordFailure(attempt), { reason: "address", retryAfterSeconds: 1 });
    assert.equal(throttle.check(attempt)?.reason, "address");
    assert.equal(throttle.check({ ip: "10.0.0.2" }), null);
    await eventually(async () => (throttle.check(attempt) === null ? true : undefined), 5_000, "the window to end");
    assert.equal(await throttle.recordFailure(attempt), null);
  });

  it("turns a limit off at 0", async () => {
    const throttle = createAuthThrottle({ config: config(0, 0), redis: deps.redis, logger: deps.logger });
    for (let n = 0; n < 5; n++) assert.equal(await throttle.recordFailure({ ip: "10.0.1.1", name: "user:x" }), null);
  });

  it("fails open while Redis cannot answer, with one warning", async () => {
    const lines: string[] = [];
    const logger = winston.createLogger({
      transports: [
        new winston.transports.Stream({
          stream: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }),
        }),
      ],
    });
    const down = createRedis(`redis://127.0.0.1:${await freePort()}`, "producer");
    down.on("error", () => undefined);
    try {
      const throttle = createAuthThrottle({ config: config(1, 1), redis: down, logger });
      for (let n = 0; n < 3; n++) assert.equal(await throttle.recordFailure({ ip: "10.0.2.1", name: "user:y" }), null);
      assert.equal(lines.filter((l) => l.includes("sign-in throttle unavailable, failing open")).length, 1);
    } finally {
      down.disconnect();
    }
  });
});
