import { Router } from "express";
import type { Deps } from "@switchyard/core/deps";
import { withTimeout } from "@switchyard/core/with-timeout";
import { listLiveWorkers } from "@switchyard/core/workers/list-live-workers";

export function systemRoutes({ db, redis }: Deps): Router {
  const router = Router();
  router.get("/api/system/health", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const [pg, rd] = await Promise.allSettled([
      withTimeout(db.$queryRawUnsafe("SELECT 1"), 2_000),
      withTimeout(redis.ping(), 2_000),
    ]);
    const checks = {
      postgres: pg.status === "fulfilled" ? "ok" : "unavailable",
      redis: rd.status === "fulfilled" ? "ok" : "unavailable",
    };
    const ok = pg.status === "fulfilled" && rd.status === "fulfilled";
    res.status(ok ? 200 : 503).json({ status: ok ? "ok" : "unavailable", checks });
  });
  return router;
}

/** The live workers registry (behind the API's auth): each with its active runs and last heartbeat. */
export function systemWorkerRoutes({ db, config }: Deps): Router {
  const router = Router();
  router.get("/system/workers", async (_req, res) => {
    res.json({ workers: await listLiveWorkers(db, new Date(), config.RUN_LEASE_HEARTBEAT_SECONDS) });
  });
  return router;
}
