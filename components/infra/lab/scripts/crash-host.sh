#!/bin/bash
# Failed hardware on one lab host (see crash_host in lab-lib.sh): for the engine
# tests and benchmarks that show what survives a dead node or master.
#   Usage: crash-host.sh STACK HOST
set -uo pipefail
. "$(dirname "$(readlink -f "$0")")/lab-lib.sh"
stack=${1:?usage: crash-host.sh STACK HOST} host=${2:?usage: crash-host.sh STACK HOST}
tag=$(stack_tag "$stack")
dir="$LAB_ROOT/$stack/hosts/$host"
[ -d "$dir" ] || { echo "crash: lab stack $stack has no host $host" >&2; exit 2; }
crash_host "$dir" "keelson/$stack/$host" "kl-$tag-$host"
