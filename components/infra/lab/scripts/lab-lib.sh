# Keelson lab: shell functions shared by every script the lab providers run.
# Not executed on its own: the TypeScript renderers (components/infra/lab/render.ts)
# prepend this file to each generated script, so a script stored in Pulumi state
# carries everything it needs, and cleanup-stack.sh sources it.
#
# Conventions: the lab root is $LAB_ROOT (default /var/lib/keelson/lab); a stack's
# namespaces are named kl-<tag>-*, where <tag> is the first 6 hex digits of the
# sha256 of the stack name (see naming.ts), and its cgroups live at
# /sys/fs/cgroup/<controller>/keelson/<stack>.

LAB_ROOT=${LAB_ROOT:-/var/lib/keelson/lab}
CGROUP_ROOT=${CGROUP_ROOT:-/sys/fs/cgroup}
# The hierarchies a host joins (naming.ts CGROUP_CONTROLLERS), systemd's and cgroup2's included.
CGROUP_CONTROLLERS="cpu cpuacct cpuset memory pids blkio devices freezer systemd unified"

lab_log() { echo "[lab] $*" >&2; }

stack_tag() { printf '%s' "$1" | sha256sum | cut -c1-6; }

netns_exists() { [ -e "/run/netns/$1" ]; }

ensure_netns() {
  netns_exists "$1" || ip netns add "$1"
  ip -n "$1" link set lo up
}

# PIDs whose command line mentions a path (supervisors and nspawn of a host/stack).
# One grep over every /proc/*/cmdline; the pattern brackets its first character
# so that grep's own command line does not match it.
pids_mentioning() {
  local needle=$1 re hits p
  re="[${needle:0:1}]$(printf '%s' "${needle:1}" | sed 's/[][\\.*^$+?(){}|]/\\&/g')"
  # Our own forks (this substitution, its pipeline) carry our command line for an
  # instant before they exec; they have all exited when the substitution returns.
  hits=$(grep -laE -- "$re" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3)
  for p in $hits; do
    [ "$p" = "$$" ] || [ "$p" = "${BASHPID:-$$}" ] || [ ! -e "/proc/$p" ] || echo "$p"
  done
}

# PIDs in a cgroup subtree, in any of the controllers.
pids_in_cgroup() {
  local rel=$1 c
  for c in cpu memory pids; do
    [ -d "$CGROUP_ROOT/$c/$rel" ] || continue
    find "$CGROUP_ROOT/$c/$rel" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -un
}

pids_in_netns() { netns_exists "$1" && ip netns pids "$1" 2>/dev/null || true; }

# Signal a list of PIDs (never ourselves or our parent).
signal_pids() {
  local sig=$1 p; shift
  for p in "$@"; do
    [ "$p" = "$$" ] || [ "$p" = "$PPID" ] && continue
    kill "-$sig" "$p" 2>/dev/null || true
  done
}

# Kill everything belonging to a scope: processes mentioning DIR, in CGROUP, in NETNS...
kill_scope() {
  local dir=$1 cgroup=$2; shift 2
  local ns pids i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    pids="$(pids_mentioning "$dir/"; pids_in_cgroup "$cgroup"; for ns in "$@"; do pids_in_netns "$ns"; done)"
    pids=$(echo "$pids" | grep -E '^[0-9]+$' | sort -un || true)
    [ -z "$pids" ] && return 0
    # shellcheck disable=SC2086
    signal_pids KILL $pids
    sleep 0.2
  done
  lab_log "processes still alive in $dir: $pids"
}

