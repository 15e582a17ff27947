# syntax=docker/dockerfile:1
# exoclaw-temporal worker image.
#   docker build -t exoclaw-temporal .
#   docker run --rm -e TEMPORAL_ADDRESS=host.docker.internal:7233 \
#     -v exoclaw-workspace:/workspace -v exoclaw-state:/state exoclaw-temporal
# The same image runs every subcommand: `docker run ... exoclaw-temporal turn --session s1 "hi"`,
# and the exec sandbox runner: `docker run --entrypoint node ... exoclaw-temporal dist/src/tools/sandbox-runner.js`.

ARG NODE_IMAGE=node:20-slim

# ---- build: full dependencies, pre-bundle the workflow code -------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY activities ./activities
COPY workflows ./workflows
COPY dev ./dev
COPY examples ./examples
COPY types ./types
COPY scripts ./scripts
# The image runs compiled JavaScript (dist/), and workers load dist/workflow-bundle.js instead of
# bundling at start-up (seconds, not tens of seconds).
RUN npm run build && npm run build:workflows && test -s dist/src/cli.js && test -s dist/workflow-bundle.js

# ---- runtime: production dependencies only, non-root ---------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    EXOCLAW_WORKSPACE=/workspace \
    EXOCLAW_STATE_DIR=/state \
    EXOCLAW_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    EXOCLAW_HEALTH_PORT=8080 \
    HOME=/home/exoclaw
WORKDIR /app
# exec runs each command in a bubblewrap sandbox (docs/tools.md, "Isolation"). bwrap needs user
# namespaces at run time, and this image runs as a non-root user, so without them there is no
# fallback: the worker logs "exec isolation: none available" and refuses exec. Docker's default
# seccomp profile refuses user namespaces (run with a profile that allows them, e.g. --security-opt
# seccomp=unconfined; Ubuntu hosts may also restrict them through AppArmor), and mounting a fresh
# /proc inside needs an unmasked /proc (docker: --security-opt systempaths=unconfined; Kubernetes:
# securityContext.procMount: Unmasked, which needs hostUsers: false and is refused by the baseline
# and restricted Pod Security Standards). So docker-compose.yml and k8s/ send exec to a sandbox
# runner container instead (tools.exec.sandbox: this same image, see docs/deployment.md); bwrap is
# here for hosts that allow it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# Compiled code only: with no sources beside it, bin/exoclaw-temporal.js runs dist/src/cli.js.
COPY bin ./bin
# The gateway's web chat page: static files served as they are.
COPY web ./web
COPY --from=build /app/dist ./dist
# uid/gid 10001 match the securityContext in k8s/ (and the sandbox pods in k8s/sandbox/). Both
# folders belong to that user, so fresh named volumes mounted there start writable for it.
RUN groupadd --gid 10001 exoclaw \
 && useradd --uid 10001 --gid 10001 --home-dir /home/exoclaw --create-home --shell /usr/sbin/nologin exoclaw \
 && mkdir -p /workspace /state \
 && chown exoclaw:exoclaw /workspace /state
USER 10001:10001
# Two trust domains, two volumes. /workspace is the agent's: its files, memory/, skills/, identity
# files; exec and the file tools work there, and sandboxes mount it too. /state is the runtime's:
# session logs, message blobs, payloads, the tool-call journal, large tool outputs, leases. Mount
# /state only into workers, never into a sandbox or anything else that runs model-written commands.
VOLUME ["/workspace", "/state"]
# Health endpoint (worker --health-port, or EXOCLAW_HEALTH_PORT as set above): /livez, /readyz, /healthz.
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.EXOCLAW_HEALTH_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM: the worker stops polling and gives running activities its shutdown grace (10 s by default).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/exoclaw-temporal.js"]
CMD ["worker"]
