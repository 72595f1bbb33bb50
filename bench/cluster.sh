#!/usr/bin/env bash
# Drill: the site on two machines, sharing one PostgreSQL and one Redis, on this machine.
#
# Usage: sudo bench/cluster.sh        (from anywhere; needs root, `ip netns`, the repository's
#                                      .venv, PostgreSQL 15's binaries and redis-server)
#   CLUSTER_FEEDS=6    feeds due at once (default 6)
#   CLUSTER_KEEP_LOGS=1  keep the logs folder (its path is printed) instead of deleting it
#   CLUSTER_RATELIMIT_STORAGE_URI=memory://  a control run: each worker counts logins on
#                      its own, and the logins check must then FAIL
#
# It builds five network namespaces joined by veth pairs to a bridge on 10.213.0.0/24:
#   pt-net     the bridge only
#   pt-db      10.213.0.2    its own PostgreSQL cluster (initdb in a temporary folder) and Redis
#   pt-b       10.213.0.11   "host B": gunicorn (2 workers) :8000 and the feed poller
#   pt-c       10.213.0.12   "host C": the same
#   pt-client  10.213.0.100  the visitors (bench/cluster_drill.py check) and a feed server :8080
# then checks, printing PASS/FAIL with the figures, and exits 1 if one fails:
#   pages   a ruling recorded through host B's forms shows on host C's next answer
#           (every worker's page cache is invalidated through the shared data version);
#   feeds   N feeds due, read by both pollers: each fetched exactly once per due period,
#           counted in the feed server's log and in the feedfetch rows;
#   logins  wrong passwords alternating between B and C are refused after the configured
#           count in total (the limiter's counters live in the shared Redis);
#   digests `mail send-digests` started on B and C at once mails each editor exactly once
#           (an SMTP server in pt-client; MAIL_URL is given to these two commands only).
# It takes three to four minutes (the feeds' second due period is a minute after the first).
#
# Nothing outside the namespaces it made is touched: the veths are created inside them, the
# machine's own interfaces, routes, firewall, PostgreSQL and Redis are left alone. On exit,
# Ctrl-C or failure, a trap stops every process in those namespaces, deletes them and the
# temporary folder; a leftover from an interrupted run is removed at the start.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV_BIN="$ROOT/.venv/bin"
PG_BIN=/usr/lib/postgresql/15/bin
PREFIX=pt
NAMESPACES=("$PREFIX-net" "$PREFIX-db" "$PREFIX-b" "$PREFIX-c" "$PREFIX-client")
SUBNET=10.213.0
DB_ADDR=$SUBNET.2
B_ADDR=$SUBNET.11
C_ADDR=$SUBNET.12
CLIENT_ADDR=$SUBNET.100
WORK=${TMPDIR:-/tmp}/pt-cluster-drill
FEEDS=${CLUSTER_FEEDS:-6}
DIGEST_EDITORS=30 # each mail is held 0.2 s: the two hosts' rounds overlap
SITE_HOST=tracker.drill.invalid
EDITOR_EMAIL=editor@drill.example.org
EDITOR_PASSWORD=drill-editor-password-1234
# The per account-and-address login limit, set apart from its default so the figure
# printed is visibly the configured one.
LOGIN_LIMIT="4 per minute;30 per hour"
DATABASE_URL="postgresql+psycopg://postgres@$DB_ADDR:5432/tracker"
LIMITER_STORAGE=${CLUSTER_RATELIMIT_STORAGE_URI:-redis://$DB_ADDR:6379/0}
STARTED=$SECONDS
DEADLINE=$((SECONDS + 420)) # no step waits past this: the whole drill is bounded

say() { printf '%s\n' "$*"; }
step() { printf -- '-- %s (%ss)\n' "$*" $((SECONDS - STARTED)); }
fail() {
	say "FAIL  $*"
	exit 1
}

in_ns() { # in_ns NAMESPACE COMMAND...: run inside one of ours
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

remove_everything() {
	if [[ -s "$WORK/pg/postmaster.pid" ]]; then
		runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
	fi
	local ns pids round
	for round in TERM TERM TERM TERM TERM TERM TERM TERM TERM TERM KILL; do
		pids=""
		for ns in "${NAMESPACES[@]}"; do
			# Only processes inside a namespace this script made (it started them all).
			[[ -e "/run/netns/$ns" ]] && pids+=" $(ip netns pids "$ns" 2>/dev/null || true)"
		done
		[[ -z "${pids// /}" ]] && break
		# shellcheck disable=SC2086  # a list of process ids
		kill -"$round" $pids 2>/dev/null || true
		sleep 0.5
	done
	for ns in "${NAMESPACES[@]}"; do
		[[ -e "/run/netns/$ns" ]] && ip netns del "$ns" 2>/dev/null || true
	done
	if [[ "${CLUSTER_KEEP_LOGS:-0}" == 1 && -d "$WORK" ]]; then
		rm -rf "$WORK/pg" "$WORK/pgsock" "$WORK/redis"
	else
		rm -rf "$WORK"
	fi
}

on_exit() {
	local status=$?
	trap - EXIT INT TERM
	remove_everything
	if [[ "${CLUSTER_KEEP_LOGS:-0}" == 1 ]]; then
		say "Logs kept in $WORK"
	elif ((status != 0)); then
		say "CLUSTER_KEEP_LOGS=1 keeps the processes' logs for a look."
	fi
	say "Namespaces, processes and temporary files removed."
	exit "$status"
}

wait_until() { # wait_until SECONDS DESCRIPTION COMMAND...: retry every half second
	local limit=$((SECONDS + $1)) what=$2
	shift 2
	until "$@" >/dev/null 2>&1; do
		((SECONDS < limit && SECONDS < DEADLINE)) || fail "$what: not ready in time"
		sleep 0.5
	done
}

app() { # app NAMESPACE COMMAND...: an app process, same settings on both hosts, nothing inherited
	local ns=$1
	shift
	ip netns exec "$ns" env -i PATH="$VENV_BIN:/usr/bin:/bin" HOME="$WORK" LANG=C.UTF-8 \
		FLASK_APP=app \
		DATABASE_URL="$DATABASE_URL" \
		RATELIMIT_STORAGE_URI="$LIMITER_STORAGE" \
		SECRET_KEY="$SECRET_KEY" \
		SITE_URL="http://$SITE_HOST" \
		LOGIN_LIMIT_ACCOUNT_ADDRESS="$LOGIN_LIMIT" \
		"$@"
}

# The poller reads feeds from the client namespace, a private address: the development
# allowance (FEEDS_ALLOW_PRIVATE needs FLASK_DEBUG=1). The web processes run without it.
poller() {
	local ns=$1
	shift
	app "$ns" FEEDS_ALLOW_PRIVATE=1 FLASK_DEBUG=1 "$@"
}

check_prerequisites() {
	[[ $EUID -eq 0 ]] || fail "run as root: sudo bench/cluster.sh"
	local tool
	for tool in ip runuser redis-server "$PG_BIN/initdb" "$PG_BIN/pg_ctl" "$VENV_BIN/gunicorn" \
		"$VENV_BIN/flask" "$VENV_BIN/alembic"; do
		command -v "$tool" >/dev/null || fail "missing: $tool"
	done
	id postgres >/dev/null 2>&1 || fail "no postgres user to run PostgreSQL as"
}

build_network() {
	step "network namespaces ${NAMESPACES[*]} on $SUBNET.0/24"
	local ns
	for ns in "${NAMESPACES[@]}"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	ip -n "$PREFIX-net" link add br0 type bridge
	ip -n "$PREFIX-net" link set br0 up
	local name addr
	for name in db:$DB_ADDR b:$B_ADDR c:$C_ADDR client:$CLIENT_ADDR; do
		addr=${name#*:}
		name=${name%%:*}
		# Both ends are created inside our namespaces: the machine's own never sees them.
		ip link add eth0 netns "$PREFIX-$name" type veth peer name "to-$name" netns "$PREFIX-net"
		ip -n "$PREFIX-net" link set dev "to-$name" master br0 up
		ip -n "$PREFIX-$name" addr add "$addr/24" dev eth0
		ip -n "$PREFIX-$name" link set eth0 up
	done
}

start_database() {
	step "PostgreSQL 15 and Redis in $PREFIX-db ($DB_ADDR)"
	mkdir -p "$WORK/pg" "$WORK/pgsock" "$WORK/pglog" "$WORK/redis"
	chown postgres: "$WORK/pg" "$WORK/pgsock" "$WORK/pglog"
	runuser -u postgres -- "$PG_BIN/initdb" -D "$WORK/pg" -U postgres --auth=trust \
		--encoding=UTF8 --no-locale >"$WORK/initdb.log"
	# Its own socket folder: the machine's PostgreSQL keeps /var/run/postgresql to itself.
	cat >>"$WORK/pg/postgresql.conf" <<-EOF
		listen_addresses = '$DB_ADDR'
		port = 5432
		unix_socket_directories = '$WORK/pgsock'
		fsync = off
	EOF
	echo "host all all $SUBNET.0/24 trust" >>"$WORK/pg/pg_hba.conf"
	in_ns "$PREFIX-db" runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pglog/postgresql.log" \
		-w -t 60 start >/dev/null
	in_ns "$PREFIX-db" runuser -u postgres -- "$PG_BIN/createdb" -h "$DB_ADDR" -U postgres tracker
	# Redis 7 refuses every non-loopback client without a password unless protected mode is
	# off: this one listens only on the drill's private bridge.
	in_ns "$PREFIX-db" redis-server --bind "$DB_ADDR" --port 6379 --protected-mode no \
		--save '' --appendonly no --dir "$WORK/redis" --logfile "$WORK/redis.log" &
	wait_until 30 "Redis" in_ns "$PREFIX-b" bash -c "exec 3<>/dev/tcp/$DB_ADDR/6379"
}

prepare_data() {
	step "migrations, demo data, an editor and $FEEDS feeds (once, from host B)"
	cd "$ROOT"
	app "$PREFIX-b" alembic upgrade head >"$WORK/migrate.log" 2>&1 ||
		fail "alembic upgrade head (see $WORK/migrate.log)"
	app "$PREFIX-b" flask demo load >"$WORK/demo.log" 2>&1 ||
		fail "flask demo load (see $WORK/demo.log)"
	app "$PREFIX-b" flask users create "$EDITOR_EMAIL" --role editor \
		--password "$EDITOR_PASSWORD" --name "Drill editor" >/dev/null
	mkdir -p "$WORK/feeds"
	in_ns "$PREFIX-client" "$VENV_BIN/python" "$ROOT/bench/cluster_drill.py" serve-feeds \
		--bind "$CLIENT_ADDR" --port 8080 --folder "$WORK/feeds" --feeds "$FEEDS" \
		2>"$WORK/feed-server.log" &
	wait_until 20 "feed server" in_ns "$PREFIX-b" bash -c "exec 3<>/dev/tcp/$CLIENT_ADDR/8080"
	local n
	for ((n = 1; n <= FEEDS; n++)); do
		poller "$PREFIX-b" flask feeds add "http://$CLIENT_ADDR:8080/feed-$n.xml" \
			--name "Drill $n" --interval 1 >/dev/null
	done
}

start_hosts() {
	step "gunicorn (2 workers) and the poller on host B ($B_ADDR) and host C ($C_ADDR)"
	cd "$ROOT"
	local host addr
	for host in b:$B_ADDR c:$C_ADDR; do
		addr=${host#*:}
		host=${host%%:*}
		app "$PREFIX-$host" gunicorn -w 2 -b "$addr:8000" --timeout 60 \
			--access-logfile "$WORK/$host-access.log" "app:create_app()" \
			>"$WORK/$host-web.log" 2>&1 &
	done
	for host in b:$B_ADDR c:$C_ADDR; do
		addr=${host#*:}
		host=${host%%:*}
		wait_until 60 "gunicorn on host ${host^^}" in_ns "$PREFIX-client" curl -sf -o /dev/null \
			-H "Host: $SITE_HOST" "http://$addr:8000/healthz"
	done
	# Both pollers start together, every feed due: they race for the same rows.
	for host in b c; do
		poller "$PREFIX-$host" flask feeds watch --max-sleep 1 \
			>"$WORK/$host-poller.log" 2>&1 &
	done
}

run_checks() {
	step "checks from $PREFIX-client ($CLIENT_ADDR)"
	local budget=$((DEADLINE - SECONDS))
	in_ns "$PREFIX-client" timeout "$budget" "$VENV_BIN/python" "$ROOT/bench/cluster_drill.py" \
		check \
		--host-b "http://$B_ADDR:8000" --host-c "http://$C_ADDR:8000" \
		--address-b "$B_ADDR" --address-c "$C_ADDR" --site-host "$SITE_HOST" \
		--email "$EDITOR_EMAIL" --password "$EDITOR_PASSWORD" --login-limit "$LOGIN_LIMIT" \
		--database-url "$DATABASE_URL" --feed-log "$WORK/feed-server.log" \
		--feed-prefix "http://$CLIENT_ADDR:8080/" --feeds "$FEEDS" &
	# Waited for with `wait`, which a signal interrupts: Ctrl-C or a TERM tears down at
	# once instead of after the checks (bash runs traps only between commands).
	wait $!
}

run_digest_check() {
	step "daily digests: \`mail send-digests\` on hosts B and C at the same time"
	in_ns "$PREFIX-client" "$VENV_BIN/python" "$ROOT/bench/cluster_drill.py" serve-mail \
		--bind "$CLIENT_ADDR" --port 2525 --log "$WORK/mail.log" >"$WORK/mail-server.log" 2>&1 &
	wait_until 20 "mail server" in_ns "$PREFIX-b" bash -c "exec 3<>/dev/tcp/$CLIENT_ADDR/2525"
	in_ns "$PREFIX-client" "$VENV_BIN/python" "$ROOT/bench/cluster_drill.py" prepare-digests \
		--database-url "$DATABASE_URL" --count "$DIGEST_EDITORS"
	touch "$WORK/mail.log"
	local host pids=()
	for host in b c; do
		app "$PREFIX-$host" MAIL_URL="smtp://$CLIENT_ADDR:2525" timeout 120 \
			flask mail send-digests >"$WORK/$host-digests.log" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}" || fail "mail send-digests (see $WORK/b-digests.log, c-digests.log)"
	say "      (host B: $(tail -n 1 "$WORK/b-digests.log"); host C: $(tail -n 1 "$WORK/c-digests.log"))"
	in_ns "$PREFIX-client" "$VENV_BIN/python" "$ROOT/bench/cluster_drill.py" check-digests \
		--database-url "$DATABASE_URL" --mail-log "$WORK/mail.log" \
		--address-b "$B_ADDR" --address-c "$C_ADDR"
}

main() {
	check_prerequisites
	remove_everything # a leftover of an interrupted run
	trap on_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mkdir -p "$WORK"
	SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') # one key, both hosts
	build_network
	start_database
	prepare_data
	start_hosts
	local status=0
	run_checks || status=1
	run_digest_check || status=1
	step "done"
	if ((status == 0)); then say "All checks passed."; else say "FAILED: see the FAIL lines above."; fi
	return "$status"
}

main "$@"
