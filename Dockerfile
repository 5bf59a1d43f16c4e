# syntax=docker/dockerfile:1
# Evidence Locker container image: built once, runs `daemon` by default or any CLI command (`collect --shard 2/4`).
# The root filesystem can be read-only: the process writes only to /data (declared volume) and /tmp.
#   docker build -t evidence-locker .
#   docker run --read-only --tmpfs /tmp -v evidence-data:/data -p 8080:8080 evidence-locker
ARG NODE_IMAGE=node:24-bookworm-slim

# 1. Build: all dependencies, compile TypeScript to dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts stay off: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# 2. Production dependencies only.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# 3. Runtime: compiled code, production dependencies, control catalogs; owned by root, run as `node`.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    TMPDIR=/tmp \
    EVIDENCE_LOCKER_STATE_DIR=/data/state \
    EVIDENCE_LOCKER_DAEMON__HEALTH_PORT=8080
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY controls ./controls
# The only writable place; relative paths in the configuration (./evidence-store) resolve under it.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
WORKDIR /data
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The collector's V8 settings (src/node-flags.ts): 16 MB semi-spaces keep Node 24's young generation from growing to
# 128 MB in each of the collector's isolates (README, "Memory").
ENTRYPOINT ["node", "--max-semi-space-size=16", "/app/dist/src/cli/bin.js"]
CMD ["daemon"]
