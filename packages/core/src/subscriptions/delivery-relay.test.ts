import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "../engine/testing/start-test-server";
import { secretBoxFor } from "../secrets/secret-box";
import { eventually } from "../testing/service-process";
import { createTestDeps } from "../testing/test-deps";
import { startDeliveryRelay } from "./delivery-relay";
import { listDeliveries } from "./list-deliveries";
import { createSubscription } from "./subscription-store";

const insertDelivery = async (deps: Awaited<ReturnType<typeof createTestDeps>>, subscriptionId: string) =>
  (
    await deps.db.pool.query<{ id: string }>(
      `INSERT INTO event_deliveries (subscription_id, event_type, body)
       VALUES ($1, 'run.failed', '{"type":"run.failed","timestamp":"2026-12-03T00:00:00.000Z","data":{}}')
       RETURNING id::text AS id`,
      [subscriptionId],
    )
  ).rows[0]!.id;

const attemptsOf = async (
  deps: Awaited<ReturnType<typeof createTestDeps>>,
  subscriptionId: string,
  deliveryId: string,
) => {
  const { deliveries } = await listDeliveries(deps.db, { subscriptionId, limit: 10 });
  const delivery = deliveries.find((d) => d.id === deliveryId);
  return (delivery?.attempt_log ?? []).map((a) => ({
    outcome: a.status,
    error: a.error,
    response_code: a.response_code,
  }));
};

describe("the delivery relay", () => {
  it("refuses a receiver on a private address with SUBSCRIPTION_ALLOW_PRIVATE=false, and reaches it by default", async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    server.route("/hook", () => ({ status: 204 }));
    for (const allowPrivate of [false, true]) {
      const deps = await createTestDeps({
        SUBSCRIPTION_ALLOW_PRIVATE: String(allowPrivate),
        SUBSCRIPTION_POLL_MS: "50",
        SUBSCRIPTION_RETRY_SCALE: "1",
      });
      const relay = await startDeliveryRelay(deps);
      try {
        const { subscription } = await createSubscription(
          deps.db,
          secretBoxFor(deps.config),
          { url: `${server.url}/hook`, events: ["run.failed"] },
          "test",
        );
        const deliveryId = await insertDelivery(deps, subscription.id);
        const [attempt] = await eventually(async () => {
          const rows = await attemptsOf(deps, subscription.id, deliveryId);
          return rows.length > 0 ? rows : undefined;
        });
        if (allowPrivate) {
          assert.deepEqual(attempt, { outcome: "succeeded", error: null, response_code: 204 });
        } else {
          assert.equal(attempt!.outcome, "failed");
          assert.equal(attempt!.response_code, null);
          assert.match(attempt!.error ?? "", /127\.0\.0\.1 is a loopback address/);
        }
      } finally {
        await relay.close();
        await deps.close();
      }
    }
    assert.equal(server.requests.length, 1);
  });
});
