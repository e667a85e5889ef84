import { z } from "zod";

/**
 * A JSON object taken as it is. `z.record` rebuilds the object key by key, and an assignment of `__proto__`
 * sets the prototype instead of a key: such a key in a payload would vanish without a word. This keeps the
 * parsed object (JSON.parse makes every key an own property), so `__proto__` stays data.
 */
export const JsonObject = z
  .custom<Record<string, unknown>>((v) => typeof v === "object" && v !== null && !Array.isArray(v), {
    message: "expected an object",
  })
  .meta({ override: { type: "object", additionalProperties: {} } });
