import { spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";

export type Services = {
  api: ServiceProcess;
  apiUrl: string;
  workers: ServiceProcess[];
  beats: ServiceProcess[];
  /** true while none of the processes has exited. */
  allAlive: () => boolean;
  stop: () => Promise<void>;
};

/**
 * Spawns an api (on a port of its own), `workers` workers and `beats` beats with `env`. Resolves once the api
 * listens (the beats call it); it does not wait for Redis, which may be down on purpose.
 */
export async function spawnServices(
  env: Record<string, string>,
  counts: { workers?: number; beats?: number } = {},
): Promise<Services> {
  const base = { RECONCILE_AFTER_SECONDS: "1", RECONCILE_INTERVAL_SECONDS: "1", ...env, LOG_LEVEL: "info" };
  const api = spawnService("api", { ...base, PORT: "0" });
  const listening = await api.waitForLog((l) => l.message === "api listening", 60_000);
  const apiUrl = `http://127.0.0.1:${String(listening.port)}`;
  const workers = Array.from({ length: counts.workers ?? 1 }, (_, i) =>
    spawnService("worker", { ...base, WORKER_ID: `fault-worker-${i}` }),
  );
  const beats = Array.from({ length: counts.beats ?? 1 }, () => spawnService("beat", { ...base, API_URL: apiUrl }));
  const all = [api, ...workers, ...beats];
  return {
    api,
    apiUrl,
    workers,
    beats,
    allAlive: () => all.every((p) => p.proc.exitCode === null && p.proc.signalCode === null),
    stop: async () => {
      await Promise.all(all.map((p) => p.stop()));
    },
  };
}
