#!/bin/sh
# A container whose image carries hostile package databases (issue 13)
# changes /usr/bin: the findings are still stored within 2 s, with
# evidence that says what stopped the package lookup, and audrift run
# exits cleanly within 2 s of SIGTERM, the kernel state restored.  Two
# images:
#  - A: var/lib/dpkg/info with 10,000 *.md5sums files, and an
#    rpmdb.sqlite whose Packages is a never-ending recursive view;
#  - B: an rpmdb.sqlite whose one header names 100,000 files (reading it
#    k-th string by k-th string from the start was quadratic: minutes).
# Both are changed in the container's /usr/bin, which also writes a
# forged md5sums into the upper layer of A (reported, never trusted).
. "$top_srcdir/tests/e2e/ctr-lib.sh"
IMGA=localhost/audrift-hostile-a:1
IMGB=localhost/audrift-hostile-b:1
rm_images() { podman rmi -f "$IMGA" "$IMGB" >/dev/null 2>&1; }
CTR_EXTRA_CLEANUP=rm_images
ctr_begin

# be32 V: V as 4 big-endian bytes
be32() {
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 >> 24 & 255)) \
	    $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)))"
}

# hostile_a ROOT: 10,000 md5sums, Packages a recursive view
hostile_a() {
	mkdir -p "$1/var/lib/dpkg/info" "$1/usr/lib/sysimage/rpm" || return 1
	( cd "$1/var/lib/dpkg/info" && i=0 && while [ $i -lt 10000 ]; do
		echo "00000000000000000000000000000000  usr/share/doc/p$i/x" > "p$i.md5sums"
		i=$((i + 1))
	done ) || return 1
	sqlite3 "$1/usr/lib/sysimage/rpm/rpmdb.sqlite" "CREATE VIEW Packages AS
	    WITH RECURSIVE r(blob) AS (SELECT x'00' UNION ALL SELECT blob FROM r)
	    SELECT blob FROM r;"
}

# hostile_b ROOT: one header of N files in /usr/bin/ (none of them the
# one changed), digests "dNNNNNNN"
hostile_b() {
	N=100000
	mkdir -p "$1/var/lib/rpm" || return 1
	seq -f 'b%07g' 0 $((N - 1)) | tr '\n' '\000' > "$T/bases"
	seq -f 'd%07g' 0 $((N - 1)) | tr '\n' '\000' > "$T/digests"
	nb=$(wc -c < "$T/bases")
	# data: "big\0" bases "/usr/bin/\0" pad-to-4 indexes digests
	o1=4; o2=$((o1 + nb)); o3=$(( (o2 + 10 + 3) / 4 * 4 ))
	o4=$((o3 + 4 * N)); dl=$((o4 + $(wc -c < "$T/digests")))
	{
		be32 5; be32 $dl
		be32 1000; be32 6; be32 0; be32 1
		be32 1117; be32 8; be32 $o1; be32 $N
		be32 1118; be32 8; be32 $o2; be32 1
		be32 1116; be32 4; be32 $o3; be32 $N
		be32 1035; be32 8; be32 $o4; be32 $N
		printf 'big\000'; cat "$T/bases"; printf '/usr/bin/\000'
		head -c $((o3 - o2 - 10)) /dev/zero
		head -c $((4 * N)) /dev/zero; cat "$T/digests"
	} > "$T/blob"
	sqlite3 "$1/var/lib/rpm/rpmdb.sqlite" "CREATE TABLE Packages (hnum
	    INTEGER PRIMARY KEY, blob BLOB NOT NULL);
	    INSERT INTO Packages(blob) VALUES (readfile('$T/blob'));"
}
rm_images
ctr_image "$IMGA" hostile_a
ctr_image "$IMGB" hostile_b

audrift_start "$top_srcdir/rules.d"
ctr_run CA "$IMGA" /bin/busybox sleep 600
ctr_run CB "$IMGB" /bin/busybox sleep 600
ctr_wait_rules "$CA"
ctr_wait_rules "$CB"
C="evidence IS NOT NULL AND path='/usr/bin/evil'"

# A: write a binary into /usr/bin, forge its md5sums in the upper layer
t0=$(now_ms)
podman exec "$CA" sh -c 'cp /bin/busybox /usr/bin/evil &&
    echo "$(md5sum /usr/bin/evil | cut -c1-32)  usr/bin/evil" > /var/lib/dpkg/info/evil.md5sums' ||
	fail "podman exec in A"
wait_row "container_id='$CA' AND $C" 2000
echo "A (10,000 md5sums, recursive view): finding stored $(( $(now_ms) - t0 )) ms after the change"
EA=$(sqlite3 "$DB" "SELECT evidence FROM findings WHERE container_id='$CA' AND $C ORDER BY id DESC LIMIT 1;")
echo "A evidence: $EA"
echo "$EA" | grep -Eq 'timed out|refused' ||
	fail "A: the evidence does not say the package lookup stopped: $EA"
[ "$(sqlite3 "$DB" "SELECT package_ok FROM findings WHERE container_id='$CA' AND $C ORDER BY id DESC LIMIT 1;")" != 1 ] ||
	fail "A: the forged md5sums in the upper layer was trusted"
[ "$(sqlite3 "$DB" "SELECT file_sha256 FROM findings WHERE container_id='$CA' AND $C ORDER BY id DESC LIMIT 1;")" = \
    "$(sha256sum < /bin/busybox | cut -c1-64)" ] || echo "A: file not hashed (deadline spent on the package lookup)"

# B: the same change against the long header
t0=$(now_ms)
podman exec "$CB" sh -c 'cp /bin/busybox /usr/bin/evil' || fail "podman exec in B"
wait_row "container_id='$CB' AND $C" 2000
echo "B (100,000-file header): finding stored $(( $(now_ms) - t0 )) ms after the change"
EB=$(sqlite3 "$DB" "SELECT evidence || ' / ' || coalesce(file_sha256, '') FROM findings WHERE container_id='$CB' AND $C ORDER BY id DESC LIMIT 1;")
echo "B evidence: $EB"

# a later change in A waits for nothing: the queue is not clogged
podman exec "$CA" sh -c 'echo x > /usr/bin/evil2' || fail "podman exec in A"
wait_row "container_id='$CA' AND evidence IS NOT NULL AND path='/usr/bin/evil2'" 2000
sqlite3 "$DB" "SELECT count(*) FROM findings WHERE evidence LIKE 'skipped%';" | grep -qx 0 ||
	fail "findings skipped: evidence queue full"

t0=$(now_ms)
live_stop
echo "clean exit $(( $(now_ms) - t0 )) ms after SIGTERM"
ctr_rm "$CA"
ctr_rm "$CB"
check_restored
exit 0
