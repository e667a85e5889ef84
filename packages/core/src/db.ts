import { createHash } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/prisma/client";
import type { Prisma } from "./generated/prisma/client";
import type { Config } from "./config";
import { pgConnectionOptions } from "./db-url";

/**
 * Prisma for the many ordinary queries, and its `pg` pool for the hot path (creating, starting and finishing
 * runs, the webhook lookup): through the driver adapter a raw query costs several times the CPU of the same query
 * on `pg`. Both share one pool, so the process holds DATABASE_POOL_SIZE connections, not twice that.
 */
export type Db = PrismaClient & { readonly pool: pg.Pool };
export { Prisma } from "./generated/prisma/client";

/** A `pg` connection checked out of the pool, inside a transaction opened by `withTransaction`. */
export type SqlTransaction = pg.PoolClient;

/** Anything a data-access function can run a statement on. */
export type Queryable = Db | Prisma.TransactionClient | SqlTransaction;

export type DbConfig = Pick<Config, "DATABASE_URL" | "DATABASE_POOL_SIZE"> &
  Partial<Pick<Config, "DATABASE_CONNECT_TIMEOUT_MS" | "DATABASE_STATEMENT_TIMEOUT_MS" | "DATABASE_POOLER">>;

export function createDb(config: DbConfig): Db {
  const statementTimeout = config.DATABASE_STATEMENT_TIMEOUT_MS ?? 30_000;
  const pooled = config.DATABASE_POOLER === "transaction";
  const pool = new pg.Pool({
    ...pgConnectionOptions(config.DATABASE_URL),
    max: config.DATABASE_POOL_SIZE,
    // A request never hangs on a dead database: connecting and each statement are bounded. The server enforces
    // statement_timeout; query_timeout is the client's own bound for a server that stopped answering (a network
    // partition sends no reset), a little later so the server's cancel wins when it can. A transaction-mode pooler
    // refuses the startup parameter: behind one the pooler or the role sets it (docs/scaling.md).
    connectionTimeoutMillis: config.DATABASE_CONNECT_TIMEOUT_MS ?? 5_000,
    ...(!pooled && { statement_timeout: statementTimeout }),
    // No JIT: every statement here is short, and on a large database the planner's cost estimates pass
    // jit_above_cost, so Postgres spent hundreds of milliseconds compiling each of them (a run event read took 290 ms
    // instead of 2). Behind a pooler the role or the pooler sets it (docs/scaling.md).
    ...(!pooled && { options: "-c jit=off" }),
    query_timeout: statementTimeout + 5_000,
    keepAlive: true,
  });
  // An idle connection the server closed (a restart, a dropped database) is discarded by the pool and replaced on
  // the next query; without a listener its 'error' event would crash the process.
  pool.on("error", () => undefined);
  if (pooled) pool.on("connect", unnameStatements);
  const client = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  const disconnect = client.$disconnect.bind(client);
  return Object.assign(client, {
    pool,
    // Prisma ends the pool only if it ever connected; the hot path may have used the pool alone.
    $disconnect: async () => {
      await disconnect();
      if (!pool.ended) await pool.end();
    },
  });
}

/**
 * Behind a transaction-mode pooler consecutive transactions of one client land on different server connections, so
 * a statement prepared on one is unknown on the next: every statement of this client goes unnamed (parsed each
 * time, in the same round trip). Applied per connection, so direct mode keeps its prepared statements at no cost.
 */
function unnameStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const unnamed = (config: unknown, ...rest: unknown[]) => {
    if (typeof config === "object" && config !== null && "name" in config && !("submit" in config)) {
      const { name: _name, ...statement } = config as pg.QueryConfig;
      return query(statement, ...rest);
    }
    return query(config, ...rest);
  };
  client.query = unnamed as typeof client.query;
}

const statementNames = new Map<string, string>();

/**
 * A named (prepared) statement per distinct SQL text: each connection parses it once. Names derive from the text,
 * so the same name never stands for two texts.
 */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `sy_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * The rows of one statement, on `pg` wherever it can (the pool of a `Db`, or a `withTransaction` client) and
 * through Prisma inside a Prisma transaction. `pg` and Prisma's adapter decode the same way (timestamptz → Date,
 * json → values), so callers see the same rows either way. `prepare`: the text is fixed, keep it prepared.
 */
export async function queryRows<T>(
  db: Queryable,
  text: string,
  values: readonly unknown[],
  prepare = false,
): Promise<T[]> {
  // A Prisma transaction client passes every property through to its client (`pool` included) but not $transaction.
  if ("$transaction" in db) return (await db.pool.query<T & pg.QueryResultRow>(toQuery(text, values, prepare))).rows;
  if ("$queryRawUnsafe" in db) return db.$queryRawUnsafe<T[]>(text, ...values);
  return (await db.query<T & pg.QueryResultRow>(toQuery(text, values, prepare))).rows;
}

function toQuery(text: string, values: readonly unknown[], prepare: boolean): pg.QueryConfig {
  return prepare ? { name: statementName(text), text, values: [...values] } : { text, values: [...values] };
}

/**
 * The source of a plpgsql function that answers `query` (RETURN QUERY), as a migration defines it: the way a read
 * keeps one plan that reads by index (docs/performance-design.md, "Kept plans that cannot scan"). A test compares
 * it with the function's source in the database.
 */
export function returnQuerySource(query: string): string {
  return `#variable_conflict use_column
BEGIN
  RETURN QUERY
${query.trim()};
END`;
}

/** Runs `fn` in one `pg` transaction: committed when it resolves, rolled back when it throws. */
export async function withTransaction<T>(db: Db, fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  let broken = false;
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => (broken = true));
    throw err;
  } finally {
    // A connection whose rollback failed is in an unknown state: drop it instead of reusing it.
    client.release(broken);
  }
}
