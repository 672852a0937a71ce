# bench/network.sh - issue 14's rows, sourced by scripts/bench (which
# holds the kernel lock and defines row, calc, field, cpu_s, ...).
#
# What the network kernel rules cost, in one run, each config with
# audrift run (--source daemon) consuming:
#   off:     rules.d with its network rules disabled (no audrift-net rule)
#   shipped: rules.d as shipped: bind (saddr_fam filtered), listen,
#            dup2/dup3 onto 0-2, per arch
#   connect: shipped + outbound_connection_from_container enabled: connect,
#            accept and accept4 join the bind rule
# For each: loopback connect+close and accept+close rates (bench/netcost,
# best of 3), open()+close() of an unwatched file (bench/hostcost: every
# rule on the exit list costs every syscall), and audrift's CPU per 100k
# network events (connect: one connect and one accept4 per connection).
# The three configs run in turn NET_CYCLES times (3); each keeps its best
# rates and its median CPU.

bench_network() {
	local cfg d nr nall c0 c1 cc ca oc ev cpu l0 lost
	: > "$BT/unwatched"
	NETN=${NETN:-20000}
	HCN=${HCN:-300000}
	mkdir -p "$BT/net-off" "$BT/net-shipped" "$BT/net-connect"
	for d in off shipped connect; do cp "$top"/rules.d/*.rules "$BT/net-$d/"; done
	cat > "$BT/net-off/75-bench.rules" <<'EOF2'
disable rule listening_port_in_container
disable rule reverse_shell_in_container
disable rule outbound_connection_from_container
EOF2
	echo 'rule outbound_connection_from_container += { enabled true }' \
	    > "$BT/net-connect/75-bench.rules"
	NET_ROWS=
	# the configs in turn, NET_CYCLES times (the host's load drifts: each
	# config keeps its best figures)
	for cyc in $(seq "${NET_CYCLES:-3}"); do
	for cfg in off shipped connect; do
		echo "bench: network, $cfg (cycle $cyc)" >&2
		audrift_up "$BT/net-$cfg" "$BT/net-$cfg.db"
		nr=$(auditctl -l | grep -c 'key=audrift-net' || true)
		nall=$(auditctl -l | grep -c 'key=audrift-' || true)
		# first, while audrift has nothing to drain
		"$B/hostcost" "$BT/unwatched" "$HCN" > "$BT/hc.out"
		oc=$(field open_close_per_s "$BT/hc.out")
		l0=$(kstat lost)
		c0=$(cpu_s "$APID")
		"$B/netcost" connect "$NETN" > "$BT/nc.out"
		cc=$(field connect_close_per_s "$BT/nc.out")
		"$B/netcost" accept "$NETN" > "$BT/na.out"
		ca=$(field accept_close_per_s "$BT/na.out")
		sleep 1		# audrift drains what the loops produced
		c1=$(cpu_s "$APID")
		lost=$(( $(kstat lost) - l0 ))
		stop_pid "$APID"; APID=
		# 2 loops x 3 rounds x N connections, a connect and an accept
		# each when their rules are on
		ev=$(( 2 * 3 * NETN * 2 ))
		cpu=$(calc '%.3f' "($c1 - $c0) * 100000 / $ev")
		NET_ROWS="$NET_ROWS $cfg:$nr:$nall:$cc:$ca:$oc:$cpu:$lost"
	done
	done
	bench_restore
}

bench_network_rows() {
	local e cfg nr nall cc ca oc cpu lost cc0 ca0 oc0 best
	# per config: the best rate of each loop over the cycles, the median
	# CPU, the lost events summed
	best=$(for e in $NET_ROWS; do echo "$e"; done | awk -F: '
		{ c = $1; order[c] = order[c] ? order[c] : ++n; nr[c] = $2; na[c] = $3
		  if ($4 > cc[c]) cc[c] = $4; if ($5 > ca[c]) ca[c] = $5
		  if ($6 > oc[c]) oc[c] = $6; cpu[c] = cpu[c] " " $7; lost[c] += $8 }
		END { for (c in order) { k = split(cpu[c], v, " ")
		  for (i = 2; i <= k; i++)	# insertion sort (no asort in mawk)
			for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
				t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		  printf "%d %s:%s:%s:%s:%s:%s:%s:%s\n", order[c], c, nr[c], na[c],
		    cc[c], ca[c], oc[c], v[int((k + 1) / 2)], lost[c] } }' |
		sort -n | cut -d' ' -f2)
	for e in $best; do
		IFS=: read -r cfg nr nall cc ca oc cpu lost <<< "$e"
		[ "$cfg" = off ] && { cc0=$cc ca0=$ca oc0=$oc; }
		# the cost per call: the time one more takes than with the
		# network rules off, in ns
		row "network ($cfg): $nr audrift-net of $nall kernel rules; connect+close / accept+close per s (of off; ns more per connection)" \
		    "$cc ($(calc '%.2f' "$cc / $cc0"); $(calc '%+.0f' "1e9 / $cc - 1e9 / $cc0")) / $ca ($(calc '%.2f' "$ca / $ca0"); $(calc '%+.0f' "1e9 / $ca - 1e9 / $ca0"))" "" ""
		row "network ($cfg): open()+close() per s of an unwatched file (of off; ns more per pair)" \
		    "$oc ($(calc '%.2f' "$oc / $oc0"); $(calc '%+.0f' "1e9 / $oc - 1e9 / $oc0"))" "" ""
		[ "$cfg" = connect ] &&
		    row "network ($cfg): audrift CPU per 100k network events (connect + accept4), events lost" \
		    "$cpu s, $lost lost" "" ""
	done
	return 0
}
