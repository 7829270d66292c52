# One image for every Tarkhees process: the API (default), the worker, the
# agency simulator and the one-shot migration. docker-compose.yml picks the
# process with `command:`.
#
# Debian (glibc), not Alpine: the Temporal worker's native core and the SWC
# compiler it bundles workflows with ship prebuilt binaries for glibc.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when the lock
# file changes, not on every source edit. --omit=dev leaves out the test and
# build tools (vitest, drizzle-kit, typescript): the processes run the
# TypeScript sources through tsx, which is a runtime dependency.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# The sources stay owned by root and read-only to the app: a compromised
# process cannot rewrite the code it runs. Nothing is written under /app at
# run time (the database is PostgreSQL via DATABASE_URL; tsx caches in /tmp).
COPY . .

# The workflows bundled once here, not by each worker as it starts: a worker
# (or one restarted after a crash) polls within seconds and idles ~100 MiB
# smaller (docs/operations.md, "Sizing a worker").
RUN node --import tsx scripts/bundle-workflows.ts /app/dist/workflows.js
ENV WORKFLOW_BUNDLE=/app/dist/workflows.js

USER node

# The API listens here when API_HOST=0.0.0.0 (set by compose).
EXPOSE 3000

# `node --import tsx`, not `npx tsx`: npx runs the app as a grandchild (npx ->
# sh -> tsx -> node) and exits on SIGTERM without passing it on, so `docker
# stop` would kill the app mid-write instead of letting it shut down. With the
# loader in-process, SIGTERM reaches the app itself, and the API, worker and
# simulator each close cleanly on it.
CMD ["node", "--import", "tsx", "server.ts"]
