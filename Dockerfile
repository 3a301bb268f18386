# The Waakvlam image: runs the worker or the API (docker-compose.yml chooses with `command`).
# It connects to an external Temporal server, so it provisions no Temporal binaries.
FROM node:20-bookworm-slim
ENV NODE_ENV=production WAAKVLAM_SKIP_PROVISION=1
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: the postinstall provisions local Temporal binaries, which this image does not need.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY definitions ./definitions
COPY workflows ./workflows
COPY activities ./activities
COPY clients ./clients
COPY runtime ./runtime
COPY worker ./worker
COPY api ./api
COPY entrypoints ./entrypoints
COPY scripts ./scripts
COPY tsconfig.json ./
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "entrypoints/api.ts"]
