# bench/containers.sh - issue 12's rows, sourced by scripts/bench (which
# holds the kernel lock and defines row, calc, field, med, kstat, ...).
#
# Host cost: open()+close() and fstat() of an unwatched file, best of 5,
# with no audit rule, with only an exec rule, and with audrift running at
# 0, 10, 50 and 100 real containers; the exec-rule baseline is measured
# right before and right after each count (audrift stopped between), and
# each count is compared with the mean of its two.
# Arming delay: overlays mounted by bench/arm-delay, each probed every
# ~100 us; the first probe audrift reports bounds mount -> covered.
# Short-lived: containers whose entrypoint drops a binary into /usr/bin,
# runs it and exits at once.  SIGTERM with 100 containers running.

CTR_COUNTS=${CTR_COUNTS:-0 10 50 100}
# ctr_up N: running containers up to N (four podman runs at a time)
ctr_up() {
	local have
	have=$(echo "$BENCH_CIDS" | wc -w)
	[ "$have" -ge "$1" ] && return 0
	seq $((have + 1)) "$1" | xargs -P 4 -I{} podman run -d --network none \
	    --name "audrift-bench-{}" "$IMG" /bin/busybox sleep 3600 \
	    > "$BT/ctr.ids" 2> "$BT/ctr.err" || { cat "$BT/ctr.err" >&2; return 1; }
	BENCH_CIDS="$BENCH_CIDS $(cat "$BT/ctr.ids" | tr '\n' ' ')"
}
# armed_count: containers audrift has logged as armed
armed_count() { grep -c 'audrift: container .* armed' "$BT/run.err" || true; }
hc() {
	"$B/hostcost" "$BT/unwatched" "$HCN" > "$BT/hc.out"
	echo "$(field open_close_per_s "$BT/hc.out") $(field fstat_per_s "$BT/hc.out")"
}

# null_base [exec]: a baseline with a discarding consumer registered and
# no rule, or (exec) only the exec rules: "OPEN_CLOSE FSTAT"
null_base() {
	auditctl -b 8192 >/dev/null
	auditctl -e 1 >/dev/null
	"$B/null-daemon" > "$BT/null.out" &
	NPID=$!
	wait_audit_pid "$NPID"
	if [ "${1:-}" = exec ]; then
		auditctl -a always,exit -F arch=b64 -S execve,execveat -k "$BENCH_KEY"
		auditctl -a always,exit -F arch=b32 -S execve,execveat -k "$BENCH_KEY"
	fi
	hc
	stop_pid "$NPID"; NPID=
	bench_restore
}

