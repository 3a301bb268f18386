# The Waakvlam image: runs the worker or the API (docker-compose.yml chooses with `command`), compiled, with plain
# node and production dependencies only. It connects to an external Temporal server, so it provisions no Temporal
# binaries (--ignore-scripts skips the postinstall that would).

# Build stage: every dependency, `npm run build` (dist/: the compiled code and the pre-bundled workflow code).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY definitions ./definitions
COPY workflows ./workflows
COPY activities ./activities
COPY clients ./clients
COPY runtime ./runtime
COPY worker ./worker
COPY api ./api
COPY entrypoints ./entrypoints
COPY scripts ./scripts
RUN npm run build

# Run stage: production dependencies and dist/ only, as the unprivileged user `node`.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
USER node
EXPOSE 3000
# The API's readiness (PORT); the compose file gives the worker `healthcheck.js worker` (WAAKVLAM_METRICS_PORT).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["node", "dist/entrypoints/healthcheck.js", "api"]
CMD ["node", "dist/entrypoints/api.js"]
