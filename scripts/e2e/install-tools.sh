#!/usr/bin/env bash
# Installs what the end-to-end tests need, skipping whatever is already there:
#   - Debian packages: chromium (the headless browser), ripgrep (replaces the ripgrep
#     download of @vscode/ripgrep), and the compilers and headers that code-server's native
#     modules (node-pty, kerberos, @vscode/spdlog, argon2) need, because their prebuilt
#     downloads cannot be fetched here and npm builds them from source instead.
#   - npm packages, in a tools folder kept out of git: code-server (a real VS Code workbench
#     served to the browser), playwright-core (drives /usr/bin/chromium) and @vscode/vsce.
#
# Usage: scripts/e2e/install-tools.sh
# Environment:
#   DISTILL_E2E_TOOLS_DIR  tools folder (default: <repo>/.e2e-tools)
# Runs as root (apt-get and code-server's postinstall need it) and prints how long each step took.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tools_dir="${DISTILL_E2E_TOOLS_DIR:-$repo_root/.e2e-tools}"

# code-server 4.100.3 is the newest release whose engines field is Node 20, which its
# postinstall enforces. The next release, 4.103.2, declares Node 22.
code_server_version="4.100.3"
playwright_core_version="1.65.2"
# @vscode/vsce 4.x declares Node 22, so the tools pin 3.9.2, which declares Node 20.
vsce_version="3.9.2"

debian_packages=(chromium ripgrep libkrb5-dev build-essential pkg-config)

script_start=$SECONDS

log() {
  printf '[install-tools] %s\n' "$*"
}

fail() {
  printf '[install-tools] error: %s\n' "$*" >&2
  exit 1
}

is_debian_package_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

install_debian_packages() {
  local missing=()
  local package
  for package in "${debian_packages[@]}"; do
    if ! is_debian_package_installed "$package"; then
      missing+=("$package")
    fi
  done

  if [ "${#missing[@]}" -eq 0 ]; then
    log "Debian packages already installed: ${debian_packages[*]}"
    return
  fi

  if [ "$(id -u)" != 0 ]; then
    fail "missing Debian packages: ${missing[*]}. Run this script as root, or install them with apt-get first."
  fi

  local step_start=$SECONDS
  log "installing Debian packages: ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  log "Debian packages installed in $((SECONDS - step_start)) s"
}

# Maps `uname -m` to the target triple that @vscode/ripgrep puts in its archive name.
ripgrep_target() {
  case "$(uname -m)" in
    x86_64) echo "x86_64-unknown-linux-musl" ;;
    aarch64) echo "aarch64-unknown-linux-musl" ;;
    *) fail "no ripgrep archive name known for machine type $(uname -m); extend ripgrep_target in $0" ;;
  esac
}

# code-server's lib/vscode/npm-shrinkwrap.json pins @vscode/ripgrep (1.15.11 in code-server
# 4.100.3). Up to 1.15.x that package's postinstall downloads a ripgrep release archive from
# outside the npm registry unless
# $TMPDIR/vscode-ripgrep-cache-<package version>/ripgrep-<tag>-<target>.tar.gz already exists.
# The archive must hold the `rg` binary at its top level because the postinstall extracts it
# straight into the package's bin/ folder. Debian's rg replaces the download. From 1.17
# on, the binary comes in a per-platform npm package and no cache is needed.
prefill_ripgrep_cache() {
  local cache_root="$1"
  local probe_dir="$tools_dir/tmp/ripgrep-probe"

  rm -rf "$probe_dir"
  mkdir -p "$probe_dir"

  # --pack-destination: without it npm writes the archive next to the nearest package.json.
  npm pack "code-server@$code_server_version" --pack-destination "$probe_dir" --silent >/dev/null
  tar xzf "$probe_dir/code-server-$code_server_version.tgz" -C "$probe_dir" package/lib/vscode/npm-shrinkwrap.json

  local package_version
  package_version="$(node -p "require('$probe_dir/package/lib/vscode/npm-shrinkwrap.json').packages['node_modules/@vscode/ripgrep'].version")"

  local cache_dir="$cache_root/vscode-ripgrep-cache-$package_version"
  if ls "$cache_dir"/ripgrep-*.tar.gz >/dev/null 2>&1; then
    log "ripgrep download cache already filled: $cache_dir"
    rm -rf "$probe_dir"
    return
  fi

  npm pack "@vscode/ripgrep@$package_version" --pack-destination "$probe_dir" --silent >/dev/null
  tar xzf "$probe_dir/vscode-ripgrep-$package_version.tgz" -C "$probe_dir"

  local postinstall="$probe_dir/package/lib/postinstall.js"
  if [ ! -f "$postinstall" ]; then
    log "@vscode/ripgrep@$package_version has no download step (its binary is an npm package); no cache needed"
    rm -rf "$probe_dir"
    return
  fi

  # The line reads: const VERSION = 'v13.0.0-10';
  local release_tag
  release_tag="$(sed -n "s/^const VERSION = '\\([^']*\\)';.*/\\1/p" "$postinstall")"
  if [ -z "$release_tag" ]; then
    fail "could not read the ripgrep release tag from @vscode/ripgrep@$package_version's lib/postinstall.js"
  fi

  local archive_name="ripgrep-$release_tag-$(ripgrep_target).tar.gz"
  mkdir -p "$cache_dir" "$probe_dir/archive"
  cp "$(command -v rg)" "$probe_dir/archive/rg"
  tar czf "$cache_dir/$archive_name" -C "$probe_dir/archive" rg
  rm -rf "$probe_dir"
  log "filled ripgrep download cache with Debian's rg: $cache_dir/$archive_name"
}

