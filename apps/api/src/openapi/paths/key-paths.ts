import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { ApiKeyResponse, CreatedApiKeyResponse } from "@switchyard/core/auth/api-key-store";
import { CreateApiKeyBody } from "../../routes/api-keys";
import { errors, json, ok } from "../openapi-common";

const tags = ["API keys"];

export const keyPaths: ZodOpenApiPathsObject = {
  "/api/keys": {
    post: {
      operationId: "createApiKey",
      tags,
      summary: "Create an API key (admin)",
      description:
        "Beyond Orcheo. Stores a SHA-256 hash of a new random key with the given scopes (`admin`: everything; `trigger`: read, dispatch and run actions; `read`: GET routes) and answers with the key itself, shown this once. The first admin key can be made without the API: `npx switchyard keys create --name ops --scopes admin` (security.md).",
      requestBody: { required: true, ...json(CreateApiKeyBody) },
      responses: { 201: ok("The new key, shown once", CreatedApiKeyResponse), ...errors(401, 403, 422, 429) },
    },
    get: {
      operationId: "listApiKeys",
      tags,
      summary: "List API keys (admin), revoked ones included; never the keys themselves",
      responses: { 200: ok("Every key", z.array(ApiKeyResponse)), ...errors(401, 403, 429) },
    },
  },
  "/api/keys/{id}": {
    delete: {
      operationId: "revokeApiKey",
      tags,
      summary: "Revoke an API key (admin)",
      description:
        "The key is refused at once by this API process and within 10 s by the others (each trusts a verified key that long).",
      requestParams: { path: z.object({ id: z.string().meta({ description: "The key's id (not the key)" }) }) },
      responses: { 204: { description: "Revoked" }, ...errors(401, 403, [404, "API key not found"], 429) },
    },
  },
};
