# syntax=docker/dockerfile:1
# apexsync as a sidecar: `apexsync run` keeping apex A/AAAA records in step with their targets.
#   docker build -t apexsync .                              (with lexicon: --build-arg WITH_LEXICON=1)
#   docker run --read-only --cap-drop ALL --security-opt no-new-privileges \
#     --env-file .env -v "$PWD/apexsync.yaml:/config/apexsync.yaml:ro" -p 127.0.0.1:9797:9797 apexsync
# See docs/running.md.

# The Active LTS line: Node 26 since October 2026 (Node 24 is in maintenance until April 2028 and
# works too: --build-arg NODE_VERSION=24).
ARG NODE_VERSION=26

# ── build: compile TypeScript with the dev dependencies ─────────────────────────────────────────
FROM node:${NODE_VERSION}-alpine AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script would compile before the sources are copied.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY providers ./providers
RUN npx tsc -p tsconfig.json

# ── runtime: production dependencies and the compiled output only ───────────────────────────────
FROM node:${NODE_VERSION}-alpine AS runtime
ENV NODE_ENV=production \
    APEXSYNC_CONFIG=/config/apexsync.yaml \
    APEXSYNC_LISTEN=0.0.0.0:9797
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
# Optional: dns-lexicon for the `lexicon` provider (docker build --build-arg WITH_LEXICON=1 .).
# Installed into the image's /usr/bin/python3, the provider's default command. LEXICON_SPEC picks
# the version or extras some lexicon providers need, e.g. "dns-lexicon[route53]".
ARG WITH_LEXICON=
ARG LEXICON_SPEC=dns-lexicon
RUN if [ -n "$WITH_LEXICON" ]; then \
      apk add --no-cache python3 py3-pip && \
      pip install --no-cache-dir --break-system-packages "$LEXICON_SPEC" && \
      apk del py3-pip; \
    fi
# V8 heap bounds (docs/running.md, "Memory"). With the default limit (GBs) V8 lets the heap grow to
# several times what survived its last full GC before collecting again: the first round over
# 10 000 records peaked at 220-270 MB RSS. A 256 MB old generation makes V8 collect in smaller steps,
# and an 8 MB semi-space caps the young generation at 16 MB instead of 32: 140 MB peak, no slower.
# 10 000 records need more than 48 MB at the peak of a round (48 fails: "JavaScript heap out of memory",
# exit 134, a restart loop); raise the 256 for more than about 40 000 records.
# Set after `npm ci`, which must not run under the daemon's bounds.
ENV NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=8"
# Nothing under / is written at run time (logs go to stderr, state stays in memory), so the
# container runs with a read-only root filesystem. A zone-file provider needs its zone folder
# mounted read-write.
USER node
EXPOSE 9797
# Ready = every record had a successful round within staleAfter (GET /readyz), asked by the CLI
# itself: the image has no curl.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["node", "/app/dist/src/cli/main.js", "healthcheck"]
# node as PID 1 is fine: apexsync handles SIGTERM/SIGINT (graceful stop) and SIGHUP (reload) itself.
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
CMD ["run"]
