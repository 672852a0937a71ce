# scripts/podman-conf.sh - sourced by the container tests (tests/e2e/
# ctr-lib.sh) and the benchmarks (bench/lib.sh): podman without touching
# /etc (shared/notes/machine.md): cgroupfs, runc, and no default ulimits,
# since CAP_SYS_RESOURCE is missing on these VMs.
#
# podman_conf DIR: write DIR/containers.conf and point podman at it.
podman_conf() {
	cat > "$1/containers.conf" <<'EOC'
[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
EOC
	CONTAINERS_CONF=$1/containers.conf; export CONTAINERS_CONF
}
