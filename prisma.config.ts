import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";
import { pgConnectionOptions } from "./packages/core/src/db-url";

// The schema reads env("DATABASE_URL"); without it Prisma would try to download an engine instead of failing.
const url = (process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/switchyard");

// Prisma's CLI runs fully offline with the JS engine and the pg driver adapter.
export default defineConfig({
  schema: "prisma/schema.prisma",
  engine: "js",
  experimental: { adapter: true },
  async adapter() {
    return new PrismaPg(pgConnectionOptions(url));
  },
});
