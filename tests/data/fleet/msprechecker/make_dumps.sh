#!/usr/bin/env bash
# How the msprechecker dumps in this folder were made (Linux, root, util-linux `unshare`):
#   python3 -m venv /tmp/mspc && /tmp/mspc/bin/pip install msprechecker==0.4.0
#   bash tests/data/fleet/msprechecker/make_dumps.sh /tmp/mspc/bin/msprechecker
# Each "node" is msprechecker's own `dump` run in a private mount + UTS namespace: its own host name, and a
# tmpfs over /usr/local holding the recorded driver (and, on node-a/node-c, ATB) version.info files of
# tests/data, so msprechecker reads them at the paths it hard-codes. The environment is emptied (env -i)
# except the variables set below, so nothing of the machine that ran this leaks into the dumps.
# Planted differences: node-b has another driver (23.0.7 vs 24.1.rc3), no ATB, and HCCL_CONNECT_TIMEOUT=600
# (1200 elsewhere); HCCL_IF_IP differs per node. node-a and node-c are otherwise identical. Every node carries
# two secrets (MY_SERVICE_TOKEN, ASCEND_ACCESS_KEY) whose values compare must never show.
set -euo pipefail
MSPC=${1:?path to the msprechecker executable}
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=$(cd "$HERE/../.." && pwd)   # tests/data
DRV_A="$DATA/check/driver/vllm-ascend-451_version.info"
DRV_B="$DATA/fleet/driver/mind-cluster-worker0_driver_version.info"
ATB="$DATA/check/atb/vllm-ascend-451_version.info"

dump() {  # host driver-file atb-file-or-dash HCCL_CONNECT_TIMEOUT HCCL_IF_IP
  unshare -m -u --propagation private bash -c '
    set -e
    host=$1 drv=$2 atb=$3 timeout=$4 ifip=$5 mspc=$6 out=$7
    hostname "$host"
    mount -t tmpfs tmpfs /usr/local
    mkdir -p /usr/local/Ascend/driver /usr/local/Ascend/nnal/atb/latest/atb/cxx_abi_0
    cp "$drv" /usr/local/Ascend/driver/version.info
    if [ "$atb" != "-" ]; then cp "$atb" /usr/local/Ascend/nnal/atb/latest/version.info; fi
    cd "$out"
    env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
      HCCL_CONNECT_TIMEOUT="$timeout" HCCL_EXEC_TIMEOUT=1800 HCCL_IF_IP="$ifip" \
      ASCEND_RT_VISIBLE_DEVICES=0,1,2,3,4,5,6,7 MY_SERVICE_TOKEN=s3cr3t-value ASCEND_ACCESS_KEY=AK-s3cr3t \
      "$mspc" dump --output-path "$host.json"
  ' _ "$1" "$2" "$3" "$4" "$5" "$MSPC" "$HERE"
}

dump node-a "$DRV_A" "$ATB" 1200 10.20.0.11
dump node-b "$DRV_B" - 600 10.20.0.12
dump node-c "$DRV_A" "$ATB" 1200 10.20.0.13
