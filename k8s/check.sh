#!/usr/bin/env bash
# Checks the manifests in this directory without a cluster:
#   1. `kubectl kustomize` renders them;
#   2. `kubectl apply --dry-run=client --validate=false` parses every object. kubectl needs an API
#      server's discovery to map kinds to resources even for a client-side dry run, so this script
#      serves a static discovery document (and 404 for everything else) on a loopback port;
#   3. what a reviewer would check by hand: every Deployment has startup, liveness and readiness
#      probes on /health/*, requests and limits, a non-root security context with a read-only root
#      and no capabilities, a 60 s grace period, its service-account token only if it is a worker;
#      the Secret references match the documented keys; the workers' Role holds exactly the verbs
#      docs/deployment.md explains; nothing is bound cluster-wide; every ScaledObject scales the
#      worker whose queue it reads.
#
#   k8s/check.sh            needs kubectl, node and jq
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for tool in kubectl node jq; do
  command -v "$tool" >/dev/null || { echo "check.sh: $tool is required" >&2; exit 2; }
done

work="$(mktemp -d)"
stub_pid=""
cleanup() {
  [[ -n "$stub_pid" ]] && kill "$stub_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== kubectl kustomize $here"
kubectl kustomize "$here" >"$work/rendered.yaml"
echo "rendered $(grep -c '^kind:' "$work/rendered.yaml") objects"

# The discovery stub: the groups and resources these manifests use, nothing more.
cat >"$work/stub.js" <<'EOF'
const http = require('http');
const res = (name, kind, namespaced) => ({ name, singularName: '', namespaced, kind, verbs: ['create', 'get', 'list', 'patch'] });
const groups = {
  'v1': [res('namespaces', 'Namespace', false), res('serviceaccounts', 'ServiceAccount', true), res('configmaps', 'ConfigMap', true),
         res('secrets', 'Secret', true), res('services', 'Service', true), res('pods', 'Pod', true)],
  'apps/v1': [res('deployments', 'Deployment', true)],
  'batch/v1': [res('jobs', 'Job', true)],
  'policy/v1': [res('poddisruptionbudgets', 'PodDisruptionBudget', true)],
  'rbac.authorization.k8s.io/v1': [res('roles', 'Role', true), res('rolebindings', 'RoleBinding', true),
         res('clusterroles', 'ClusterRole', false), res('clusterrolebindings', 'ClusterRoleBinding', false)],
  'keda.sh/v1alpha1': [res('scaledobjects', 'ScaledObject', true), res('triggerauthentications', 'TriggerAuthentication', true)],
};
const json = (r, code, body) => { r.writeHead(code, { 'Content-Type': 'application/json' }); r.end(JSON.stringify(body)); };
const server = http.createServer((req, r) => {
  const path = req.url.split('?')[0];
  if (path === '/api') return json(r, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
  if (path === '/apis') return json(r, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: Object.keys(groups).filter(g => g !== 'v1').map(gv => {
    const [group, version] = gv.split('/');
    return { name: group, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
  }) });
  const gv = path === '/api/v1' ? 'v1' : path.startsWith('/apis/') ? path.slice(6) : null;
  if (gv && groups[gv]) return json(r, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources: groups[gv] });
  json(r, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'not found', reason: 'NotFound', code: 404 });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
EOF
node "$work/stub.js" >"$work/port" &
stub_pid=$!
for _ in $(seq 50); do [[ -s "$work/port" ]] && break; sleep 0.1; done
port="$(cat "$work/port")"
cat >"$work/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: stub, cluster: {server: "http://127.0.0.1:$port"}}]
users: [{name: stub, user: {}}]
contexts: [{name: stub, context: {cluster: stub, user: stub}}]
current-context: stub
EOF

echo "== kubectl apply --dry-run=client --validate=false"
KUBECONFIG="$work/kubeconfig" kubectl apply --dry-run=client --validate=false -f "$work/rendered.yaml" -o json \
  >"$work/rendered.json"
KUBECONFIG="$work/kubeconfig" kubectl apply --dry-run=client --validate=false -f "$work/rendered.yaml"

echo "== manifest rules"
# One JSON array of every object, whatever shape kubectl printed (a List, or one object per document).
jq -s '[.[] | if .kind == "List" then .items[] else . end]' "$work/rendered.json" >"$work/objects.json"

jq -r '
  def problems(o):
    o.spec.template.spec as $pod
    | ($pod.serviceAccountName == "mflow-worker") as $worker
    | [
        (if ($pod.terminationGracePeriodSeconds // 30) < 60 then "terminationGracePeriodSeconds below 60" else empty end),
        (if $pod.automountServiceAccountToken != $worker then "automountServiceAccountToken should be \($worker)" else empty end),
        (if $pod.securityContext.runAsNonRoot != true then "pod securityContext.runAsNonRoot is not true" else empty end),
        (if $pod.securityContext.seccompProfile.type != "RuntimeDefault" then "pod seccompProfile is not RuntimeDefault" else empty end),
        ($pod.containers[] as $c
          | (if $c.livenessProbe.httpGet.path != "/health/live" then "\($c.name): no liveness probe on /health/live" else empty end),
            (if $c.readinessProbe.httpGet.path != "/health/ready" then "\($c.name): no readiness probe on /health/ready" else empty end),
            (if $c.startupProbe == null then "\($c.name): no startup probe" else empty end),
            (["requests", "limits"][] as $r | ["cpu", "memory"][] as $k
              | if $c.resources[$r][$k] == null then "\($c.name): no resources.\($r).\($k)" else empty end),
            (if $c.securityContext.allowPrivilegeEscalation != false then "\($c.name): allowPrivilegeEscalation is not false" else empty end),
            (if $c.securityContext.readOnlyRootFilesystem != true then "\($c.name): readOnlyRootFilesystem is not true" else empty end),
            (if ($c.securityContext.capabilities.drop // [] | index("ALL")) == null then "\($c.name): capabilities not dropped" else empty end),
            (if ($c.volumeMounts // [] | map(.mountPath) | index("/tmp")) == null then "\($c.name): no writable /tmp" else empty end),
            ($c.env // [] | .[] | select(.valueFrom.secretKeyRef != null) | .valueFrom.secretKeyRef
              | select(.name != "mflow-secrets" or (.key | IN("rabbitmq-url", "postgres-connection-string", "admin-key", "key-encryption-key") | not))
              | "\($c.name): secretKeyRef \(.name)/\(.key) is not a documented key of mflow-secrets"),
            (if $worker then
               ($c.env | map({(.name): .value}) | add) as $env
               | (if $env["MFlow__Worker__Executor"] != "kubernetes" then "\($c.name): MFlow__Worker__Executor is not kubernetes" else empty end),
                 (if $env["MFlow__Kubernetes__Namespace"] != "mflow-tasks" then "\($c.name): MFlow__Kubernetes__Namespace is not mflow-tasks" else empty end)
             else empty end)
        ),
        (if ($worker | not) and ((o.spec.replicas // 1) < 2 or ($pod.topologySpreadConstraints // [] | length) == 0)
           then "two replicas spread over nodes expected" else empty end)
      ];
  (.[] | select(.kind == "Deployment") | . as $d | problems($d)[] | "Deployment \($d.metadata.namespace)/\($d.metadata.name): \(.)"),

  (.[] | select(.kind == "Role" and .metadata.name == "mflow-worker")
    | if .metadata.namespace != "mflow-tasks" then "Role mflow-worker is not in mflow-tasks" else empty end,
      (.rules | map({key: (.resources | join(",")), value: (.verbs | sort | join(","))}) | from_entries) as $rules
      | ({"jobs": "create,delete,get,list,patch,watch", "pods": "get,list,watch", "pods/log": "get", "secrets,configmaps": "create,delete,get,patch", "leases": "create,get,update"}
         | to_entries[] | select($rules[.key] != .value) | "Role mflow-worker: \(.key) should allow \(.value), allows \($rules[.key])"),
      (if ($rules | length) != 5 then "Role mflow-worker has rules beyond the documented five" else empty end)),

  (if any(.[]; .kind == "Role" and .metadata.name == "mflow-worker") then empty else "no Role mflow-worker" end),
  (.[] | select(.kind == "RoleBinding" and .metadata.name == "mflow-worker")
    | if .metadata.namespace != "mflow-tasks" or .subjects != [{"kind": "ServiceAccount", "name": "mflow-worker", "namespace": "mflow"}]
      then "RoleBinding mflow-worker should bind mflow/mflow-worker in mflow-tasks" else empty end),
  (.[] | select(.kind == "ClusterRoleBinding") | "ClusterRoleBinding \(.metadata.name): nothing is bound cluster-wide"),
  (.[] | select(.kind == "Role" or .kind == "ClusterRole") | select([.rules[] | .verbs[], .resources[], .apiGroups[]] | index("*"))
    | "\(.kind) \(.metadata.name): wildcard in a rule"),

  ([.[] | select(.kind == "Deployment") | .metadata.name]) as $deployments
  | (.[] | select(.kind == "ScaledObject")
      | if (.spec.scaleTargetRef.name | IN($deployments[]) | not) then "ScaledObject \(.metadata.name): no Deployment \(.spec.scaleTargetRef.name)"
        elif .spec.triggers[0].metadata.queueName != .spec.scaleTargetRef.name then "ScaledObject \(.metadata.name): reads queue \(.spec.triggers[0].metadata.queueName)"
        elif (.spec.minReplicaCount // 0) < 1 then "ScaledObject \(.metadata.name): minReplicaCount below 1 leaves finished Jobs unreported"
        else empty end)
' "$work/objects.json" >"$work/problems.txt"

jq -r '.[] | select(.kind == "Deployment") | "  \(.metadata.namespace)/\(.metadata.name)"' "$work/objects.json"
if [[ -s "$work/problems.txt" ]]; then
  sed 's/^/FAIL: /' "$work/problems.txt"
  exit 1
fi
echo "all rules hold"
