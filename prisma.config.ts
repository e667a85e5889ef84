import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";
import { pgConnectionOptions } from "./packages/core/src/db-url";

// Prisma's CLI runs fully offline with the JS engine and the pg driver adapter.
export default defineConfig({
  schema: "prisma/schema.prisma",
  engine: "js",
  experimental: { adapter: true },
  async adapter() {
    const url = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/switchyard";
    return new PrismaPg(pgConnectionOptions(url));
  },
});
