#!/usr/bin/env bash
# Builds Berth's local base images without the internet and loads them into a running berthd:
#
#   busybox:latest      Debian's busybox-static, one symlink per applet, /etc/passwd and group
#   hello-world:latest  a static C program (hello.c) built with this machine's gcc
#
# Environment:
#   BERTH_BASE_IMAGES_CACHE  where the tars are kept (default /var/cache/berth/base-images);
#                            a second run reuses them
#   BERTH_HOST, DOCKER_HOST  the daemon socket, unix://PATH (default /run/berth/berth.sock)
#   BERTH_IMPORT_WITH        "berth" (default: `berth import`) or "curl" (the Engine API directly)
#   BERTH_CLI                the berth command (default: berth on PATH, else bin/berth of this repo)
#   BERTH_BUSYBOX            a static busybox to use instead of the busybox-static package's
#   BERTH_FORCE=1            rebuild the tars and import even if the daemon has the same layer
#
# Usage: build.sh [--no-load]   (--no-load only builds the tars and prints their paths)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${BERTH_BASE_IMAGES_CACHE:-/var/cache/berth/base-images}
api=v1.45
load=1
[ "${1:-}" = --no-load ] && load=0

tmpdirs=()
cleanup() { if [ "${#tmpdirs[@]}" -gt 0 ]; then rm -rf "${tmpdirs[@]}"; fi; }
trap cleanup EXIT

die() { echo "base-images: $*" >&2; exit 1; }
log() { echo "base-images: $*" >&2; }

socket_path() {
  local host=${BERTH_HOST:-${DOCKER_HOST:-}}
  case $host in
    '') echo /run/berth/berth.sock ;;
    unix://*) echo "${host#unix://}" ;;
    /*) echo "$host" ;;
    *) die "only unix sockets are supported, got \"$host\"" ;;
  esac
}

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# The busybox binary of the busybox-static package: installed, or from a .deb in apt's cache.
find_busybox() {
  if [ -n "${BERTH_BUSYBOX:-}" ]; then echo "$BERTH_BUSYBOX"; return; fi
  if dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'; then
    local f
    for f in $(dpkg -L busybox-static); do
      case $f in */bin/busybox) [ -x "$f" ] && { echo "$f"; return; } ;; esac
    done
  fi
  local deb
  deb=$(ls /var/cache/apt/archives/busybox-static_*.deb 2>/dev/null | head -n1 || true)
  if [ -n "$deb" ]; then
    local x="$cache/busybox-static-deb"
    rm -rf "$x" && mkdir -p "$x" && dpkg-deb -x "$deb" "$x"
    [ -x "$x/bin/busybox" ] && { echo "$x/bin/busybox"; return; }
  fi
  die "busybox-static is not installed: apt-get install busybox-static (or set BERTH_BUSYBOX)"
}

is_static() { ! LC_ALL=C readelf -l "$1" 2>/dev/null | grep -q 'Requesting program interpreter'; }

# Reproducible tar of a directory: sorted, numeric owners as they are on disk, fixed mtime.
make_tar() {
  local dir=$1 out=$2 mtime=$3
  tar --sort=name --numeric-owner --mtime="@$mtime" --format=gnu -C "$dir" -cf "$out.tmp" .
  mv -f "$out.tmp" "$out"
}

