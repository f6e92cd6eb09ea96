#!/usr/bin/env bash
# Import benchmark at campaign scale: generates N realistic v1.1 tweets
# (bench/v11gen: retweets carrying their original, N/3 authors, a week of
# posts out of time order, profile locations, 5% duplicate lines) and, in
# the same run and interleaved per size, imports them with
#   - tagpulse import (then tagpulse check and tagpulse rebuild of that store),
#   - sqlite3 the twarc-hashtags way: JSONL → json_extract → INSERT OR IGNORE
#     → day × country GROUP BY, WAL, synchronous=NORMAL,
#   - DuckDB (@duckdb/node-api, installed by npm into a temp folder):
#     read_ndjson, dedupe, the same group-by, persisted to a file,
# printing wall, CPU (user+sys: the machine may be shared), posts/s,
# µs/post (of CPU), max RSS, peak anonymous RSS (tagpulse: bbolt's mmap'd
# file pages aside), store bytes/post, and tagpulse's ratios to the others.
#
#   bash bench/import.sh                # 200k, 1M, 3M
#   SIZES="200000 1000000" bash bench/import.sh
#   BIG=1 bash bench/import.sh          # adds 10M
#   ENGINES="tagpulse" bash bench/import.sh   # only some engines
#   IMPORT_ONLY=1 …                     # tagpulse import without check and rebuild
#
# Generated files are kept in $DATA (default $WORK, itself by default
# $TMPDIR/tagpulse-import-bench) and reused; stores are deleted after each run. Results go to
# $WORK/results.tsv; with gnuplot installed, $WORK/growth.png plots
# tagpulse's CPU-µs/post and max RSS against posts.
# It is a benchmark, not a test: nothing here asserts a time.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"200000 1000000 3000000"}
[ "${BIG:-}" = 1 ] && SIZES="$SIZES 10000000"
ENGINES=${ENGINES:-"tagpulse sqlite duckdb"}
WORK=${WORK:-${TMPDIR:-/tmp}/tagpulse-import-bench}
DUCKDB_VERSION=${DUCKDB_VERSION:-1.5.6-r.1}
DATA=${DATA:-$WORK} # where generated files are kept
mkdir -p "$WORK" "$DATA"
BIN=$WORK/bin
mkdir -p "$BIN"
go build -o "$BIN/tagpulse" ./cmd/tagpulse
go build -o "$BIN/gen" ./bench/gen
[ -x /usr/bin/time ] || { echo "bench/import.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }

if [[ " $ENGINES " == *" sqlite "* ]]; then
  command -v sqlite3 >/dev/null || { echo "bench/import.sh: sqlite3 not found" >&2; exit 1; }
fi
if [[ " $ENGINES " == *" duckdb "* ]]; then
  DUCK=$WORK/duckdb-node
  if [ ! -d "$DUCK/node_modules/@duckdb/node-api" ]; then
    mkdir -p "$DUCK"
    (cd "$DUCK" && npm init -y >/dev/null && npm install --silent "@duckdb/node-api@$DUCKDB_VERSION" >/dev/null)
  fi
  cat >"$DUCK/import.mjs" <<'JS'
import { DuckDBInstance } from '@duckdb/node-api';
const [, , file, dbfile] = process.argv;
const inst = await DuckDBInstance.create(dbfile, { threads: '2' });
const con = await inst.connect();
await con.run(`CREATE TABLE tweets AS
  SELECT DISTINCT ON (id_str) id_str AS id, strptime(created_at, '%a %b %d %H:%M:%S %z %Y') AS created_at,
    full_text AS text, lang, "user".id_str AS author, "user".screen_name AS handle, "user".followers_count AS followers,
    "user".location AS profile_location, coalesce(place.country_code, 'ZZ') AS country,
    CASE WHEN retweeted_status IS NOT NULL THEN 'repost' WHEN in_reply_to_status_id_str IS NOT NULL THEN 'reply'
         WHEN is_quote_status THEN 'quote' ELSE 'original' END AS kind
  FROM read_ndjson('${file}', columns = {id_str: 'VARCHAR', created_at: 'VARCHAR', full_text: 'VARCHAR', lang: 'VARCHAR',
    "user": 'STRUCT(id_str VARCHAR, screen_name VARCHAR, followers_count BIGINT, location VARCHAR)',
    place: 'STRUCT(country_code VARCHAR)', retweeted_status: 'STRUCT(id_str VARCHAR)',
    in_reply_to_status_id_str: 'VARCHAR', is_quote_status: 'BOOLEAN'})`);
await con.run(`CREATE TABLE rollup AS
  SELECT created_at::DATE AS day, country, count(*) AS posts, count(DISTINCT author) AS participants,
    count(*) FILTER (WHERE kind = 'repost') AS reposts
  FROM tweets GROUP BY ALL`);
await con.run('CHECKPOINT');
const r = await con.runAndReadAll('SELECT count(*) FROM tweets');
console.error('duckdb: ' + r.getRows()[0][0] + ' posts');
con.closeSync();
JS
fi

SQL=$WORK/sqlite.sql
cat >"$SQL" <<'SQL'
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE tweets (id TEXT PRIMARY KEY, created_at TEXT, day TEXT, text TEXT, lang TEXT, author TEXT, handle TEXT,
  followers INTEGER, profile_location TEXT, country TEXT, kind TEXT);
CREATE TEMP TABLE raw (j TEXT);
.mode ascii
.separator "UNITSEP" "\n"
.import FILE raw
BEGIN;
INSERT OR IGNORE INTO tweets
  SELECT json_extract(j, '$.id_str'), json_extract(j, '$.created_at'),
    substr(json_extract(j, '$.created_at'), 27, 4) || '-' ||
      printf('%02d', (instr('JanFebMarAprMayJunJulAugSepOctNovDec', substr(json_extract(j, '$.created_at'), 5, 3)) + 2) / 3) || '-' ||
      substr(json_extract(j, '$.created_at'), 9, 2),
    json_extract(j, '$.full_text'), json_extract(j, '$.lang'), json_extract(j, '$.user.id_str'),
    json_extract(j, '$.user.screen_name'), json_extract(j, '$.user.followers_count'), json_extract(j, '$.user.location'),
    coalesce(json_extract(j, '$.place.country_code'), 'ZZ'),
    CASE WHEN json_extract(j, '$.retweeted_status.id_str') IS NOT NULL THEN 'repost'
         WHEN json_extract(j, '$.in_reply_to_status_id_str') IS NOT NULL THEN 'reply'
         WHEN json_extract(j, '$.is_quote_status') THEN 'quote' ELSE 'original' END
  FROM raw;
COMMIT;
DROP TABLE raw;
CREATE TABLE rollup AS SELECT day, country, count(*) AS posts, count(DISTINCT author) AS participants,
  sum(kind = 'repost') AS reposts FROM tweets GROUP BY day, country;
PRAGMA wal_checkpoint(TRUNCATE);
SQL

# measure NAME POSTS STORE CMD…: runs CMD under /usr/bin/time -v, sampling
# the peak anonymous RSS of the measured process, and prints one row.
RESULTS=$WORK/results.tsv
[ -f "$RESULTS" ] || printf 'posts\tengine\twall_s\tcpu_s\tposts_per_s\tcpu_us_per_post\tmax_rss_mb\tanon_rss_mb\tstore_bytes_per_post\n' >"$RESULTS"
measure() {
  local name=$1 posts=$2 store=$3; shift 3
  local tfile=$WORK/time.$$ anon=0 pid child a
  /usr/bin/time -v -o "$tfile" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for child in $(pgrep -P "$pid" 2>/dev/null); do
      a=$(awk '/^RssAnon:/ {print $2}' "/proc/$child/status" 2>/dev/null || echo 0)
      [ -n "$a" ] && [ "$a" -gt "$anon" ] && anon=$a
    done
    sleep 0.2
  done
  if ! wait "$pid"; then
    echo "bench/import.sh: $name failed:" >&2; tail -5 "$WORK/$name.err" >&2; exit 1
  fi
  local user sys wall rss size
  user=$(awk -F': ' '/User time/ {print $2}' "$tfile")
  sys=$(awk -F': ' '/System time/ {print $2}' "$tfile")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$tfile")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tfile")
  size=0
  for f in $store; do [ -e "$f" ] && size=$((size + $(du -b -c "$f" | tail -1 | cut -f1))); done
  awk -v p="$posts" -v n="$name" -v u="$user" -v s="$sys" -v w="$wall" -v r="$rss" -v a="$anon" -v z="$size" 'BEGIN {
    cpu = u + s; printf "%s\t%s\t%.1f\t%.1f\t%.0f\t%.1f\t%.0f\t%.0f\t%.0f\n", p, n, w, cpu, p / w, cpu * 1e6 / p, r / 1024, a / 1024, z / p }' | tee -a "$RESULTS" >"$WORK/row"
  awk -F'\t' '{ printf "  %-16s wall %7.1f s  cpu %7.1f s  %8d posts/s  %6.1f cpu-µs/post  max RSS %5d MB  anon %5d MB  %5d B/post\n", $2, $3, $4, $5, $6, $7, $8, $9 }' "$WORK/row"
  rm -f "$tfile"
}

