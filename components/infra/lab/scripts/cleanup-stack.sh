#!/bin/bash
# Removes every process, mount, namespace, link, cgroup and directory of one lab
# stack, found by name (so it also cleans what a killed run left behind), and
# nothing of any other stack.   Usage: cleanup-stack.sh [--list] STACK
set -uo pipefail
. "$(dirname "$(readlink -f "$0")")/lab-lib.sh"
if [ "${1:-}" = "--list" ]; then list_stack "$2"; exit 0; fi
stack=${1:?usage: cleanup-stack.sh [--list] STACK}
before=$(list_stack "$stack")
[ -z "$before" ] && { echo "lab stack $stack: nothing to clean"; exit 0; }
cleanup_stack "$stack"
after=$(list_stack "$stack")
echo "lab stack $stack: removed $(echo "$before" | wc -l) item(s)"
if [ -n "$after" ]; then echo "still present:"; echo "$after"; exit 1; fi
