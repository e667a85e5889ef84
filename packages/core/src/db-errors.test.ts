import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isDbStatementTimeout, isDbUnavailable } from "./db-errors";

const adapterError = (cause: Record<string, unknown>) =>
  Object.assign(new Error("Invalid invocation"), {
    name: "PrismaClientKnownRequestError",
    code: "P2010",
    meta: { driverAdapterError: { name: "DriverAdapterError", cause } },
  });

describe("isDbUnavailable", () => {
  it("recognises pg's socket and server errors", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "57P01", "57P02", "57P03", "08006", "08001"]) {
      assert.equal(isDbUnavailable(Object.assign(new Error("x"), { code })), true, code);
    }
    assert.equal(isDbUnavailable(new Error("Connection terminated unexpectedly")), true);
    assert.equal(isDbUnavailable(new Error("timeout exceeded when trying to connect")), true);
  });

  it("recognises Prisma's codes and its adapter's wrapping, through causes", () => {
    assert.equal(isDbUnavailable(Object.assign(new Error("x"), { code: "P1001" })), true);
    assert.equal(isDbUnavailable(adapterError({ kind: "DatabaseNotReachable", host: "h", port: 1 })), true);
    assert.equal(isDbUnavailable(adapterError({ kind: "ConnectionClosed" })), true);
    assert.equal(isDbUnavailable(adapterError({ kind: "postgres", code: "57P01", message: "terminating" })), true);
    assert.equal(
      isDbUnavailable(new Error("outer", { cause: Object.assign(new Error("inner"), { code: "ECONNRESET" }) })),
      true,
    );
  });

  it("leaves statement errors alone", () => {
    assert.equal(isDbUnavailable(Object.assign(new Error("duplicate key"), { code: "23505" })), false);
    assert.equal(isDbUnavailable(adapterError({ kind: "UniqueConstraintViolation" })), false);
    assert.equal(isDbUnavailable(adapterError({ kind: "postgres", code: "22P02", message: "invalid input" })), false);
    assert.equal(isDbUnavailable(new Error("boom")), false);
    assert.equal(isDbUnavailable("ECONNREFUSED"), false);
  });

  it("tells a statement timeout apart", () => {
    assert.equal(isDbStatementTimeout(Object.assign(new Error("canceling statement"), { code: "57014" })), true);
    assert.equal(isDbStatementTimeout(adapterError({ kind: "postgres", code: "57014" })), true);
    assert.equal(isDbUnavailable(Object.assign(new Error("canceling statement"), { code: "57014" })), false);
  });
});
