#!/usr/bin/env bash
# A two-host MPI cluster on one machine: two network namespaces joined by a veth pair, each
# with its own address and host name, and mpirun reaching the second "host" through an rsh
# agent that enters its namespace (instead of ssh). Trains the same models there on 2
# processes, one per host, with MPI's TCP transport only, and checks that the model files are
# byte for byte those of one process.
#
# usage: sudo bench/two_hosts.sh [path/to/mlp]   (default target/release/mlp)
#
# Needs root (ip netns, unshare), OpenMPI's mpirun, and mlp built with --features mpi.
set -euo pipefail
cd "$(dirname "$0")/.."
mlp="$(realpath "${1:-target/release/mlp}")"
tag="mlp$$"
ns_a="$tag-a" ns_b="$tag-b"
net="10.231.77"
work="$(mktemp -d)"
chmod 755 "$work"

cleanup() {
    ip netns del "$ns_a" 2>/dev/null || true
    ip netns del "$ns_b" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns_a"
ip netns add "$ns_b"
ip link add "$tag-va" type veth peer name "$tag-vb"
ip link set "$tag-va" netns "$ns_a"
ip link set "$tag-vb" netns "$ns_b"
ip -n "$ns_a" addr add "$net.1/24" dev "$tag-va"
ip -n "$ns_b" addr add "$net.2/24" dev "$tag-vb"
for ns in "$ns_a" "$ns_b"; do
    ip -n "$ns" link set lo up
done
ip -n "$ns_a" link set "$tag-va" up
ip -n "$ns_b" link set "$tag-vb" up

# The rsh agent: `agent HOST COMMAND...` runs COMMAND in the namespace of HOST, under a host
# name of its own (a UTS namespace), as ssh would run it on that host.
cat >"$work/agent" <<EOF
#!/bin/sh
host="\$1"; shift
case "\$host" in
    $net.1) ns=$ns_a name=host-a ;;
    $net.2) ns=$ns_b name=host-b ;;
    *) echo "unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" unshare --uts sh -c "hostname \$name; \$*"
EOF
chmod +x "$work/agent"
printf '%s slots=1\n%s slots=1\n' "$net.1" "$net.2" >"$work/hosts"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun_2() {
    ip netns exec "$ns_a" unshare --uts sh -c "hostname host-a; cd '$work' && mpirun \
        --hostfile hosts -np 2 --map-by node --mca plm_rsh_agent '$work/agent' \
        --mca btl self,tcp --mca btl_tcp_if_include $net.0/24 --mca oob_tcp_if_include $net.0/24 \
        $*"
}
echo "the two processes run on: $(mpirun_2 hostname | sort | tr '\n' ' ')"
status=0
for solver in "gd --epochs 100" "sgd --momentum 0.9 --batch-size 1000 --epochs 5" \
              "adam --batch-size 600 --epochs 5"; do
    args="train --dataset digits --seed 3 --threads 1 --quiet --validation-fraction 0 --solver $solver"
    (cd "$work" && "$mlp" $args --out one.json)
    mpirun_2 "'$mlp' $args --out two.json"
    if cmp -s "$work/one.json" "$work/two.json"; then
        echo "same bytes on 2 hosts: --solver $solver"
    else
        echo "DIFFERENT on 2 hosts: --solver $solver"
        status=1
    fi
    rm -f "$work/one.json" "$work/two.json"
done
exit $status
