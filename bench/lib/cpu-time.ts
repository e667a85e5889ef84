import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/** CPU time (user + system) a process has used so far, in ms; null once it is gone. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
  } catch {
    return null;
  }
}

/** Pids whose command line matches: Postgres backends name their database in it. */
function pidsWhere(match: (cmdline: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      if (match(cmdline)) pids.push(Number(entry));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return pids;
}

/** The processes a webhook run costs CPU in, beyond the api and the worker. */
export type CpuGroups = Record<string, number[]>;

export function serverPids(database: string): CpuGroups {
  return {
    // The bench database's backends, and the server processes that write its WAL.
    postgres: pidsWhere(
      (c) =>
        c.startsWith("postgres: ") &&
        (c.includes(` ${database} `) || /walwriter|checkpointer|background writer/.test(c)),
    ),
    redis: pidsWhere((c) => c.startsWith("redis-server")),
  };
}

/**
 * CPU ms of each group of processes between this call and `stop(per)`, divided by `per` (runs). A process that
 * appears in between counts from zero; one that exits in between loses what it used since the start.
 */
export function measureCpu(groups: () => CpuGroups): { stop: (per: number) => Record<string, number> } {
  const startOf = new Map<number, number>();
  for (const pids of Object.values(groups())) for (const pid of pids) startOf.set(pid, cpuMs(pid) ?? 0);
  const selfStart = process.cpuUsage();
  return {
    stop: (per) => {
      const perRun: Record<string, number> = {};
      for (const [name, pids] of Object.entries(groups())) {
        const used = pids.reduce((total, pid) => {
          const now = cpuMs(pid);
          return now === null ? total : total + now - (startOf.get(pid) ?? 0);
        }, 0);
        perRun[name] = round2(used / per);
      }
      const self = process.cpuUsage(selfStart);
      perRun.load_generator = round2((self.user + self.system) / 1000 / per);
      return perRun;
    },
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