bench_containers() {
	local base_none base_prev base_next bases bo bs n hco hcs ro rs nrules \
	    armed t0 t1 last b1o b1s b2o b2s
	podman_setup
	: > "$BT/unwatched"
	HCN=${HCN:-300000}

	base_none=$(null_base)

	# audrift at 0, 10, 50, 100 containers, each count between two
	# exec-rule baselines of its own, measured right before and right
	# after it (audrift stopped, the containers left running): this VM's
	# speed moves by more than the target's margin within minutes, so a
	# bar measured at the run's start and end does not hold for a count
	# measured in between.  audrift is started anew for each count and
	# arms the running containers at its start.
	HC_ROWS=
	last=${CTR_COUNTS##* }
	base_prev=$(null_base exec)
	bases=$base_prev
	for n in $CTR_COUNTS; do
		ctr_up "$n" || break
		audrift_up "$top/rules.d" "$BT/ctr.db"
		t0=$(date +%s)
		until [ "$(armed_count)" -ge "$n" ]; do
			[ $(( $(date +%s) - t0 )) -le 60 ] || break
			sleep 0.2
		done
		sleep 2	# the resolver's scan of the new processes settles
		nrules=$(auditctl -l | grep -c 'key=audrift-' || true)
		hco=$(hc)
		armed=$(armed_count)
		if [ "$n" = "$last" ]; then
			# SIGTERM with every container running
			STOP_N=$(echo "$BENCH_CIDS" | wc -w)
			t0=$(date +%s%N)
			kill -TERM "$APID"
			wait "$APID" 2>/dev/null
			t1=$(date +%s%N)
			APID=
			STOP_MS=$(( (t1 - t0) / 1000000 ))
			STOP_LEFT=$(auditctl -l | grep -c 'key=audrift-' || true)
			STOP_PID=$(kstat pid)
		else
			stop_pid "$APID"; APID=
		fi
		bench_restore
		base_next=$(null_base exec)
		bases="$bases, $base_next"
		HC_ROWS="$HC_ROWS $n:${hco% *}:${hco#* }:$nrules:$armed:${base_prev% *}:${base_prev#* }:${base_next% *}:${base_next#* }"
		base_prev=$base_next
	done

	row "host cost: open+close / fstat per s, no audit rule" "${base_none% *} / ${base_none#* }" "" ""
	row "host cost: the same, exec rule only, before each count and after the last" "$bases" "bar: the two around a count" ""
	for e in $HC_ROWS; do
		IFS=: read -r n hco hcs nrules armed b1o b1s b2o b2s <<< "$e"
		bo=$(calc '%.0f' "($b1o + $b2o) / 2")
		bs=$(calc '%.0f' "($b1s + $b2s) / 2")
		ro=$(calc '%.2f' "$hco / $bo"); rs=$(calc '%.2f' "$hcs / $bs")
		row "host cost: audrift, $n containers ($nrules kernel rules, $armed armed)" "$hco / $hcs ($ro / $rs of the exec-only pair around it)" ">= 0.90" "$(verdict "$(awk -v a="$ro" -v b="$rs" 'BEGIN { print a < b ? a : b }')" '>=' 0.9)"
	done
	row "SIGTERM with $STOP_N containers running" "gone in $STOP_MS ms; audrift rules left $STOP_LEFT, audit pid $STOP_PID" "<= 2000 ms, 0, 0" "$(verdict "$((STOP_MS + (STOP_LEFT + STOP_PID) * 100000))" '<=' 2000)"

	bench_arm_delay
	bench_short_lived
	bench_ctr_storm
}

# What the broader container rules cost: a chmod storm on a file outside
# every watched dir, inside a container (each is a record through the
# anchor's tree that audrift's rules then drop), with a null daemon
# consuming the same kernel rules, then with audrift.
bench_ctr_storm() {
	local n=${CTRSTORM:-$CHMODS} id merged c0 c1 rn ra
	mkdir -p "$BT/sbin"
	"${CC:-cc}" -O2 -static -I"$top/bench" "$top/bench/storm.c" 	    -o "$BT/sbin/storm" || { row "container storm" "static storm did not build" "" ""; return 0; }
	id=$(podman run -d --network none -v "$BT/sbin:/bench:ro" "$IMG" 	    /bin/busybox sh -c 'touch /tmp/target; exec sleep 600')
	BENCH_CIDS="$BENCH_CIDS $id"
	merged=$(podman inspect -f '{{.GraphDriver.Data.MergedDir}}' "$id")
	# null daemon, audrift's rules (its anchor joined by hand)
	"$AUDRIFT" rules --rules "$top/rules.d" 2>/dev/null | grep '^-a' |
	    sed "s/-k audrift-[a-z0-9]*/-k $BENCH_KEY/" > "$BT/ctr.rules"
	mkdir -p /run/audrift/containers
	auditctl -R "$BT/ctr.rules" >/dev/null
	auditctl -q "/run/audrift/containers,$merged" >/dev/null
	auditctl -b 8192 >/dev/null
	auditctl -e 1 >/dev/null
	"$B/null-daemon" > "$BT/null.out" &
	NPID=$!
	wait_audit_pid "$NPID"
	podman exec "$id" /bench/storm chmod /tmp/target "$n" > "$BT/cs.null"
	stop_pid "$NPID"; NPID=
	auditctl -D -k "$BENCH_KEY" >/dev/null
	auditctl -e 0 >/dev/null
	rn=$(field rate "$BT/cs.null")
	audrift_up "$top/rules.d" "$BT/cs.db"
	until grep -q "container ${id%${id#????????????}} (.*) armed" "$BT/run.err"; do sleep 0.05; done
	c0=$(cpu_s "$APID")
	podman exec "$id" /bench/storm chmod /tmp/target "$n" > "$BT/cs.audrift"
	sleep 1
	c1=$(cpu_s "$APID")
	stop_pid "$APID"; APID=
	ra=$(field rate "$BT/cs.audrift")
	bench_restore
	row "container storm: chmod of a file no rule watches, in a container: null daemon / audrift" "$rn / $ra ops/s ($(calc '%.2f' "$ra / $rn"))" "" ""
	row "container storm: audrift CPU s per 100k such events (the path filter moved to audrift)" "$(calc '%.2f' "($c1 - $c0) * 100000 / $n")" "" ""
}

# mount -> covered, over ARMN overlay mounts
bench_arm_delay() {
	local d=$BT/arm.d
	mkdir -p "$d"
	cp "$top"/rules.d/*.rules "$d/"
	cat > "$d/50-bench.rules" <<'EOF2'
## scripts/bench: every probe file the arming benchmark creates
rule bench_arm_probe {
	desc "arming probe"
	severity info
	when file.op == create and file.name startswith "probe-"
	output "%file.name"
}
EOF2
	audrift_up "$d" "$BT/arm.db"
	mkdir -p "$BT/armt"
	"$B/arm-delay" "$BT/armt" "${ARMN:-50}" > "$BT/arm.out"
	sleep 1
	stop_pid "$APID"; APID=
	bench_restore
	rm -rf "$BT/armt"
	sqlite3 "$BT/arm.db" "SELECT path FROM findings WHERE rule='bench_arm_probe';" |
	    sed 's,.*/probe-,,; s,-, ,' > "$BT/arm.seen"
	# per round: the first probe seen -> its time - the mount's time
	awk 'NR == FNR { if (!($1 in first) || $2 < first[$1]) first[$1] = $2; next }
	    $1 == "round" { t[$2 " " $6] = $8 - $4; m[$2] = 1 }
	    END { for (r in m) if (r in first) print t[r " " first[r]] / 1000.0;
		  else print "miss" }' "$BT/arm.seen" "$BT/arm.out" > "$BT/arm.ms"
	ARM_MISS=$(grep -c miss "$BT/arm.ms" || true)
	ARM_P50=$(grep -v miss "$BT/arm.ms" | sort -g | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "-" }')
	ARM_P99=$(grep -v miss "$BT/arm.ms" | sort -g | awk '{ v[NR] = $1 } END { i = int(NR * 0.99 + 0.99); print NR ? v[i < 1 ? 1 : i] : "-" }')
	row "arming: overlay mounted -> covered, p50 / p99 over ${ARMN:-50} mounts (first probe seen, probes every ~0.1 ms)" "$ARM_P50 / $ARM_P99 ms, $ARM_MISS never covered" "p99 <= 20 ms" "$(verdict "${ARM_P99/-/9999}" '<=' 20)"
}

# SHORTN containers that drop a binary into /usr/bin, run it and exit
bench_short_lived() {
	local n=${SHORTN:-200} i id ok=0 ids=
	audrift_up "$top/rules.d" "$BT/short.db"
	for i in $(seq "$n"); do
		id=$(podman run -d --network none "$IMG" sh -c \
		    'cp /bin/busybox /usr/bin/x; exec -a true /usr/bin/x') || continue
		ids="$ids $id"
	done
	# shellcheck disable=SC2086
	podman wait $ids >/dev/null 2>&1
	sleep 2
	stop_pid "$APID"; APID=
	bench_restore
	# shellcheck disable=SC2086
	podman rm -f -t 0 $ids >/dev/null 2>&1
	for id in $ids; do
		[ "$(sqlite3 "$BT/short.db" "SELECT count(DISTINCT rule) FROM findings WHERE container_id='$id' AND rule IN ('essential_binary_modified_in_container', 'drift_binary_executed_in_container');")" = 2 ] &&
		    ok=$((ok + 1))
	done
	how=$(sqlite3 "$BT/short.db" "SELECT group_concat(a || ' ' || c, ', ') FROM (SELECT attribution AS a, count(*) AS c FROM findings WHERE rule IN ('essential_binary_modified_in_container', 'drift_binary_executed_in_container') GROUP BY a);")
	r=$(calc '%.3f' "$ok / $n")
	row "short-lived: $n containers drop /usr/bin/x, run it, exit: both findings on the right full id" "$ok of $n (by: $how)" "" ""
	row "short-lived: rate" "$r" ">= 0.995" "$(verdict "$r" '>=' 0.995)"
}
