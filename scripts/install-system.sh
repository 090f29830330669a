#!/usr/bin/env bash
# System programs genoflow runs: minimap2, samtools, bcftools, tabix (Debian/Ubuntu packages), and Node.js
# for the Clarity contracts and the test IPFS node. Installs only what is missing.
set -euo pipefail
need=()
for tool in minimap2 samtools bcftools tabix; do
  command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing system packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
