-- schema.sql - audrift's database: a public interface (docs/schema.md).
--
-- The binary embeds this file.  It is a chain of forward migrations: the
-- block after "-- @@ N" takes a database from user_version N-1 to N.  A new
-- database runs every block; an older one runs the blocks it lacks, in one
-- transaction each, and is never dropped.  Never edit a released block:
-- append a new one.
--
-- It is PostgreSQL's too: scripts/schema-gen derives that schema (types
-- mapped) and docs/schema.md's DDL table from this file.  What the two
-- spell differently is written twice: "-- @sqlite" lines, then "-- @pg"
-- and PostgreSQL's lines prefixed "--| ", then "-- @end".

-- @@ 1
CREATE TABLE findings (
	id		INTEGER PRIMARY KEY,
	time		TEXT NOT NULL,	-- ISO-8601 UTC, ms, audit timestamp
	serial		INTEGER,	-- audit event serial
	host		TEXT,
	rule		TEXT NOT NULL,
	severity	TEXT,
	tags		TEXT,		-- JSON array
	message		TEXT,		-- the rule's rendered output
	syscall		TEXT,
	op		TEXT,		-- exec, write, create, chmod, ...
	success		INTEGER,
	path		TEXT,
	path2		TEXT,		-- rename / link target
	exe		TEXT,
	comm		TEXT,
	cmdline		TEXT,
	pid		INTEGER,
	ppid		INTEGER,
	uid		INTEGER,
	euid		INTEGER,
	auid		INTEGER,
	container_id	TEXT,		-- full id; NULL on the host
	container_runtime TEXT,
	container_name	TEXT,
	image		TEXT,
	pod_uid		TEXT,
	event		TEXT		-- the normalized event, JSON
);
CREATE INDEX findings_time ON findings(time);
CREATE INDEX findings_rule ON findings(rule, time);
CREATE INDEX findings_container ON findings(container_id, time)
	WHERE container_id IS NOT NULL;
CREATE INDEX findings_path ON findings(path) WHERE path IS NOT NULL;
-- @sqlite
-- @pg
--| -- PostgreSQL only: a fleet's findings carry their host's id and id
--| -- there (run --forward); the key makes a resent finding a no-op
--| ALTER TABLE findings ADD COLUMN host_id TEXT;
--| ALTER TABLE findings ADD COLUMN host_finding_id BIGINT;
--| CREATE UNIQUE INDEX findings_host_finding
--| 	ON findings(host_id, host_finding_id);
-- @end

CREATE TABLE containers (
	id		TEXT PRIMARY KEY,
	runtime		TEXT,
	name		TEXT,
	image		TEXT,
	pod		TEXT,
	first_seen	TEXT NOT NULL,
	last_seen	TEXT NOT NULL
);

CREATE TABLE runs (
	id		INTEGER PRIMARY KEY,
	start		TEXT NOT NULL,
	stop		TEXT,		-- NULL: running, or killed
	version		TEXT,
	host		TEXT,
	source		TEXT,
	rules_digest	TEXT,
	records_read	INTEGER,
	events_read	INTEGER,
	events_lost	INTEGER,
	malformed	INTEGER,
	findings	INTEGER
);

-- @sqlite
CREATE VIEW recent_findings AS
	SELECT id, time, severity, rule, container_name, container_id, op,
	    path, exe, comm, message
	FROM findings
	WHERE time >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')
	ORDER BY time DESC;

CREATE VIEW drift_by_container AS
	SELECT container_id, container_name, image,
	    count(*) AS findings, count(DISTINCT rule) AS rules,
	    count(DISTINCT path) AS paths,
	    min(time) AS first, max(time) AS last
	FROM findings
	WHERE container_id IS NOT NULL
	GROUP BY container_id
	ORDER BY findings DESC;
-- @pg
--| CREATE VIEW recent_findings AS
--| 	SELECT id, time, severity, rule, container_name, container_id, op,
--| 	    path, exe, comm, message
--| 	FROM findings
--| 	WHERE time >= now() - interval '1 day'
--| 	ORDER BY time DESC;
--|
--| CREATE VIEW drift_by_container AS
--| 	SELECT container_id, max(container_name) AS container_name,
--| 	    max(image) AS image,
--| 	    count(*) AS findings, count(DISTINCT rule) AS rules,
--| 	    count(DISTINCT path) AS paths,
--| 	    min(time) AS first, max(time) AS last
--| 	FROM findings
--| 	WHERE container_id IS NOT NULL
--| 	GROUP BY container_id
--| 	ORDER BY findings DESC;
-- @end

CREATE VIEW findings_by_rule AS
	SELECT rule, severity, count(*) AS findings,
	    count(DISTINCT container_id) AS containers,
	    min(time) AS first, max(time) AS last
	FROM findings
	GROUP BY rule, severity
	ORDER BY findings DESC;

PRAGMA user_version = 1;

-- @@ 2
-- Evidence a finding carries (containers issue), and the runs' overflow
-- count, so an auditor can tell lost findings from none.
ALTER TABLE findings ADD COLUMN attribution TEXT;	-- how the container was found
ALTER TABLE findings ADD COLUMN upper_layer INTEGER;	-- file in the container's upper layer
ALTER TABLE findings ADD COLUMN file_mode INTEGER;
ALTER TABLE findings ADD COLUMN file_uid INTEGER;
ALTER TABLE findings ADD COLUMN file_gid INTEGER;
ALTER TABLE findings ADD COLUMN file_size INTEGER;
ALTER TABLE findings ADD COLUMN file_mtime TEXT;
ALTER TABLE findings ADD COLUMN file_sha256 TEXT;
ALTER TABLE findings ADD COLUMN image_sha256 TEXT;
ALTER TABLE findings ADD COLUMN package TEXT;		-- owning package, if any
ALTER TABLE findings ADD COLUMN package_ok INTEGER;	-- matches the package's digest
ALTER TABLE runs ADD COLUMN findings_dropped INTEGER;