# Unmount everything mounted at or below DIR, deepest first.
umount_under() {
  local dir=$1 m
  for m in $(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || lab_log "could not unmount $m"
  done
}

# Create a cgroup (path relative to each hierarchy) in every controller there is.
# A new cpuset has no CPUs or memory nodes: copy them down from the parent, level
# by level, or no task can join it.
ensure_cgroups() {
  local rel=$1 c d parent part
  for c in $CGROUP_CONTROLLERS; do
    [ -d "$CGROUP_ROOT/$c" ] || continue
    d="$CGROUP_ROOT/$c"
    for part in ${rel//\// }; do
      parent=$d d="$d/$part"
      mkdir -p "$d"
      if [ "$c" = cpuset ]; then
        [ -n "$(tr -d '\n' <"$d/cpuset.cpus")" ] || cat "$parent/cpuset.cpus" >"$d/cpuset.cpus"
        [ -n "$(tr -d '\n' <"$d/cpuset.mems")" ] || cat "$parent/cpuset.mems" >"$d/cpuset.mems"
      fi
    done
  done
}

# Remove a cgroup subtree in every controller. With --parents (a whole stack going
# away), also its parents once empty, such as the keelson/ all stacks share:
# rmdir refuses while another stack still has hosts there.
rmdir_cgroups() {
  local rel=$1 parents=${2:-} c d
  for c in $CGROUP_CONTROLLERS; do
    [ -d "$CGROUP_ROOT/$c/$rel" ] && find "$CGROUP_ROOT/$c/$rel" -depth -type d -exec rmdir {} \; 2>/dev/null
    [ "$parents" = --parents ] || continue
    d=$(dirname "$rel")
    while [ "$d" != . ] && rmdir "$CGROUP_ROOT/$c/$d" 2>/dev/null; do d=$(dirname "$d"); done
  done
  true
}

del_netns() {
  local ns=$1 i
  netns_exists "$ns" || return 0
  for i in 1 2 3 4 5; do
    ip netns del "$ns" 2>/dev/null && return 0
    sleep 0.5
  done
  lab_log "could not delete netns $ns"
  return 1
}

# Is the host's supervisor (the loop around systemd-nspawn) running?
host_alive() {
  local dir=$1 p
  p=$(cat "$dir/supervisor.pid" 2>/dev/null) || return 1
  [ -n "$p" ] && [ -r "/proc/$p/cmdline" ] && tr '\0' ' ' <"/proc/$p/cmdline" | grep -qF "$dir/supervisor.sh"
}

# Does sshd answer on IP:22 (an SSH banner)?
ssh_answers() {
  local ip=$1 banner
  banner=$(timeout 2 bash -c "exec 3<>/dev/tcp/$ip/22 && head -c 8 <&3" 2>/dev/null || true)
  [ "${banner#SSH-2.0}" != "$banner" ]
}

wait_ssh() {
  local ip=$1 secs=$2 i
  for ((i = 0; i < secs * 5; i++)); do
    ssh_answers "$ip" && return 0
    sleep 0.2
  done
  return 1
}

# Stop a host: SIGTERM to its supervisor, which forwards it to systemd-nspawn
# (a clean shutdown of the host's systemd), then kill whatever is left.
stop_host() {
  local dir=$1 cgroup=$2 netns=$3 p i
  if host_alive "$dir"; then
    p=$(cat "$dir/supervisor.pid")
    kill -TERM "$p" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do [ -d "/proc/$p" ] || break; sleep 0.2; done
  fi
  kill_scope "$dir" "$cgroup" "$netns"
  rm -f "$dir/supervisor.pid" "$dir/nspawn.pid"
}

# Failed hardware, for tests and benchmarks: every process of the host (its
# supervisor, nspawn, its systemd and all below) stops at the same instant (the
# freezer) and is killed, and its NICs go dark, so peers get no answer at all
# rather than refusals from a network stack still up. Killing nspawn alone is
# not that: the host's systemd outlives it, orphaned, and keeps the host running.
# Nothing restarts it: `refresh` finds it stopped, `up` starts it again.
crash_host() {
  local dir=$1 cgroup=$2 netns=$3 fz="$CGROUP_ROOT/freezer/$2" i l pids
  [ -d "$fz" ] || { echo "crash: no freezer cgroup $fz" >&2; return 1; }
  echo FROZEN >"$fz/freezer.state"
  for ((i = 0; i < 100; i++)); do [ "$(cat "$fz/freezer.state")" = FROZEN ] && break; sleep 0.05; done
  pids=$(pids_in_cgroup "$cgroup")
  # shellcheck disable=SC2086
  signal_pids KILL $pids
  for l in $(ip -n "$netns" -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -vx lo); do
    ip -n "$netns" link set "$l" down 2>/dev/null || true
  done
  echo THAWED >"$fz/freezer.state"
  for ((i = 0; i < 100; i++)); do [ -z "$(pids_in_cgroup "$cgroup")" ] && return 0; sleep 0.1; done
  echo "crash: processes still alive in $cgroup: $(pids_in_cgroup "$cgroup" | tr '\n' ' ')" >&2
  return 1
}

# Remove a host: processes, mounts, fabric veths, namespace, cgroups; its disk too with "purge".
remove_host() {
  local dir=$1 cgroup=$2 netns=$3 fabric=$4 purge=$5; shift 5
  local v
  stop_host "$dir" "$cgroup" "$netns"
  umount_under "$dir"
  for v in "$@"; do netns_exists "$fabric" && ip -n "$fabric" link del "$v" 2>/dev/null || true; done
  del_netns "$netns" || true
  rmdir_cgroups "$cgroup"
  if [ "$purge" = purge ]; then rm -rf --one-file-system "$dir"; fi
}

# Everything of a stack that exists on this machine, one "kind name" a line.
list_stack() {
  local stack=$1 tag ns p
  tag=$(stack_tag "$stack")
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^kl-$tag-" || true); do echo "netns $ns"; done
  ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -x "km$tag" | sed 's/^/link /' || true
  awk -v d="$LAB_ROOT/$stack" '$5 == d || index($5, d "/") == 1 {print "mount " $5}' /proc/self/mountinfo
  for p in $(pids_mentioning "$LAB_ROOT/$stack/"; pids_in_cgroup "keelson/$stack"); do echo "process $p"; done | sort -u
  for p in $CGROUP_CONTROLLERS; do [ -d "$CGROUP_ROOT/$p/keelson/$stack" ] && echo "cgroup $p/keelson/$stack"; done
  [ -e "$LAB_ROOT/$stack" ] && echo "dir $LAB_ROOT/$stack"
  true
}

# Remove everything of a stack found by name, with or without its state files.
cleanup_stack() {
  local stack=$1 tag ns dir
  tag=$(stack_tag "$stack")
  # Hosts first, cleanly where possible (their supervisors are still running).
  for dir in "$LAB_ROOT/$stack"/hosts/*/; do
    [ -d "$dir" ] || continue
    dir=${dir%/}
    stop_host "$dir" "keelson/$stack/$(basename "$dir")" "kl-$tag-$(basename "$dir")"
  done
  local nss
  nss=$(ip netns list 2>/dev/null | awk '{print $1}' | grep "^kl-$tag-" || true)
  # shellcheck disable=SC2086
  kill_scope "$LAB_ROOT/$stack" "keelson/$stack" $nss
  umount_under "$LAB_ROOT/$stack"
  ip link del "km$tag" 2>/dev/null || true
  for ns in $nss; do del_netns "$ns" || true; done
  rmdir_cgroups "keelson/$stack" --parents
  rm -rf --one-file-system "${LAB_ROOT:?}/$stack"
}