write_tools_package_json() {
  # allowScripts names the packages whose install scripts the tools need. npm 11.19 still runs
  # unlisted scripts and only lists them at the end, but its approve-scripts documentation says
  # a future release will block them.
  cat >"$tools_dir/package.json" <<EOF
{
  "name": "distill-lab-e2e-tools",
  "private": true,
  "description": "Tools for Distill Lab's end-to-end tests, installed by scripts/e2e/install-tools.sh.",
  "dependencies": {
    "@vscode/vsce": "$vsce_version",
    "code-server": "$code_server_version",
    "playwright-core": "$playwright_core_version"
  },
  "allowScripts": {
    "code-server": true,
    "argon2": true,
    "@vscode/vsce-sign": true
  }
}
EOF
}

installed_version() {
  local package_json="$tools_dir/node_modules/$1/package.json"
  if [ -f "$package_json" ]; then
    node -p "require('$package_json').version"
  fi
}

# Lists the native modules and links that code-server needs at run time, one path a line.
# Install scripts make each of them, so a skipped script shows up here as a missing file.
required_build_outputs() {
  local vscode_dir="$tools_dir/node_modules/code-server/lib/vscode"
  echo "$vscode_dir/node_modules/node-pty/build/Release/pty.node"
  echo "$vscode_dir/node_modules/@vscode/spdlog/build/Release/spdlog.node"
  echo "$vscode_dir/node_modules/kerberos/build/Release/kerberos.node"
  echo "$vscode_dir/node_modules/native-watchdog/build/Release/watchdog.node"
  echo "$vscode_dir/node_modules.asar"
  echo "$vscode_dir/extensions/node_modules/typescript/package.json"
}

# Prints the rg binary that VS Code's search will run: @vscode/ripgrep's own rgPath export.
resolve_ripgrep_path() {
  (cd "$tools_dir/node_modules/code-server/lib/vscode" &&
    node --input-type=module -e "const { rgPath } = await import('@vscode/ripgrep'); console.log(rgPath)")
}

check_build_outputs() {
  local missing=0
  local output
  while read -r output; do
    if [ ! -e "$output" ]; then
      printf '[install-tools] missing build output: %s\n' "$output" >&2
      missing=1
    fi
  done < <(required_build_outputs)

  local ripgrep_path
  ripgrep_path="$(resolve_ripgrep_path 2>/dev/null || true)"
  if [ -z "$ripgrep_path" ] || [ ! -x "$ripgrep_path" ]; then
    printf '[install-tools] missing build output: the rg binary of @vscode/ripgrep in %s\n' "$tools_dir/node_modules/code-server/lib/vscode" >&2
    missing=1
  fi
  return "$missing"
}

are_npm_tools_current() {
  [ "$(installed_version code-server)" = "$code_server_version" ] &&
    [ "$(installed_version playwright-core)" = "$playwright_core_version" ] &&
    [ "$(installed_version @vscode/vsce)" = "$vsce_version" ] &&
    check_build_outputs 2>/dev/null
}

install_npm_tools() {
  if are_npm_tools_current; then
    log "npm tools already installed in $tools_dir: code-server $code_server_version, playwright-core $playwright_core_version, @vscode/vsce $vsce_version"
    return
  fi

  local step_start=$SECONDS
  mkdir -p "$tools_dir/tmp"
  write_tools_package_json

  # A private TMPDIR keeps the ripgrep cache and the build's scratch files inside the tools folder.
  local install_tmp="$tools_dir/tmp"
  prefill_ripgrep_cache "$install_tmp"

  log "installing npm tools into $tools_dir (code-server builds native modules: about 1-3 minutes)"
  # npm_config_unsafe_perm: code-server's postinstall exits with an error as root without it.
  # npm_config_yes: node-pty's install runs `npx node-gyp`, which would otherwise ask to install it.
  # Both are set in the environment, not as flags, because the postinstall runs nested
  # `npm install`s in lib/vscode and lib/vscode/extensions that must see them too.
  (
    cd "$tools_dir"
    TMPDIR="$install_tmp" \
      npm_config_unsafe_perm=true \
      npm_config_yes=true \
      npm install --no-audit --no-fund --no-save
  )

  if ! check_build_outputs; then
    fail "code-server's native modules did not build; read the npm output above, then delete $tools_dir/node_modules and run this script again"
  fi
  log "npm tools installed in $((SECONDS - step_start)) s"
}

install_debian_packages
install_npm_tools

log "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo 'not runnable')"
# code-server writes a default config.yaml under XDG_CONFIG_HOME even for --version, so the
# version check gets throwaway folders instead of the home folder.
log "code-server: $(
  XDG_CONFIG_HOME="$tools_dir/tmp/xdg-config" XDG_DATA_HOME="$tools_dir/tmp/xdg-data" \
    "$tools_dir/node_modules/.bin/code-server" --version 2>/dev/null | tail -n 1
)"
log "done in $((SECONDS - script_start)) s; tools folder: $tools_dir"