DROP VIEW drift_by_container;
-- @sqlite
CREATE VIEW drift_by_container AS
	SELECT container_id, container_name, image,
	    count(*) AS findings, count(DISTINCT rule) AS rules,
	    count(DISTINCT path) AS paths,
	    sum(upper_layer = 1) AS upper_layer_findings,
	    min(time) AS first, max(time) AS last
	FROM findings
	WHERE container_id IS NOT NULL
	GROUP BY container_id
	ORDER BY findings DESC;
-- @pg
--| CREATE VIEW drift_by_container AS
--| 	SELECT container_id, max(container_name) AS container_name,
--| 	    max(image) AS image,
--| 	    count(*) AS findings, count(DISTINCT rule) AS rules,
--| 	    count(DISTINCT path) AS paths,
--| 	    sum((upper_layer = 1)::int) AS upper_layer_findings,
--| 	    min(time) AS first, max(time) AS last
--| 	FROM findings
--| 	WHERE container_id IS NOT NULL
--| 	GROUP BY container_id
--| 	ORDER BY findings DESC;
-- @end

PRAGMA user_version = 2;

-- @@ 3
-- Evidence gathered off the event thread (evidence.c): "ok" or why it is
-- missing, and how long after detection it was gathered.
ALTER TABLE findings ADD COLUMN evidence TEXT;
ALTER TABLE findings ADD COLUMN evidence_ms INTEGER;

PRAGMA user_version = 3;

-- @@ 4
-- Actions (issue 16, action.c): one row per decision on a rule's action
-- or an analyst's command, whether it was carried out or not.  Self-
-- contained: it touches no other table.  A finding's row is joined by
-- (serial, rule, event_time = findings.time); the view does it.
CREATE TABLE actions (
	id		INTEGER PRIMARY KEY,
	time		TEXT NOT NULL,	-- ISO-8601 UTC, ms, when decided
	action		TEXT NOT NULL,	-- freeze, evict, kill, thaw
	result		TEXT NOT NULL,	-- done, would, refused, failed
	origin		TEXT NOT NULL,	-- rule, analyst
	rule		TEXT,		-- the rule that carried it
	serial		INTEGER,	-- its finding's audit event serial
	event_time	TEXT,		-- its finding's time
	container_id	TEXT,		-- full id; NULL on the host
	container_name	TEXT,
	pid		INTEGER,	-- the process of the event
	cgroup		TEXT,		-- the cgroup directory acted on
	errno		INTEGER,	-- failed: the error number
	why		TEXT		-- refused / failed: why; done: how
);
CREATE INDEX actions_time ON actions(time);
CREATE INDEX actions_container ON actions(container_id, time)
	WHERE container_id IS NOT NULL;

CREATE VIEW action_findings AS
	SELECT a.id AS action_id, f.id AS finding_id, a.time, a.action,
	    a.result, a.rule, a.container_id, a.container_name, a.pid,
	    a.why, f.path, f.exe, f.message
	FROM actions a LEFT JOIN findings f
	    ON f.serial = a.serial AND f.rule = a.rule AND
	    f.time = a.event_time;

PRAGMA user_version = 4;

-- @@ 5
-- The auditor's evidence (issue 19): each comparison `audrift diff --all`
-- performed (PCI DSS 11.5.2 asks for one at least weekly), and each human
-- review of a finding (`audrift ack`).  Self-contained: only new tables.
CREATE TABLE comparisons (
	id		INTEGER PRIMARY KEY,
	time		TEXT NOT NULL,	-- ISO-8601 UTC, ms: when it finished
	kind		TEXT NOT NULL,	-- container, host
	target		TEXT NOT NULL,	-- container id, or the host dir
	name		TEXT,		-- container name, or the host's name
	image		TEXT,		-- container image; NULL for host
	baseline	TEXT,		-- image, dpkg, rpm, dpkg+rpm, none
	files_checked	INTEGER,
	changed		INTEGER,	-- differ from the baseline
	unverified	INTEGER,	-- host: files no package vouches for
	result		TEXT NOT NULL,	-- pass, changed, error
	detail		TEXT		-- JSON: changed paths, or the error
);
CREATE INDEX comparisons_time ON comparisons(time);

CREATE TABLE reviews (
	id		INTEGER PRIMARY KEY,
	finding_id	INTEGER NOT NULL,	-- findings.id (kept when
						-- retention prunes it)
	time		TEXT NOT NULL,		-- ISO-8601 UTC, ms
	reviewer	TEXT NOT NULL,
	note		TEXT
);
CREATE INDEX reviews_finding ON reviews(finding_id);

PRAGMA user_version = 5;

-- @@ 6
-- Container posture (issue 15, posture.c): the event's kind (syscall,
-- after_the_fact, container_start), the image's manifest digest and the
-- Kubernetes names of the container, for filtering findings (which
-- digest ran, which pod to `kubectl exec` into).  Self-contained: it
-- only adds columns to findings (no index: inserts stay as fast).
ALTER TABLE findings ADD COLUMN kind TEXT;
ALTER TABLE findings ADD COLUMN image_digest TEXT;	-- sha256:..., NULL unknown
ALTER TABLE findings ADD COLUMN k8s_pod_name TEXT;
ALTER TABLE findings ADD COLUMN k8s_ns_name TEXT;
ALTER TABLE findings ADD COLUMN k8s_container_name TEXT;

PRAGMA user_version = 6;