echo "Go $(go env GOVERSION), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(sqlite3 --version | cut -d' ' -f1 | sed 's/^/sqlite /'), duckdb node-api $DUCKDB_VERSION"
round=0
for n in $SIZES; do
  file=$DATA/v11-$n.jsonl
  [ -s "$file" ] || "$BIN/gen" -n "$n" -o "$file"
  echo "== $n posts ($(du -hL "$file" | cut -f1) of JSONL, $(wc -l <"$file") lines)"
  db=$WORK/tagpulse-$n.db
  cfg=$WORK/tagpulse-$n.yml
  printf 'db: %s\ncampaigns:\n  - name: afp\n    hashtags: [AllForPalestine, كلنا_لفلسطين]\n    timezone: Asia/Gaza\n' "$db" >"$cfg"
  # Interleaved: the engines take turns, in an order that changes per size.
  start=$(wc -l <"$RESULTS")
  order=$ENGINES
  [ $((round % 2)) = 1 ] && order=$(echo "$ENGINES" | tr ' ' '\n' | tac | tr '\n' ' ')
  round=$((round + 1))
  for e in $order; do
    case $e in
    tagpulse)
      rm -f "$db"
      measure tagpulse-import "$n" "$db" "$BIN/tagpulse" import -q -config "$cfg" "$file"
      if [ -z "${IMPORT_ONLY:-}" ]; then
        measure tagpulse-check "$n" "$db" "$BIN/tagpulse" check -config "$cfg"
        measure tagpulse-rebuild "$n" "$db" "$BIN/tagpulse" rebuild -config "$cfg"
      fi
      rm -f "$db" ;;
    sqlite)
      rm -f "$WORK/sqlite-$n.db"*
      sed "s|FILE|$file|; s|UNITSEP|\x1f|" "$SQL" >"$WORK/sqlite-$n.sql"
      measure sqlite "$n" "$WORK/sqlite-$n.db $WORK/sqlite-$n.db-wal" sqlite3 -bail "$WORK/sqlite-$n.db" -init "$WORK/sqlite-$n.sql" .quit
      rm -f "$WORK/sqlite-$n.db"* ;;
    duckdb)
      rm -f "$WORK/duck-$n.db"*
      measure duckdb "$n" "$WORK/duck-$n.db $WORK/duck-$n.db.wal" node "$DUCK/import.mjs" "$file" "$WORK/duck-$n.db"
      rm -f "$WORK/duck-$n.db"* ;;
    esac
  done
  # Ratios of this size's rows: how many times faster tagpulse's import is.
  awk -F'\t' -v n="$n" '$1 == n { w[$2] = $3; c[$2] = $4 } END {
    if (("tagpulse-import" in w) && ("sqlite" in w)) printf "  sqlite / tagpulse: wall %.2f×, cpu %.2f×\n", w["sqlite"] / w["tagpulse-import"], c["sqlite"] / c["tagpulse-import"]
    if (("tagpulse-import" in w) && ("duckdb" in w)) printf "  duckdb / tagpulse: wall %.2f×, cpu %.2f×\n", w["duckdb"] / w["tagpulse-import"], c["duckdb"] / c["tagpulse-import"]
  }' <(tail -n +$((start + 1)) "$RESULTS")
done

if command -v gnuplot >/dev/null && grep -q tagpulse-import "$RESULTS"; then
  grep -P '\ttagpulse-import\t' "$RESULTS" | sort -n -k1,1 >"$WORK/growth.tsv"
  gnuplot <<GP
set terminal png size 900,500
set output "$WORK/growth.png"
set logscale x
set xlabel "posts imported"
set ylabel "CPU µs per post"
set y2label "max RSS (MB)"
set y2tics
set ytics nomirror
set yrange [0:*]
set y2range [0:*]
set key top left
plot "$WORK/growth.tsv" using 1:6 with linespoints title "CPU µs/post", "" using 1:7 axes x1y2 with linespoints title "max RSS MB", "" using 1:8 axes x1y2 with linespoints title "anonymous RSS MB"
GP
  echo "plot: $WORK/growth.png"
fi
