#!/usr/bin/env bash
# The bounce on Kubernetes (kind): start a turn whose tool call sleeps, find the worker pod
# running it, delete that pod, and follow the turn to completion on the other pod.
#   mise run cluster-up && mise run temporal-up && mise run worker-deploy
#   bash scripts/bounce-demo.sh            # force-delete the pod (like a node dying)
#   bash scripts/bounce-demo.sh --graceful # normal pod deletion: SIGTERM, shutdown grace, hand-back
# Needs kubectl pointed at the cluster and node (for reading JSON). See docs/deployment.md.
set -euo pipefail

WORKER_NS="${WORKER_NS:-exoclaw}"
TEMPORAL_NS="${TEMPORAL_NS:-temporal}"
TASK_QUEUE="${EXOCLAW_TASK_QUEUE:-exoclaw-temporal}"
SLEEP_SECONDS="${SLEEP_SECONDS:-20}"
HEARTBEAT_TIMEOUT="${HEARTBEAT_TIMEOUT:-5s}"
GRACEFUL=0
for arg in "$@"; do
  case "$arg" in
    --graceful) GRACEFUL=1 ;;
    -h | --help)
      sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "unknown argument: $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

start=$(date +%s)
say() { printf 't+%3ss  %s\n' "$(($(date +%s) - start))" "$*"; }
temporal() { kubectl -n "$TEMPORAL_NS" exec deploy/temporal-admin-tools -- temporal "$@"; }
# Reads one field from `temporal workflow describe -o json` (stdin) with node.
json() { node -e "$1" 2>/dev/null; }

# Node snippets reading `temporal ... -o json` from stdin (node is a pinned tool in mise.toml).
# The pending executeTool that is running now, and on which worker: "identity attempt".
PICK_TOOL_WORKER='
let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
  const d = JSON.parse(s);
  const a = (d.pendingActivities || []).find((p) => (p.activityType || {}).name === "executeTool" && /STARTED/i.test(String(p.state)));
  if (a && a.lastWorkerIdentity) console.log(a.lastWorkerIdentity + " " + (a.attempt || 1));
});'
# From the history: the first executeTool attempt that started on a worker other than $VICTIM.
# (A retried attempt that ends quickly may never show up as pending between two polls.)
PICK_RESUMED='
let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
  const d = JSON.parse(s);
  const events = Array.isArray(d) ? d : d.events || [];
  const tools = new Set();
  for (const e of events) {
    const sch = e.activityTaskScheduledEventAttributes;
    if (sch && (sch.activityType || {}).name === "executeTool") tools.add(String(e.eventId));
    const st = e.activityTaskStartedEventAttributes;
    if (st && tools.has(String(st.scheduledEventId)) && st.identity && st.identity !== process.env.VICTIM) {
      console.log(st.identity + " " + (st.attempt || 1));
      return;
    }
  }
});'
STATUS='
let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
  const d = JSON.parse(s);
  console.log(String((d.workflowExecutionInfo || {}).status || "").replace(/^WORKFLOW_EXECUTION_STATUS_/, ""));
});'

kubectl -n "$WORKER_NS" rollout status deploy/exoclaw-worker --timeout=120s >/dev/null
# exec runs in the exec sandbox pods (k8s/worker/exec-sandbox.yaml), not in the worker pods: the
# tool call needs them up. Deleting the worker pod drops its request, and the sandbox kills the command.
kubectl -n "$WORKER_NS" rollout status deploy/exoclaw-exec-sandbox --timeout=120s >/dev/null
pods=$(kubectl -n "$WORKER_NS" get pods -l app.kubernetes.io/name=exoclaw-worker -o jsonpath='{range .items[*]}{.metadata.name}{"@"}{.spec.nodeName}{" "}{end}')
say "worker pods (pod@node): $pods"

session="bounce-$(date +%s)"
message="Run the command 'sleep ${SLEEP_SECONDS} && echo task complete'"
input=$(printf '{"sessionId":"%s","message":"%s","activityOptions":{"executeTool":{"heartbeatTimeout":"%s"}}}' "$session" "$message" "$HEARTBEAT_TIMEOUT")
temporal workflow start --type AgentTurnWorkflow --task-queue "$TASK_QUEUE" --workflow-id "$session" --input "$input" >/dev/null
say "turn started: workflow $session — \"$message\""

victim=""
for _ in $(seq 1 150); do
  found=$(temporal workflow describe --workflow-id "$session" -o json | json "$PICK_TOOL_WORKER" || true)
  if [ -n "$found" ]; then
    victim=${found%% *}
    break
  fi
  sleep 0.4
done
if [ -z "$victim" ]; then
  echo "No worker picked up the tool call within 60 s. Check: kubectl -n $WORKER_NS logs -l app.kubernetes.io/name=exoclaw-worker" >&2
  exit 1
fi
say "executeTool is running on pod $victim"
sleep 2

if [ "$GRACEFUL" = 1 ]; then
  say "deleting pod $victim (SIGTERM; terminationGracePeriodSeconds from the Deployment)"
  kubectl -n "$WORKER_NS" delete pod "$victim" --wait=false >/dev/null
else
  say "force-deleting pod $victim (no grace: the process dies like on a lost node)"
  kubectl -n "$WORKER_NS" delete pod "$victim" --grace-period=0 --force --wait=false >/dev/null 2>&1
fi
killed=$(date +%s)

resumed=""
export VICTIM="$victim"
for _ in $(seq 1 300); do
  found=$(temporal workflow describe --workflow-id "$session" -o json | json "$PICK_TOOL_WORKER" || true)
  if [ -z "$found" ] || [ "${found%% *}" = "$victim" ]; then
    found=$(temporal workflow show --workflow-id "$session" -o json | json "$PICK_RESUMED" || true)
  fi
  if [ -n "$found" ] && [ "${found%% *}" != "$victim" ]; then
    resumed=${found%% *}
    say "the tool call is on pod $resumed now (attempt ${found##* }), $(($(date +%s) - killed))s after the kill"
    break
  fi
  status=$(temporal workflow describe --workflow-id "$session" -o json | json "$STATUS" || true)
  if [ -n "$status" ] && [ "$status" != RUNNING ]; then break; fi
  sleep 0.4
done

say "waiting for the turn to finish…"
temporal workflow result --workflow-id "$session" >/tmp/exoclaw-bounce-result.txt 2>&1 || true
status=$(temporal workflow describe --workflow-id "$session" -o json | json "$STATUS" || true)
say "workflow $session: $status"
cat /tmp/exoclaw-bounce-result.txt
rm -f /tmp/exoclaw-bounce-result.txt
if [ "$status" != COMPLETED ]; then
  echo "The turn did not complete. History: kubectl -n $TEMPORAL_NS exec deploy/temporal-admin-tools -- temporal workflow show -w $session" >&2
  exit 1
fi
say "done: the pod running the tool was deleted and the turn still completed${resumed:+ (resumed on $resumed)}."
