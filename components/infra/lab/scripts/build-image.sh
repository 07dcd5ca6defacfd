#!/bin/bash
# Builds the lab host OS image: a Debian root filesystem made with debootstrap,
# turned into a template (no ssh host keys, empty machine-id) that every lab
# host mounts read-only as the lower layer of its overlay root.
#
# Usage: build-image.sh IMAGE_DIR SUITE MIRROR PACKAGES(comma-separated) MANIFEST_JSON
# IMAGE_DIR is named by a hash of what goes into the image, so a different
# package list is a different directory; an existing IMAGE_DIR is reused as is.
# Built in a temporary directory next to IMAGE_DIR and renamed into place, under
# a lock, so two stacks never build it twice and nobody sees a half-built image.
set -euo pipefail
IMAGE_DIR=$1 SUITE=$2 MIRROR=$3 PACKAGES=$4 MANIFEST=$5
parent=$(dirname "$IMAGE_DIR")
mkdir -p "$parent"
exec 9>"$parent/.build.lock"
flock 9
if [ -f "$IMAGE_DIR/image.json" ] && [ -x "$IMAGE_DIR/rootfs/lib/systemd/systemd" ]; then
  echo "image $IMAGE_DIR already built"
  exit 0
fi
tmp=$(mktemp -d "$parent/.tmp-$(basename "$IMAGE_DIR")-XXXXXX")
trap 'rm -rf --one-file-system "$tmp"' EXIT
start=$(date +%s)
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$tmp/rootfs" "$MIRROR" >"$tmp/debootstrap.log" 2>&1 || {
  tail -n 40 "$tmp/debootstrap.log" >&2
  exit 1
}
root=$tmp/rootfs
# A template, not a machine: each host gets its own identity in its upper dir.
rm -f "$root"/etc/ssh/ssh_host_*
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
# Root logs in with keys only; the stack's key is installed per host.
passwd -R "$root" -l root >/dev/null 2>&1 || chroot "$root" passwd -l root >/dev/null
mkdir -p "$root/root/.ssh" && chmod 700 "$root/root/.ssh"
cat >"$root/etc/ssh/sshd_config.d/keelson.conf" <<'CONF'
# Keelson lab host: key-only root login (the stack's key), no DNS lookups
# (the lab has no resolver), fast logins.
PermitRootLogin prohibit-password
PasswordAuthentication no
UseDNS no
CONF
# Nothing in the lab answers DNS; an empty resolv.conf avoids 5 s stalls.
rm -f "$root/etc/resolv.conf" && : >"$root/etc/resolv.conf"
# Consoles are read-only (nspawn --console=read-only): no getty needed.
for u in console-getty.service getty@.service systemd-networkd.service systemd-resolved.service \
         systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer; do
  ln -sf /dev/null "$root/etc/systemd/system/$u"
done
# Daemons a package enables on install stay off until the bootstrap configures them.
for u in containerd.service haproxy.service; do
  rm -f "$root/etc/systemd/system/multi-user.target.wants/$u"
done
printf '%s\n' "$MANIFEST" >"$tmp/image.json"
echo "debootstrap took $(( $(date +%s) - start ))s" >&2
mv "$tmp" "$IMAGE_DIR"
trap - EXIT
du -sh "$IMAGE_DIR/rootfs" | cut -f1 | sed 's/^/image size: /'
