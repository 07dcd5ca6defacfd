// The shell scripts the lab providers run (pure: text in, text out).
// Each script is lab-lib.sh followed by a short program with its values baked
// in, so what Pulumi stores in state can tear down exactly what it built even
// after the code changed; scripts are fed to `bash -s` on stdin, so no process
// command line ever mentions a host directory except the host's own.
import * as fs from "fs";
import * as path from "path";
import type { HostSpec } from "../driver";
import { CGROUP_CONTROLLERS, hostNames, LAB_ROOT } from "./naming";
import { CLIENT_LINK, hostNetPlan, NetworkPlan } from "./netplan";

export const SCRIPTS_DIR = path.join(__dirname, "scripts");

let libText: string | undefined;
export function labLib(): string {
  libText ??= fs.readFileSync(path.join(SCRIPTS_DIR, "lab-lib.sh"), "utf8");
  return libText;
}

/** Single-quote a value for bash. */
export function q(value: string | number): string {
  return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

function script(labRoot: string, body: string[]): string {
  return ["#!/bin/bash", "set -euo pipefail", `LAB_ROOT=${q(labRoot)}`, labLib(), "# ---- program", ...body, ""].join("\n");
}

// ---------------------------------------------------------------- network

/** Creates or converges the stack's network; safe to run again. */
export function renderNetworkUp(plan: NetworkPlan, labRoot = LAB_ROOT): string {
  const n = plan.names;
  const fab = q(n.fabricNs);
  const body: string[] = [
    `FAB=${fab} RTR=${q(n.routerNs)} PUB=${q(n.publicNs)} CLI=${q(n.clientNs)} MG=${q(n.mgmtLink)}`,
    `mkdir -p ${q(n.dir)}`,
    // A range the machine already routes elsewhere (another stack, a real
    // network) would be hijacked by our route: refuse instead.
    `for c in ${plan.privateCidrs.map(q).join(" ")}; do`,
    `  dev=$(ip -4 route show exact "$c" | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p' | head -1)`,
    `  if [ -n "$dev" ] && [ "$dev" != "$MG" ]; then echo "lab network: $c is already routed via $dev on this machine (another lab stack?)" >&2; exit 3; fi`,
    `done`,
    `ensure_netns "$FAB"; ensure_netns "$RTR"`,
    // The fabric only switches; the routers route, and only between lab ranges.
    `ip netns exec "$FAB" sysctl -qw net.ipv4.ip_forward=0`,
    `ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=1`,
    `ensure_bridge() { ip -n "$FAB" link show "$1" >/dev/null 2>&1 || ip -n "$FAB" link add "$1" type bridge; ip -n "$FAB" link set "$1" alias "$2"; ip -n "$FAB" link set "$1" up; }`,
    // ensure_leg FABLEG BRIDGE NS LEG ADDR... : a veth from a bridge into a router holding exactly ADDRs
    `ensure_leg() {`,
    `  local fl=$1 br=$2 ns=$3 rl=$4 a; shift 4`,
    `  if ! ip -n "$FAB" link show "$fl" >/dev/null 2>&1 || ! ip -n "$ns" link show "$rl" >/dev/null 2>&1; then`,
    `    ip -n "$FAB" link del "$fl" 2>/dev/null || true; ip -n "$ns" link del "$rl" 2>/dev/null || true`,
    `    ip -n "$FAB" link add "$fl" type veth peer name "$rl" netns "$ns"`,
    `  fi`,
    `  ip -n "$FAB" link set "$fl" master "$br" up`,
    `  ip -n "$ns" link set "$rl" up`,
    `  for a in "$@"; do ip -n "$ns" addr replace "$a" dev "$rl"; done`,
    `  for a in $(ip -n "$ns" -4 -o addr show dev "$rl" | awk '{print $4}'); do`,
    `    case " $* " in *" $a "*) ;; *) ip -n "$ns" addr del "$a" dev "$rl";; esac`,
    `  done`,
    `}`,
  ];
  const wantBridges: string[] = [];
  const wantLegs: string[] = [];
  for (const s of plan.segments) {
    const ns = s.network === "private" ? "$RTR" : "$PUB";
    if (s.network === "public") continue; // after the public namespace exists
    body.push(`ensure_bridge ${q(s.bridge)} ${q(`keelson ${plan.stack} ${s.name}`)}`);
    body.push(`ensure_leg ${q(s.fabricLeg)} ${q(s.bridge)} "${ns}" ${q(s.routerLeg)} ${s.gateways.map(q).join(" ")}`);
    wantBridges.push(s.bridge);
    wantLegs.push(s.fabricLeg);
  }
  // Management link: the machine running pulumi reaches private IPs (SSH) through the router.
  body.push(
    `if ! ip link show "$MG" >/dev/null 2>&1 || ! ip -n "$RTR" link show mgmt0 >/dev/null 2>&1; then`,
    `  ip link del "$MG" 2>/dev/null || true; ip -n "$RTR" link del mgmt0 2>/dev/null || true`,
    `  ip link add "$MG" type veth peer name mgmt0 netns "$RTR"`,
    `fi`,
    `ip link set "$MG" alias ${q(`keelson lab ${plan.stack} management`)}`,
    `ip addr replace ${q(`${plan.mgmt.root}/30`)} dev "$MG"; ip link set "$MG" up`,
    `ip -n "$RTR" addr replace ${q(`${plan.mgmt.router}/30`)} dev mgmt0; ip -n "$RTR" link set mgmt0 up`,
    `want_routes=${q(plan.privateCidrs.join(" "))}`,
    `for c in $want_routes; do ip route replace "$c" via ${q(plan.mgmt.router)} dev "$MG"; done`,
    `for c in $(ip -4 route show dev "$MG" | awk '$2 == "via" {print $1}'); do`,
    `  case " $want_routes " in *" $c "*) ;; *) ip route del "$c" dev "$MG";; esac`,
    `done`,
  );
  if (plan.hasPublic) {
    body.push(`ensure_netns "$PUB"; ensure_netns "$CLI"`, `ip netns exec "$PUB" sysctl -qw net.ipv4.ip_forward=1`);
    for (const s of plan.segments.filter((x) => x.network === "public")) {
      body.push(`ensure_bridge ${q(s.bridge)} ${q(`keelson ${plan.stack} ${s.name}`)}`);
      body.push(`ensure_leg ${q(s.fabricLeg)} ${q(s.bridge)} "$PUB" ${q(s.routerLeg)} ${s.gateways.map(q).join(" ")}`);
      wantBridges.push(s.bridge);
      wantLegs.push(s.fabricLeg);
    }
    // The internet client: its only way anywhere is the public router.
    body.push(
      `if ! ip -n "$PUB" link show client0 >/dev/null 2>&1 || ! ip -n "$CLI" link show uplink0 >/dev/null 2>&1; then`,
      `  ip -n "$PUB" link del client0 2>/dev/null || true; ip -n "$CLI" link del uplink0 2>/dev/null || true`,
      `  ip -n "$PUB" link add client0 type veth peer name uplink0 netns "$CLI"`,
      `fi`,
      `ip -n "$PUB" addr replace ${q(`${CLIENT_LINK.public}/30`)} dev client0; ip -n "$PUB" link set client0 up`,
      `ip -n "$CLI" addr replace ${q(`${CLIENT_LINK.client}/30`)} dev uplink0; ip -n "$CLI" link set uplink0 up`,
      `ip -n "$CLI" route replace default via ${q(CLIENT_LINK.public)} dev uplink0`,
    );
  } else {
    body.push(`kill_scope /nonexistent/keelson - "$CLI" "$PUB"; del_netns "$CLI" || true; del_netns "$PUB" || true`);
  }
  // Converge: VLANs that left the plan lose their bridge and router legs.
  body.push(
    `want=${q([...wantBridges, ...wantLegs].join(" "))}`,
    `for l in $(ip -n "$FAB" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^(br|r)[0-9a-f]{8}$' || true); do`,
    `  case " $want " in *" $l "*) ;; *) ip -n "$FAB" link del "$l";; esac`,
    `done`,
    `echo '{"ready":true}'`,
  );
  return script(labRoot, body);
}

export function renderNetworkDown(plan: NetworkPlan, labRoot = LAB_ROOT): string {
  const n = plan.names;
  return script(labRoot, [
    `ip link del ${q(n.mgmtLink)} 2>/dev/null || true`, // its routes go with it
    `kill_scope /nonexistent/keelson - ${[n.clientNs, n.publicNs, n.routerNs, n.fabricNs].map(q).join(" ")}`,
    ...[n.clientNs, n.publicNs, n.routerNs, n.fabricNs].map((ns) => `del_netns ${q(ns)}`),
    `rmdir_cgroups ${q(n.cgroup)} --parents`,
    `rmdir ${q(n.dir + "/hosts")} ${q(n.dir)} 2>/dev/null || true`,
  ]);
}

/** Prints {"ready":bool,"missing":[...]}: every namespace, bridge and the management link present. */
export function renderNetworkStatus(plan: NetworkPlan, labRoot = LAB_ROOT): string {
  const n = plan.names;
  const checks: string[] = [
    `chk() { if ! eval "$2" >/dev/null 2>&1; then missing+=("\\"$1\\""); fi; }`,
    `missing=()`,
    `chk ${q(`netns ${n.fabricNs}`)} ${q(`netns_exists ${n.fabricNs}`)}`,
    `chk ${q(`netns ${n.routerNs}`)} ${q(`netns_exists ${n.routerNs}`)}`,
    `chk ${q(`link ${n.mgmtLink}`)} ${q(`ip link show ${n.mgmtLink} up | grep -q UP`)}`,
    ...plan.segments.map((s) => `chk ${q(`bridge ${s.name}`)} ${q(`ip -n ${n.fabricNs} link show ${s.bridge}`)}`),
    ...plan.privateCidrs.map((c) => `chk ${q(`route ${c}`)} ${q(`ip -4 route show exact ${c} dev ${n.mgmtLink} | grep -q via`)}`),
  ];
  if (plan.hasPublic) {
    checks.push(`chk ${q(`netns ${n.publicNs}`)} ${q(`netns_exists ${n.publicNs}`)}`, `chk ${q(`netns ${n.clientNs}`)} ${q(`netns_exists ${n.clientNs}`)}`);
  }
  checks.push(`IFS=,; if [ \${#missing[@]} -eq 0 ]; then echo '{"ready":true,"missing":[]}'; else echo "{\\"ready\\":false,\\"missing\\":[\${missing[*]}]}"; fi`);
  return script(labRoot, checks);
}

// ---------------------------------------------------------------- hosts

export interface HostPlanInput {
  stack: string;
  spec: HostSpec;
  network: NetworkPlan;
  imageRootfs: string;
  authorizedKey: string;
  labRoot?: string;
}

function limits(spec: HostSpec): { cpuQuotaUs: number; cpuShares: number; memoryBytes: number } {
  const f = `hosts[${spec.name}]`;
  if (!(Number.isFinite(spec.cpu) && spec.cpu > 0)) throw new Error(`${f}.cpu: must be a positive number of cores, got ${spec.cpu}`);
  if (!(Number.isInteger(spec.memoryMiB) && spec.memoryMiB >= 256)) throw new Error(`${f}.memoryMiB: must be an integer of at least 256, got ${spec.memoryMiB}`);
  return { cpuQuotaUs: Math.round(spec.cpu * 100_000), cpuShares: Math.round(spec.cpu * 1024), memoryBytes: spec.memoryMiB * 1024 * 1024 };
}

/** What the host records about itself in /etc/keelson/host.json (labels include the hardware kind). */
export function hostFacts(spec: HostSpec): Record<string, unknown> {
  return {
    name: spec.name,
    role: spec.role,
    zone: spec.zone,
    pool: spec.pool,
    flavor: spec.flavor,
    privateIp: spec.privateIp,
    publicIp: spec.publicIp,
    labels: { ...spec.labels, "keelson.dev/hardware": spec.hardware, "keelson.dev/flavor": spec.flavor, "topology.kubernetes.io/zone": spec.zone },
  };
}

/**
 * Worker hosts run a container runtime and a kubelet, which need what a VM
 * would give them and a plain nspawn container does not (kind runs its nodes
 * privileged for the same reasons):
 *  - every capability (a node runs privileged pods, mounts, iptables);
 *  - the keyring system calls, which nspawn's seccomp filter refuses and runc
 *    needs for each container's session keyring;
 *  - /dev/kmsg, which the kubelet's OOM watcher reads (it will not start without);
 *  - a real directory for /var/lib/containerd: the host's root is an overlay,
 *    and the overlayfs snapshotter cannot put its upper dirs on another overlay.
 */
export const NODE_NSPAWN_ARGS = ["--capability=all", "--system-call-filter=@keyring", "--bind=/dev/kmsg", '--bind="$D/containerd:/var/lib/containerd"'];

function isNode(spec: HostSpec): boolean {
  return spec.role === "worker";
}

/**
 * nspawn mounts the cgroup v1 controllers read-only inside; a kubelet creates
 * the pod cgroups itself, so a node remounts them writable at boot. With cgroup
 * namespaces each controller's root is the host's own cgroup
 * (keelson/<stack>/<host>), so the node still only writes below it.
 */
export const NODE_CGROUPS_UNIT = [
  "[Unit]",
  "Description=Keelson lab: writable cgroup controllers for the node's container runtime and kubelet",
  "DefaultDependencies=no",
  "After=local-fs.target",
  "Before=containerd.service kubelet.service",
  "",
  "[Service]",
  "Type=oneshot",
  "RemainAfterExit=yes",
  `ExecStart=/bin/sh -c 'for c in /sys/fs/cgroup/*/; do mountpoint -q "$c" && mount -o remount,bind,rw "$c"; done'`,
  "",
  "[Install]",
  "WantedBy=sysinit.target",
  "",
].join("\n");

/**
 * Machine-wide kernel settings (not per network namespace) that nodes need; the
 * lab sets them on the machine, as on a node's own VM, and keeps /proc/sys
 * read-only in hosts. Values are raised, never lowered.
 *  - what the kubelet insists on (it exits when it cannot set them);
 *  - inotify limits: they count per user across the whole machine, and every
 *    node's systemd, kubelet, kube-proxy, containerd and path units take
 *    instances from root's share (at the default 128, the 5th to 10th node fails
 *    with "too many open files", as kind documents for its nodes).
 */
export const NODE_SYSCTLS: Record<string, { value: number; atLeast?: boolean }> = {
  "vm/overcommit_memory": { value: 1 },
  "vm/panic_on_oom": { value: 0 },
  "kernel/panic": { value: 10 },
  "kernel/panic_on_oops": { value: 1 },
  "kernel/keys/root_maxkeys": { value: 1000000, atLeast: true },
  "kernel/keys/root_maxbytes": { value: 25000000, atLeast: true },
  "fs/inotify/max_user_instances": { value: 8192, atLeast: true },
  "fs/inotify/max_user_watches": { value: 524288, atLeast: true },
};

export function renderNodeSysctls(): string[] {
  return Object.entries(NODE_SYSCTLS).map(([k, { value, atLeast }]) =>
    atLeast ? `[ "$(cat /proc/sys/${k})" -ge ${value} ] || echo ${value} > /proc/sys/${k}` : `[ "$(cat /proc/sys/${k})" = ${value} ] || echo ${value} > /proc/sys/${k}`,
  );
}

export function renderSupervisor(stack: string, spec: HostSpec, labRoot = LAB_ROOT): string {
  const h = hostNames(stack, spec.name, labRoot);
  return [
    "#!/bin/bash",
    `# Keeps lab host ${spec.name} of stack ${stack} running: systemd-nspawn boots it with`,
    "# systemd as PID 1; exit code 133 means the host rebooted itself, so boot it again.",
    "# SIGTERM stops the host cleanly (nspawn asks the host's systemd to power off).",
    `D=${q(h.dir)}`,
    // Limits: join the host's cgroups before nspawn exists, so the host and all it runs are inside.
    ...CGROUP_CONTROLLERS.map((c) => `echo $$ > ${q(`/sys/fs/cgroup/${c}/${h.cgroup}/cgroup.procs`)}`),
    "stopping=",
    `trap 'stopping=1; [ -n "\${child:-}" ] && kill -TERM "$child" 2>/dev/null' TERM INT HUP`,
    "while :; do",
    `  systemd-nspawn --quiet -D "$D/root" --machine=${q(h.machine)} --hostname=${q(spec.name)} \\`,
    `    --register=no --keep-unit --private-network --network-namespace-path=${q(`/run/netns/${h.netns}`)} \\`,
    ...(isNode(spec) ? [`    ${NODE_NSPAWN_ARGS.join(" ")} \\`] : []),
    "    --console=read-only -b &",
    "  child=$!",
    '  echo "$child" > "$D/nspawn.pid"',
    '  rc=0; wait "$child" || rc=$?',
    '  while kill -0 "$child" 2>/dev/null; do rc=0; wait "$child" || rc=$?; done',
    '  echo "[supervisor] $(date -u +%FT%TZ) systemd-nspawn exited with $rc"',
    '  if [ -z "$stopping" ] && [ "$rc" -eq 133 ]; then continue; fi',
    "  break",
    "done",
    'rm -f "$D/nspawn.pid"',
    "",
  ].join("\n");
}

/**
 * Creates, repairs or updates a host; safe to run again. A host whose disk
 * (upper dir) exists keeps it: identity, host keys and whatever the bootstrap
 * installed survive a stop/start, as on a cloud VM.
 */
export function renderHostUp(p: HostPlanInput): string {
  const labRoot = p.labRoot ?? LAB_ROOT;
  const h = hostNames(p.stack, p.spec.name, labRoot);
  const net = hostNetPlan(p.spec, p.network, h);
  const lim = limits(p.spec);
  if (!/^ssh-ed25519 [A-Za-z0-9+/=]+( \S+)?$/.test(p.authorizedKey.trim())) throw new Error(`hosts[${p.spec.name}].authorizedKey: not an ssh-ed25519 public key`);
  const facts = JSON.stringify(hostFacts(p.spec), null, 2);
  const fab = q(p.network.names.fabricNs);
  const body: string[] = [
    `D=${q(h.dir)} NS=${q(h.netns)} FAB=${fab} CG=${q(h.cgroup)} IMG=${q(p.imageRootfs)}`,
    `[ -x "$IMG/lib/systemd/systemd" ] || { echo "lab host ${p.spec.name}: image $IMG is missing or incomplete" >&2; exit 3; }`,
    `netns_exists "$FAB" || { echo "lab host ${p.spec.name}: the lab network (namespace $FAB) does not exist" >&2; exit 3; }`,
    `mkdir -p "$D/upper" "$D/work" "$D/root"`,
    // Leftovers of a host that died (processes in its namespace or cgroups) go before it starts again.
    `host_alive "$D" || kill_scope "$D" "$CG" "$NS"`,
    `mountpoint -q "$D/root" || mount -t overlay overlay -o "lowerdir=$IMG,upperdir=$D/upper,workdir=$D/work" "$D/root"`,
    `R="$D/root"`,
    // Identity: made once per host disk, so it is stable across restarts and new on replacement.
    `if [ ! -s "$R/etc/machine-id" ]; then od -An -N16 -tx1 /dev/urandom | tr -d ' \\n' > "$R/etc/machine-id"; echo >> "$R/etc/machine-id"; fi`,
    `[ -s "$R/etc/ssh/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C ${q(`root@${p.spec.name}`)} -f "$R/etc/ssh/ssh_host_ed25519_key"`,
    `echo ${q(p.spec.name)} > "$R/etc/hostname"`,
    `printf '%s\\n' '127.0.0.1 localhost' ${q(`${p.spec.privateIp} ${p.spec.name}`)} '::1 localhost ip6-localhost ip6-loopback' > "$R/etc/hosts"`,
    `install -d -m 0700 "$R/root/.ssh"`,
    `printf '%s\\n' ${q(p.authorizedKey.trim())} > "$R/root/.ssh/authorized_keys"; chmod 0600 "$R/root/.ssh/authorized_keys"`,
    `install -d -m 0755 "$R/etc/keelson"`,
    ...(isNode(p.spec)
      ? [
          `mkdir -p "$D/containerd"`,
          `cat > "$R/etc/systemd/system/keelson-lab-node-cgroups.service" <<'KEELSON_UNIT'`,
          NODE_CGROUPS_UNIT.trimEnd(),
          "KEELSON_UNIT",
          `mkdir -p "$R/etc/systemd/system/sysinit.target.wants"`,
          `ln -sf ../keelson-lab-node-cgroups.service "$R/etc/systemd/system/sysinit.target.wants/keelson-lab-node-cgroups.service"`,
          ...renderNodeSysctls(),
        ]
      : []),
    `cat > "$R/etc/keelson/host.json" <<'KEELSON_HOST_JSON'`,
    facts,
    `KEELSON_HOST_JSON`,
    // Network: the host's own namespace, one veth per VLAN, addresses and routes set from outside.
    `ensure_netns "$NS"`,
  ];
  for (const nic of net.nics) {
    body.push(
      `if ! ip -n "$NS" link show ${nic.name} >/dev/null 2>&1 || ! ip -n "$FAB" link show ${q(nic.veth)} >/dev/null 2>&1; then`,
      `  ip -n "$FAB" link del ${q(nic.veth)} 2>/dev/null || true; ip -n "$NS" link del ${nic.name} 2>/dev/null || true`,
      `  ip -n "$FAB" link add ${q(nic.veth)} type veth peer name ${nic.name} netns "$NS"`,
      `fi`,
      `ip -n "$FAB" link set ${q(nic.veth)} alias ${q(`keelson ${p.stack} ${p.spec.name} ${nic.name}`)}`,
      `ip -n "$FAB" link set ${q(nic.veth)} master ${q(nic.bridge)} up`,
      `ip -n "$NS" addr replace ${q(nic.address)} dev ${nic.name}`,
      `ip -n "$NS" link set ${nic.name} up`,
    );
  }
  body.push(...net.routes.map((r) => `ip -n "$NS" route replace ${r}`));
  body.push(
    // Limits that follow the flavor (cgroup v1; applied again on every run, so an update changes them live).
    `ensure_cgroups ${q(h.cgroup)}`,
    `echo 100000 > ${q(`/sys/fs/cgroup/cpu/${h.cgroup}/cpu.cfs_period_us`)}`,
    `echo ${lim.cpuQuotaUs} > ${q(`/sys/fs/cgroup/cpu/${h.cgroup}/cpu.cfs_quota_us`)}`,
    `echo ${lim.cpuShares} > ${q(`/sys/fs/cgroup/cpu/${h.cgroup}/cpu.shares`)}`,
    `echo ${lim.memoryBytes} > ${q(`/sys/fs/cgroup/memory/${h.cgroup}/memory.limit_in_bytes`)} || lab_log "memory limit not lowered below current use"`,
    // A new file moved into place: a running supervisor (bash reads its script as
    // it goes) keeps reading the old one, never a file rewritten under it.
    `cat > "$D/supervisor.sh.new" <<'KEELSON_SUPERVISOR'`,
    renderSupervisor(p.stack, p.spec, labRoot).trimEnd(),
    `KEELSON_SUPERVISOR`,
    `mv -f "$D/supervisor.sh.new" "$D/supervisor.sh"`,
    `started=false`,
    `if ! host_alive "$D"; then`,
    `  setsid nohup bash "$D/supervisor.sh" >> "$D/console.log" 2>&1 < /dev/null &`,
    `  echo $! > "$D/supervisor.pid"; started=true`,
    `fi`,
    `if ! wait_ssh ${q(p.spec.privateIp)} 90; then`,
    `  echo "lab host ${p.spec.name}: sshd did not answer on ${p.spec.privateIp}:22 within 90 s; last console lines:" >&2`,
    `  tail -n 30 "$D/console.log" >&2 || true; exit 4`,
    `fi`,
    `hostkey=$(cut -d' ' -f1,2 "$R/etc/ssh/ssh_host_ed25519_key.pub")`,
    `printf '{"running":true,"started":%s,"hostKey":"%s","pid":%s}\\n' "$started" "$hostkey" "$(cat "$D/supervisor.pid")"`,
  );
  return script(labRoot, body);
}

/** Stops and removes a host; `purge` also deletes its disk (destroy/replace). */
export function renderHostDown(stack: string, spec: HostSpec, network: NetworkPlan, purge: boolean, labRoot = LAB_ROOT): string {
  const h = hostNames(stack, spec.name, labRoot);
  return script(labRoot, [
    `remove_host ${q(h.dir)} ${q(h.cgroup)} ${q(h.netns)} ${q(network.names.fabricNs)} ${purge ? "purge" : "keep"} ${q(h.privateVeth)} ${q(h.publicVeth)}`,
  ]);
}

/** Prints {"state": "running"|"stopped"|"absent"}. */
export function renderHostStatus(stack: string, spec: HostSpec, labRoot = LAB_ROOT): string {
  const h = hostNames(stack, spec.name, labRoot);
  return script(labRoot, [
    `D=${q(h.dir)}`,
    `if [ ! -d "$D/upper" ]; then state=absent`,
    `elif host_alive "$D" && netns_exists ${q(h.netns)} && ssh_answers ${q(spec.privateIp)}; then state=running`,
    `else state=stopped; fi`,
    `echo "{\\"state\\":\\"$state\\"}"`,
  ]);
}

