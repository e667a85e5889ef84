import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import type { Config } from "./config";
import { pgConnectionOptions } from "./db-url";

export type Db = PrismaClient;
export { Prisma } from "./generated/prisma/client";

export function createDb(config: Pick<Config, "DATABASE_URL" | "DATABASE_POOL_SIZE">): Db {
  const adapter = new PrismaPg({
    ...pgConnectionOptions(config.DATABASE_URL),
    max: config.DATABASE_POOL_SIZE,
    // A request never hangs on a dead database: connecting and each statement are bounded.
    connectionTimeoutMillis: 5_000,
    statement_timeout: 30_000,
  });
  return new PrismaClient({ adapter });
}
