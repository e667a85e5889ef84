# One image for the api, the workers and the beat; docker-compose.yml picks the bundle per service, the same
# files the systemd units run (node dist/<name>.js, built by `npm run build`).

# Build stage: every dependency, the generated Prisma client and the bundles. Also the image of the one-shot `migrate`
# service, which needs the Prisma CLI (a development dependency).
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Manifests first, so the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY apps/beat/package.json apps/beat/
COPY apps/cli/package.json apps/cli/
COPY packages/core/package.json packages/core/
RUN npm ci --no-audit --no-fund
COPY . .
# Generating reads no database, but the CLI resolves env("DATABASE_URL") in the schema (unset, it would download
# a query engine it does not need).
RUN DATABASE_URL=postgresql://build@localhost:5432/build npx prisma generate
RUN npm run build

# Runtime stage: production dependencies, the bundles (dist/), and the sources with the generated client for the
# command line (`npx switchyard`, run by tsx) and for NODE_PLUGINS written in TypeScript.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY apps/beat/package.json apps/beat/
COPY apps/cli/package.json apps/cli/
COPY packages/core/package.json packages/core/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY apps ./apps
COPY packages ./packages
COPY --from=build /app/packages/core/src/generated ./packages/core/src/generated
COPY --from=build /app/dist ./dist
# The image's unprivileged user; the files stay root-owned and read-only to it.
USER node
EXPOSE 8000
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "--max-old-space-size=512", "dist/api.js"]