# Rebuilds $2 with function $3 unless $2.key holds $1.
cached() {
  local key=$1 out=$2 build=$3
  if [ "${BERTH_FORCE:-0}" != 1 ] && [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
    log "using cached $out"
    return
  fi
  log "building $out"
  "$build" "$out"
  echo "$key" > "$out.key"
}

build_busybox() {
  local out=$1 root
  root=$(mktemp -d "$cache/busybox-rootfs.XXXXXX")
  tmpdirs+=("$root")
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,home,var}
  chmod 0755 "$root"
  chmod 1777 "$root/tmp"
  chmod 0700 "$root/root"
  install -m 0755 "$busybox" "$root/bin/busybox"
  local applet
  # Runs the host's copy, not the one in the rootfs: nothing from the image is ever run.
  while IFS= read -r applet; do
    case $applet in ''|bin/busybox|/*|*..*) continue ;; esac
    if [ -e "$root/$applet" ] || [ -L "$root/$applet" ]; then continue; fi
    mkdir -p "$root/$(dirname "$applet")"
    ln -s /bin/busybox "$root/$applet"
  done < <("$busybox" --list-full)
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/home:/bin/false' > "$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' > "$root/etc/group"
  # Mount points for the files the runtime bind-mounts.
  : > "$root/etc/hosts"; : > "$root/etc/hostname"; : > "$root/etc/resolv.conf"
  chmod 0644 "$root"/etc/{passwd,group,hosts,hostname,resolv.conf}
  make_tar "$root" "$out" "$(stat -c %Y "$busybox")"
}

build_hello() {
  local out=$1 root
  command -v gcc >/dev/null || die "gcc is needed to build hello-world"
  root=$(mktemp -d "$cache/hello-rootfs.XXXXXX")
  tmpdirs+=("$root")
  chmod 0755 "$root"
  gcc -static -Os -s -o "$root/hello" "$here/hello.c"
  chmod 0755 "$root/hello"
  make_tar "$root" "$out" "$(stat -c %Y "$here/hello.c")"
}

urlencode() {
  local LC_ALL=C s=$1 out='' c i hex
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [a-zA-Z0-9._~-]) out+=$c ;;
      *) printf -v hex '%%%02X' "'$c"; out+=$hex ;;
    esac
  done
  printf '%s' "$out"
}

# True when the daemon has $1 with the layer of tar $2 (sha256 of the tar is the diff id).
has_image() {
  command -v curl >/dev/null || return 1
  local body
  body=$(curl -sf --unix-socket "$sock" "http://x/$api/images/$(urlencode "$1")/json" 2>/dev/null) || return 1
  grep -q "sha256:$(sha256 "$2")" <<<"$body"
}

import_image() {
  local tar=$1 ref=$2; shift 2
  if [ "${BERTH_FORCE:-0}" != 1 ] && has_image "$ref" "$tar"; then
    log "$ref is already loaded"
    return
  fi
  log "importing $ref"
  case ${BERTH_IMPORT_WITH:-berth} in
    curl)
      local repo=${ref%:*} tag=${ref##*:} query change out
      query="fromSrc=-&repo=$(urlencode "$repo")&tag=$(urlencode "$tag")"
      for change in "$@"; do query+="&changes=$(urlencode "$change")"; done
      out=$(curl -sS --fail-with-body --unix-socket "$sock" -X POST -H 'Content-Type: application/x-tar' \
        --data-binary "@$tar" "http://x/$api/images/create?$query") || die "import $ref: $out"
      if grep -q '"error' <<<"$out"; then die "import $ref: $out"; fi
      ;;
    berth)
      local cli=${BERTH_CLI:-}
      if [ -z "$cli" ]; then
        if command -v berth >/dev/null; then cli=berth
        elif [ -x "$repo/bin/berth" ]; then cli=$repo/bin/berth
        else die "no berth command: set BERTH_CLI or BERTH_IMPORT_WITH=curl"; fi
      fi
      local args=() change
      for change in "$@"; do args+=(--change "$change"); done
      BERTH_HOST=${BERTH_HOST:-unix://$sock} "$cli" import "${args[@]}" "$tar" "$ref" >/dev/null
      ;;
    *) die "BERTH_IMPORT_WITH must be berth or curl" ;;
  esac
}

mkdir -p "$cache"
busybox=$(find_busybox)
is_static "$busybox" || die "\"$busybox\" is not statically linked"
script_key=$(sha256 "${BASH_SOURCE[0]}")
cached "$(sha256 "$busybox")-$script_key" "$cache/busybox.tar" build_busybox
cached "$(sha256 "$here/hello.c")-$script_key-$(gcc -dumpfullversion 2>/dev/null || echo gcc)" "$cache/hello-world.tar" build_hello

if [ "$load" = 0 ]; then
  echo "$cache/busybox.tar"
  echo "$cache/hello-world.tar"
  exit 0
fi

sock=$(socket_path)
[ -S "$sock" ] || die "no daemon socket at $sock (start berthd, or set BERTH_HOST)"
path_env='PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
import_image "$cache/busybox.tar" busybox:latest 'CMD ["sh"]' "ENV $path_env"
import_image "$cache/hello-world.tar" hello-world:latest 'CMD ["/hello"]' "ENV $path_env"
log "done"
