import type { Db } from "../db";
import { createGraphPlan, type GraphPlan } from "../engine/create-graph-plan";
import type { NodeRegistry } from "../engine/node-registry";
import { InvalidGraphError } from "../engine/validate-graph";

/** A version ready to execute: its plan, or the first problem that keeps it from running. */
export type ExecutableVersion =
  { ok: true; plan: GraphPlan; runnableConfig: unknown } | { ok: false; error: string; runnableConfig: unknown };

export type VersionCache = { load: (versionId: string) => Promise<ExecutableVersion | null> };

/**
 * Versions are immutable, so each is read and planned once per process. Concurrent first loads share one
 * query; a failed query is not cached. The size bound only costs a re-read.
 */
export function createVersionCache(db: Db, registry: NodeRegistry, maxEntries = 1_000): VersionCache {
  const cache = new Map<string, Promise<ExecutableVersion | null>>();
  const read = async (versionId: string): Promise<ExecutableVersion | null> => {
    const row = await db.workflowVersion.findUnique({
      where: { id: versionId },
      select: { graph: true, runnableConfig: true },
    });
    if (row === null) return null;
    try {
      return { ok: true, plan: createGraphPlan(row.graph, registry), runnableConfig: row.runnableConfig };
    } catch (err) {
      if (!(err instanceof InvalidGraphError)) throw err;
      const first = err.problems[0];
      // Versions are validated when created; this catches older rows and node types no longer registered.
      return { ok: false, error: first?.message ?? "invalid graph", runnableConfig: row.runnableConfig };
    }
  };
  return {
    load: (versionId) => {
      let entry = cache.get(versionId);
      if (entry === undefined) {
        entry = read(versionId);
        if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
        cache.set(versionId, entry);
        entry.then(
          (v) => v === null && cache.delete(versionId),
          () => cache.delete(versionId),
        );
      }
      return entry;
    },
  };
}
