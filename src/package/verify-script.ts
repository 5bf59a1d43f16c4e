import { sha256Hex } from '../evidence/hash.js';

/**
 * `verify.sh`, shipped in every package: the standard-tools check of the whole package, pinned to a key the
 * assessor confirmed out of band. The same bytes in every package of a tool version (nothing package-specific is
 * written into it), so an assessor can compare its SHA-256 with the published one before running it.
 * POSIX sh with sha256sum, openssl, coreutils, awk, sed and grep only.
 */
export const VERIFY_SCRIPT = String.raw`#!/bin/sh
# verify.sh - check this Evidence Locker package with standard tools only (sha256sum, openssl, coreutils,
# awk, sed, grep). Run it from anywhere:  sh verify.sh --key <fingerprint> [--key <fingerprint> ...]
# It checks the folder it sits in, or the one given with --package <folder> (to run a published copy of
# this script against a package whose own copy you do not trust); read from standard input (sh -s -- --key <fingerprint>
# < verify.sh), the current folder unless --package is given.
#
# <fingerprint> is the SHA-256 of the DER public key of a signing key you trust, as confirmed with the
# organisation out of band (never taken from this package). Compute it for a PEM public key with:
#   openssl pkey -pubin -in public-key.pem -outform DER | sha256sum
# Give --key once per trusted key (e.g. the package key and the collectors' keys when they differ). To pin a key
# for one role only: --package-key (may sign manifest.json and SHA256SUMS) or --run-key (may sign run manifests).
#
# Checks, in order: the package key is a pinned key; SHA256SUMS.sig is its signature over SHA256SUMS;
# every file listed in SHA256SUMS (once) has that SHA-256 and no other file exists; manifest.sig is the
# signature over manifest.json, whose file list gives every file (but itself, its signature and SHA256SUMS) the same
# SHA-256 and whose key fingerprint and signing algorithm are public-key.pem's; the run folders under runs/ are exactly the runs manifest.json
# lists, each with the manifest SHA-256 it lists; every run is signed by a pinned key, the one its manifest names (with
# that key's signing algorithm), its start and completion are times as evidence-locker writes them, and
# manifest.json's entry of it states what its manifest does (kind, chain, times, key, previous link, shard); the report
# cover's evidence set id (contentId) and evaluation inputs id (evaluationId) are the SHA-256 of what manifest.json
# describes and of its "evaluation" (which every package built since 2026-12-07 records); no run the package holds is named by another as an abandoned seal attempt
# (sealAttempts); each signed refusal record under refusals/ (a seal refused because files were planted in every
# attempt) is canonical JSON signed by a pinned run key, the one it names (key and algorithm), fits the refusal record
# schema (every field, its type, no other field; its times as evidence-locker writes them), and every record a run names
# is there with the SHA-256 the run gives it (each is printed as SEAL REFUSED), and named by the runs of its chain and
# previous link unless their seal may not have seen it (then a warning); the runs of each chain link to each other by
# manifest hash, in order; no run of the period is left
# out at its start or end as far as the package can show (days without a run are warned of, and so is a run stating more
# than a day from its start to its completion, as a run back-dated to its start would); the missing shards manifest.json
# lists are those of the runs it holds; its build time (builtAt) is recorded (in every package built since 2026-12-04)
# and not before its last run's completion; every evidence body is stored under its SHA-256 and every
# record of the package's accounts (and every attestation and organisation-wide read) has its body; each member record
# citing an organisation-wide read (provenance.via.read) cites a delegated-read: record its own run's signed manifest
# lists with that SHA-256; each attestation names the key that signed its run as its sealer. It prints, as claims signed with the keys (not checked): who sealed each attestation, the
# key id each run records, and the endpoint origin and caller each evidence body records. Exit 0 only when every
# check holds; 1 when any fails (each failure is printed); 2 on a usage error.
# Not checked (they need a JSON parser, which these tools are not; evidence-locker verify does them): that each
# manifest is the one serialisation evidence-locker writes and fits its schema (only a key given twice among the
# members read here is refused); that each body reads as an evidence body; that each recorded origin is an AWS
# endpoint of its query's service; file sizes in manifest.json; that evidence-index.csv, which maps each E- reference
# the results cite to its record, is the index the runs' signed records give, in the order a package reads its runs;
# that the results follow from the evidence (--recompute); the report cover's ids of a package built before 2026-12-07 that records no "evaluation" (it
# says so).
# Not checked either: the zip itself (this script sees only the unzipped folder). A zip can hold entries its central
# directory does not list, which unzip skips but streaming extractors (bsdtar, jar, some zip viewers) write, over
# listed files or beside them. This script checks the files of the folder as unzipped: read the package from that
# folder. evidence-locker verify <package.zip> checks that the zip's entries tile the file and refuses one that hides any.
#
# What it prints goes through a filter (screen_safe, at the end of this file): file names and fields it reads come from a
# folder anyone may have altered, and an escape sequence, carriage return or bidirectional control among them could
# otherwise rewrite on the screen what was printed (an INVALID into a VALID, "DILAV" read backwards). It drops control
# characters (all but line break and tab) and shows C1 controls, bidirectional and zero-width characters by code point
# ([U+202E]). The checks are one function, main, which the shell reads whole before it runs it behind that filter, so
# the filter holds however the script is run: sh verify.sh, sh -s < verify.sh, cat verify.sh | sh.
work=''
failures=0
# Every awk program below runs through this function. An awk that stops with an error (a status above 1, or any
# message on its standard error: a program this awk cannot run, a file it cannot read) is written to the list
# $work/awk-errors, and the result is INVALID: a check that could not run never passes unseen. Its messages still go
# to standard error. A status of 1 alone is an answer some programs give on purpose (exit !(...)).
awk() {
  if [ -z "$work" ]; then
    command awk "$@"
    aw_rc=$?
    [ "$aw_rc" -le 1 ] || failures=$((failures + 1))
    return "$aw_rc"
  fi
  aw_err=$(TMPDIR=$work mktemp) || exit 2
  command awk "$@" 2>"$aw_err"
  aw_rc=$?
  if [ "$aw_rc" -gt 1 ] || [ -s "$aw_err" ]; then
    cat "$aw_err" >&2
    printf 'status %s: %s\n' "$aw_rc" "$(head -n 1 "$aw_err")" >> "$work/awk-errors"
  fi
  rm -f "$aw_err"
  return "$aw_rc"
}

main() {
set -u
LC_ALL=C
export LC_ALL
nl='
'
tab='	'
empty_sha=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

usage() {
  echo "usage: sh verify.sh --key <sha256 fingerprint of a trusted public key> [--key <fingerprint> ...] [--package <folder>]" >&2
  echo "       (--package-key <fingerprint> / --run-key <fingerprint> pin a key for the package manifest / run manifests only)" >&2
  echo "  compute a fingerprint: openssl pkey -pubin -in <public-key.pem> -outform DER | sha256sum" >&2
  exit 2
}

keys=''
pkg_keys=''
run_keys=''
# Read from standard input (sh -s < verify.sh), $0 names the shell, not this script: the current folder is checked then.
case "$(basename -- "$0")" in
  sh|-sh|dash|-dash|bash|-bash|ksh|mksh|ash|busybox|yash|posh|zsh) package=. ;;
  *) package=$(dirname "$0") ;;
esac
while [ $# -gt 0 ]; do
  case "$1" in
    --package) [ $# -ge 2 ] || usage; package=$2; shift 2; continue ;;
    --key|--package-key|--run-key) [ $# -ge 2 ] || usage; opt=$1; k=$2; shift 2 ;;
    --key=*|--package-key=*|--run-key=*) opt=$(printf '%s' "$1" | sed 's/=.*$//'); k=$(printf '%s' "$1" | sed 's/^[^=]*=//'); shift ;;
    -h|--help) usage ;;
    *) echo "verify.sh: unknown argument: $1" >&2; usage ;;
  esac
  k=$(printf '%s' "$k" | tr 'A-F' 'a-f' | tr -d ':')
  if ! printf '%s\n' "$k" | grep -Eq '^[0-9a-f]{64}$'; then
    echo "verify.sh: $opt $k is not a SHA-256 fingerprint (64 hex digits)" >&2
    usage
  fi
  case "$opt" in
    --package-key) pkg_keys="$pkg_keys $k" ;;
    --run-key) run_keys="$run_keys $k" ;;
    *) keys="$keys $k" ;;
  esac
done
if [ -z "$keys$pkg_keys$run_keys" ]; then
  echo "verify.sh: no --key given. This script only checks a package against keys you pinned: the public-key.pem inside" >&2
  echo "  a package proves nothing (whoever alters a package can sign it again with a key of their own). Obtain the signing" >&2
  echo "  key fingerprint from the organisation out of band and give it with --key." >&2
  usage
fi

for tool in sha256sum openssl awk sed grep sort comm uniq find cut tr mktemp; do
  command -v "$tool" >/dev/null 2>&1 || { echo "verify.sh: $tool is not installed" >&2; exit 2; }
done

cd "$package" || { echo "verify.sh: cannot enter the package folder $package" >&2; exit 2; }

failures=0
fail() { echo "FAIL  $*"; failures=$((failures + 1)); }
ok() { echo "ok    $*"; }
work=''
# A key pinned for the package manifest (--key, --package-key), or for run manifests (--key, --run-key).
pinned_pkg() { case " $keys $pkg_keys " in *" $1 "*) return 0 ;; esac; return 1; }
pinned_run() { case " $keys $run_keys " in *" $1 "*) return 0 ;; esac; return 1; }

# Reads a public key file into key_fp (SHA-256 of its DER form; empty when it is not a public key) and
# key_type. The key just read is remembered: runs signed with the same key cost no further openssl call.
last_pem=''
key_fp=''
key_type=''
read_key() {
  pem=$(cat "$1" 2>/dev/null) || pem=''
  [ -n "$pem" ] && [ "$pem" = "$last_pem" ] && return 0
  last_pem=$pem
  key_fp=$(openssl pkey -pubin -in "$1" -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1)
  [ "$key_fp" != "$empty_sha" ] || key_fp=''
  key_text=$(openssl pkey -pubin -in "$1" -noout -text 2>/dev/null) || key_text=''
  case "$key_text" in
    *ED25519*) key_type=ed25519 ;;
    *prime256v1*|*P-256*) key_type=ecdsa-p256 ;;
    *Modulus*) key_type=rsa-pss ;;
    *) key_type=unknown ;;
  esac
}

# Whether a signed "signing.algorithm" names the scheme of the key type, as evidence-locker verify reads it (the
# signature is checked under the key's own type; a manifest naming another scheme does not verify there).
alg_fits() { # <key type> <algorithm>
  case "$1:$2" in
    ed25519:ed25519|ecdsa-p256:ecdsa-*|rsa-pss:rsassa-pss-*) return 0 ;;
  esac
  return 1
}

# The algorithm follows from the key type, never from text in the package: Ed25519 signs the bytes;
# ECDSA P-256 and RSA-PSS (AWS KMS keys) sign their SHA-256.
verify_sig() { # <key type> <public key> <file> <signature>
  case "$1" in
    ed25519) openssl pkeyutl -verify -pubin -inkey "$2" -rawin -in "$3" -sigfile "$4" >/dev/null 2>&1 ;;
    ecdsa-p256) openssl dgst -sha256 -verify "$2" -signature "$4" "$3" >/dev/null 2>&1 ;;
    rsa-pss) openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -verify "$2" -signature "$4" "$3" >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

# Times as evidence-locker writes every time it signs (Date#toISOString: YYYY-MM-DDTHH:MM:SS.sssZ, UTC), for awk:
# iso(t) whether t is one (a day that exists, hours, minutes and seconds in range); ms(t) its milliseconds from a fixed
# day (for iso times only); idms(id) those of the time a run id begins with (YYYYMMDDTHHMMSSZ), or -1 when it has none.
time_awk='
  function dn(d,   y, m, x) { y = substr(d, 1, 4) + 0; m = substr(d, 6, 2) + 0; x = substr(d, 9, 2) + 0; if (m <= 2) { y--; m += 12 }
    return 365 * y + int(y / 4) - int(y / 100) + int(y / 400) + int((153 * (m - 3) + 2) / 5) + x }
  function ms(t) { return (dn(t) * 86400 + substr(t, 12, 2) * 3600 + substr(t, 15, 2) * 60 + substr(t, 18, 2)) * 1000 + substr(t, 21, 3) }
  function iso(t,   y, m, d, md) {
    if (t !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9][.][0-9][0-9][0-9]Z$/) return 0
    y = substr(t, 1, 4) + 0; m = substr(t, 6, 2) + 0; d = substr(t, 9, 2) + 0
    if (m < 1 || m > 12 || d < 1) return 0
    md = substr("312831303130313130313031", 2 * m - 1, 2) + 0
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) md = 29
    return d <= md && substr(t, 12, 2) + 0 < 24 && substr(t, 15, 2) + 0 < 60 && substr(t, 18, 2) + 0 < 60
  }
  function idms(id,   t) {
    t = substr(id, 1, 4) "-" substr(id, 5, 2) "-" substr(id, 7, 2) "T" substr(id, 10, 2) ":" substr(id, 12, 2) ":" substr(id, 14, 2) ".000Z"
    return (substr(id, 9, 1) == "T" && substr(id, 16, 1) == "Z" && iso(t)) ? ms(t) : -1
  }'

# The one JSON reader of this script, for a run manifest or an evidence body (any layout; JSON strings hold no raw
# line break). It walks the file's tokens and calls the awk functions the caller gives in <functions>, all four:
#   member(path, type, value)  a string (type "s", its text as written, escapes kept) or a literal (type "l": null,
#                              true, false or a number) at path: the keys from the top joined by "."; an array's
#                              elements (and their members) sit at the array's own path
#   opened(path, c)            an object ("{") or array ("[") at path begins
#   closed(path, c)            it ends
#   twice(path)                a key given twice in one object, at the key's path: JSON.parse would take the last
#                              value and this reader the first, and evidence-locker never writes one
# Further arguments go to awk before the program (-v name=value).
json_walk() { # <file> <functions> [awk arguments...]
  jw_file=$1
  jw_functions=$2
  shift 2
  awk "$@" "$jw_functions"'
  { jw_s = jw_s $0 }
  END {
    jw_n = length(jw_s); jw_d = 0; jw_t[0] = ""; jw_p[0] = ""; jw_k[0] = ""; jw_i = 1
    while (jw_i <= jw_n) {
      jw_c = substr(jw_s, jw_i, 1)
      if (jw_c == "\"") {
        jw_j = jw_i + 1
        while (jw_j <= jw_n) { jw_c2 = substr(jw_s, jw_j, 1); if (jw_c2 == "\\") jw_j += 2; else if (jw_c2 == "\"") break; else jw_j++ }
        jw_str = substr(jw_s, jw_i + 1, jw_j - jw_i - 1)
        if (jw_t[jw_d] == "{" && substr(jw_s, jw_j + 1, 1) == ":") {
          jw_k[jw_d] = (jw_p[jw_d] == "" ? "" : jw_p[jw_d] ".") jw_str
          if (index(jw_seen[jw_d], SUBSEP jw_str SUBSEP)) twice(jw_k[jw_d])
          jw_seen[jw_d] = jw_seen[jw_d] SUBSEP jw_str SUBSEP
        }
        else member(jw_at(), "s", jw_str)
        jw_i = jw_j + 1
        continue
      }
      if (jw_c == "{" || jw_c == "[") {
        jw_q = jw_at()
        opened(jw_q, jw_c)
        jw_d++; jw_t[jw_d] = jw_c; jw_p[jw_d] = jw_q; jw_k[jw_d] = ""; jw_seen[jw_d] = ""
      }
      else if (jw_c == "}" || jw_c == "]") {
        if (jw_d > 0) { jw_q = jw_p[jw_d]; jw_d--; closed(jw_q, jw_c) }
      }
      else if (index("-0123456789tfn", jw_c)) {
        jw_j = jw_i
        while (jw_j <= jw_n && !index(",:]} \t\r", substr(jw_s, jw_j, 1))) jw_j++
        member(jw_at(), "l", substr(jw_s, jw_i, jw_j - jw_i))
        jw_i = jw_j
        continue
      }
      jw_i++
    }
  }
  # Where a value at the current depth sits: under its key in an object, at the array'"'"'s path in an array.
  function jw_at() { return jw_t[jw_d] == "{" ? jw_k[jw_d] : jw_p[jw_d] }' "$jw_file"
}

# What the script reads of a canonical JSON run manifest, one "name<TAB>value" a line: each top-level string member
# under its name; "previous<TAB>null", or the members of "previous" as prevRunId and prevSha then "previous<TAB>object";
# the members of "signing" as signFp, signKeyId and signAlg; those of "shard" as shard.index, shard.count and shard.slot; the run
# id of each abandoned seal attempt ("sealAttempts") as sealAttempt, and of each attempt of a refusal record
# ("attempts") as attempt; what a seal left unread under refusals/ ("refusalsUnread") as unreadCount and, for each
# of the first it names, unreadPath; and "duplicate<TAB><path>" for any key given twice in one object. Each record is appended to
# $work/recs as "<run><TAB><accountId><TAB><sha256><TAB><queryId><TAB><recordId>" (strings as written, escapes kept), and each refusal record a run names ("refusals") to
# $work/refusal_refs as "<run><TAB><path><TAB><sha256>".
manifest_fields() { # <run manifest or refusal> <run id> [file the records go to, $work/recs if not given]
  mf_recs=$work/recs
  [ "$#" -lt 3 ] || mf_recs=$3
  json_walk "$1" '
  function member(path, type, value) {
    if (index(path, ".") == 0) { if (type == "s") print path "\t" value; else if (path == "previous" && value == "null") print "previous\tnull"; return }
    if (path == "records.accountId") account = value
    else if (path == "records.sha256") sha = value
    else if (path == "records.queryId") query = value
    else if (path == "records.recordId") record = value
    else if (path == "previous.runId") print "prevRunId\t" value
    else if (path == "previous.manifestSha256") print "prevSha\t" value
    else if (path == "signing.keyFingerprint") print "signFp\t" value
    else if (path == "store.kind") print "storeKind\t" value
    else if (path == "signing.keyId") print "signKeyId\t" value
    else if (path == "signing.algorithm") print "signAlg\t" value
    else if (path == "shard.index" || path == "shard.count" || path == "shard.slot") print path "\t" value
    else if (path == "sealAttempts.runId") print "sealAttempt\t" value
    else if (path == "attempts.runId") print "attempt\t" value
    else if (path == "refusals.path") rpath = value
    else if (path == "refusals.sha256") rsha = value
    else if (path == "refusalsUnread.count") print "unreadCount\t" value
    else if (path == "refusalsUnread.first.path") print "unreadPath\t" value
  }
  function opened(path, c) {
    if (path == "records" && c == "{") { account = ""; sha = ""; query = ""; record = "" }
    else if (path == "refusals" && c == "{") { rpath = ""; rsha = "" }
  }
  function closed(path, c) {
    if (path == "records" && c == "}") print run "\t" account "\t" sha "\t" query "\t" record >> recs
    else if (path == "refusals" && c == "}") print run "\t" rpath "\t" rsha >> refs
    else if (path == "previous" && c == "}") print "previous\tobject"
  }
  function twice(path) { print "duplicate\t" path }' -v run="$2" -v recs="$mf_recs" -v refs="$work/refusal_refs"
}

# The first key given twice in one object of a two-space indented JSON file (manifest.json: one member per line),
# as "<key>" (line <n>), or nothing.
dup_key_pretty() {
  awk '
  {
    match($0, /^ */); n = RLENGTH
    for (d = n + 1; d <= maxd; d++) seen[d] = ""
    if (n > maxd) maxd = n
    if (match($0, /^ *"([^"\\]|\\.)*":/)) {
      k = substr($0, n + 1, RLENGTH - n - 1)
      if (index(seen[n], "|" k "|")) { print k " (line " NR ")"; exit }
      seen[n] = seen[n] "|" k "|"
    }
  }' "$1"
}

# The first way a refusal (the "refusal" member of a refusal record, as its own JSON) departs from the schema
# evidence-locker writes it with (evidence-locker/seal-refusal@1: every field, its type, no other top-level field), as
# "<field>: <what is wrong>", or nothing. Nested objects may hold further members (they are read past, as evidence-locker
# verify reads them).
refusal_schema() { # <refusal JSON>
  json_walk "$1" '
  function member(path, type, value,   t) {
    if (type == "s") t = "s"
    else if (value == "null") t = "null"
    else if (value == "true" || value == "false") t = "bool"
    else if (value ~ /^-?(0|[1-9][0-9]*)$/) t = "int"
    else t = "num"
    got(path, t, value)
  }
  function opened(path, c) {
    got(path, (c == "{") ? "obj" : "arr", "")
    sd++; st[sd] = c; sp[sd] = path
    if (c == "[") elems[path] = 0
    else for (k in want) if (k != "" && parent(k) == path) seen[k] = 0
  }
  function closed(path, c) {
    sd--
    if (c == "}") { for (k in want) if (k != "" && parent(k) == path && !seen[k] && !(k in optional)) problem(k, "missing") }
    else if ((path in atleast) && elems[path] < atleast[path]) problem(path, "lists no element")
  }
  function twice(path) { }
  function parent(k) { return index(k, ".") ? substr(k, 1, length(k) - length(last(k)) - 1) : "" }
  function last(k) { sub(/^.*\./, "", k); return k }
  function problem(path, what) { if (!bad) print (path == "" ? "(the refusal)" : path) ": " what; bad = 1 }
  # A value at path: an element of the array at path when the innermost open value is that array, else the member path.
  function got(path, t, value,   w, ok) {
    if (sd == 0) { if (t != "obj") problem("", "not an object"); return }
    if (st[sd] == "[" && sp[sd] == path) { elems[path]++; w = elem[path] }
    else {
      if (!(path in want)) { if (parent(path) == "") problem(path, "not a field of a refusal record"); return }
      seen[path] = 1; w = want[path]
    }
    if (w == "") return
    ok = (t == w) || (w == "nat" && t == "int" && value !~ /^-/) || (w == "obj|null" && (t == "obj" || t == "null"))
    if (!ok) { problem(path, "is " (t == "obj" ? "an object" : t == "arr" ? "a list" : t == "s" ? "a string" : t == "null" ? "null" : t == "bool" ? "true or false" : "the number " value) ", not " (w == "s" ? "a string" : w == "int" ? "an integer" : w == "nat" ? "a whole number" : w == "bool" ? "true or false" : w == "obj" ? "an object" : w == "arr" ? "a list" : "an object or null")); return }
    if (path == "schema" && value != "evidence-locker/seal-refusal@1") problem(path, "is \"" value "\", not evidence-locker/seal-refusal@1")
    if (path == "kind" && value != "collection" && value != "attestation" && value != "legal-hold") problem(path, "is \"" value "\", not collection, attestation or legal-hold")
    if (path == "previous.manifestSha256" && (value !~ /^[0-9a-f]+$/ || length(value) != 64)) problem(path, "is not a SHA-256 (64 hex digits)")
  }
  BEGIN {
    n = split("schema s,kind s,chain s,tool obj,tool.name s,tool.version s,tool.sdkVersion s,startedAt s,completedAt s,refusedAt s,scope obj,scope.accounts arr,scope.regions arr,scope.frameworks arr,scope.queries arr,shard obj,shard.index int,shard.count int,shard.slot s,previous obj|null,previous.runId s,previous.manifestSha256 s,attempts arr,attempts.runId s,attempts.reason s,attempts.planted arr,attempts.planted.key s,attempts.planted.versionId s,records obj,records.count nat,records.errors nat,records.bodiesStored nat,signing obj,signing.algorithm s,signing.keyFingerprint s,signing.keyId s,simulated bool", f, ",")
    for (i = 1; i <= n; i++) { split(f[i], g, " "); want[g[1]] = g[2] }
    optional["shard"] = 1; optional["simulated"] = 1; optional["attempts.planted.versionId"] = 1
    elem["scope.accounts"] = "s"; elem["scope.regions"] = "s"; elem["scope.frameworks"] = "s"; elem["scope.queries"] = "s"
    elem["attempts"] = "obj"; elem["attempts.planted"] = "obj"; atleast["attempts"] = 1
  }'
}

# The first way a one-line JSON file departs from canonical JSON (src/seal/canonical.ts: JSON.stringify's strings and
# numbers, keys in code unit order, no white space), as "<what> at byte <offset>", or nothing: bytes another parser could
# read otherwise than the signer's tool wrote them. Nesting is bounded (a refusal record is four levels deep).
canonical_problem() { # <file>
  awk '
  { cj_s = cj_s $0 }
  END {
    cj_n = length(cj_s); cj_i = 1
    # Bytes that are not UTF-8 (a parser replaces them, so the signed bytes are not what it reads).
    cj_t = cj_s
    gsub(/[\302-\337][\200-\277]|\340[\240-\277][\200-\277]|[\341-\354\356\357][\200-\277][\200-\277]|\355[\200-\237][\200-\277]|\360[\220-\277][\200-\277][\200-\277]|[\361-\363][\200-\277][\200-\277][\200-\277]|\364[\200-\217][\200-\277][\200-\277]/, "", cj_t)
    if (cj_t ~ /[\200-\377]/) { print "bytes that are not UTF-8"; exit }
    cj_value()
    if (!cj_done && cj_i <= cj_n) cj_bad("more after the JSON value")
  }
  function cj_bad(what) { if (!cj_done) print what " at byte " (cj_i - 1); cj_done = 1 }
  function cj_value(   c) {
    if (cj_done) return
    c = substr(cj_s, cj_i, 1)
    if ((c == "{" || c == "[") && ++cj_depth > 64) { cj_bad("nesting deeper than 64 levels, which evidence-locker never writes"); return }
    if (c == "{") cj_object()
    else if (c == "[") cj_array()
    else if (c == "\"") cj_string()
    else if (c == "-" || (c >= "0" && c <= "9")) cj_number()
    else if (substr(cj_s, cj_i, 4) == "true" || substr(cj_s, cj_i, 4) == "null") cj_i += 4
    else if (substr(cj_s, cj_i, 5) == "false") cj_i += 5
    else cj_bad("white space or a character where a value must begin")
    if (c == "{" || c == "[") cj_depth--
  }
  function cj_object(   c, k, prev, first) {
    cj_i++; first = 1
    if (substr(cj_s, cj_i, 1) == "}") { cj_i++; return }
    while (!cj_done) {
      if (substr(cj_s, cj_i, 1) != "\"") { cj_bad("white space or a character where a key must begin"); return }
      k = cj_string(); if (cj_done) return
      if (!first && k == prev) { cj_bad("key \"" k "\" given twice in one object"); return }
      # Keys in code unit order; compared as bytes (the same order but for keys with escapes, which it reads as written).
      if (!first && k < prev) { cj_bad("key \"" k "\" after \"" prev "\", not in canonical key order"); return }
      prev = k; first = 0
      if (substr(cj_s, cj_i, 1) != ":") { cj_bad("white space or a character where a colon must be"); return }
      cj_i++
      cj_value(); if (cj_done) return
      c = substr(cj_s, cj_i, 1); cj_i++
      if (c == "}") return
      if (c != ",") { cj_i--; cj_bad("white space or a character where a comma or the end of an object must be"); return }
    }
  }
  function cj_array(   c) {
    cj_i++
    if (substr(cj_s, cj_i, 1) == "]") { cj_i++; return }
    while (!cj_done) {
      cj_value(); if (cj_done) return
      c = substr(cj_s, cj_i, 1); cj_i++
      if (c == "]") return
      if (c != ",") { cj_i--; cj_bad("white space or a character where a comma or the end of a list must be"); return }
    }
  }
  # A string as JSON.stringify writes it: only the escapes it uses (\" \\ \b \f \n \r \t, lower-case \u00XX for the
  # other control characters, a \ud800 to \udfff escape for a lone surrogate); anything else a parser reads as the same text written otherwise.
  function cj_string(   j, c, e, h) {
    j = cj_i + 1
    while (1) {
      if (j > cj_n) { cj_bad("a string without its end"); return "" }
      c = substr(cj_s, j, 1)
      if (c == "\"") break
      if (c != "\\") { j++; continue }
      e = substr(cj_s, j + 1, 1)
      if (e == "u") {
        h = substr(cj_s, j + 2, 4)
        if (h ~ /^00(0[0-7]|0b|0e|0f|1[0-9a-f])$/ || h ~ /^d[c-f][0-9a-f][0-9a-f]$/) { j += 6; continue }
        if (h ~ /^d[89ab][0-9a-f][0-9a-f]$/ && substr(cj_s, j + 6, 3) !~ /^\\ud$/ ) { j += 6; continue }
        if (h ~ /^d[89ab][0-9a-f][0-9a-f]$/ && substr(cj_s, j + 9, 1) !~ /^[c-f]$/) { j += 6; continue }
        cj_i = j + 1; cj_bad("the escape \\u" h ", which canonical JSON writes otherwise"); return ""
      }
      if (e != "" && index("\"\\bfnrt", e)) { j += 2; continue }
      cj_i = j + 1; cj_bad("the escape \\" e ", which canonical JSON writes otherwise"); return ""
    }
    h = substr(cj_s, cj_i + 1, j - cj_i - 1); cj_i = j + 1
    return h
  }
  # A number as JavaScript writes it: no sign but minus, no leading zero, no exponent, no trailing fraction zero, not -0;
  # at most 15 significant digits (more may be written otherwise, which this script cannot tell), from 1e-6 to below 1e21.
  function cj_number(   j, t, d, ip) {
    j = cj_i
    while (j <= cj_n && index("+-.0123456789eE", substr(cj_s, j, 1))) j++
    t = substr(cj_s, cj_i, j - cj_i)
    ip = t; sub(/^-/, "", ip); sub(/\..*$/, "", ip)
    d = t; gsub(/[-.]/, "", d); sub(/^0+/, "", d); sub(/0+$/, "", d)
    if (t !~ /^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/ || t == "-0" || length(d) > 15 || t ~ /^-?0\.000000/ || length(ip) > 21) { cj_bad("the number " t ", which canonical JSON writes otherwise (or this script cannot tell it does not)"); return }
    cj_i = j
  }
  ' "$1"
}

# The members of a canonical JSON evidence body's "attestation" (its "sealedBy" included), one a line:
# "<path><TAB>s<TAB><value>" for a string, "<path><TAB>n<TAB>" for null; a key of the attestation given twice (or the
# attestation itself) is printed as "duplicate<TAB><path>". Members of other objects (the body's data) are read past.
attestation_members() {
  json_walk "$1" '
  function member(path, type, value) {
    if (path !~ /^attestation\./) return
    if (type == "s") print path "\ts\t" value
    else if (value == "null") print path "\tn\t"
  }
  function opened(path, c) { }
  function closed(path, c) { }
  function twice(path) { if (path == "attestation" || path ~ /^attestation\./) print "duplicate\t" path }'
}

echo "Evidence Locker package check (standard tools) in $(pwd)"
if grep -Eq '^  "simulated": true,?$' manifest.json 2>/dev/null; then
  echo "SIMULATED — NOT EVIDENCE: this package was built from runs against the simulated AWS (manifest.json \"simulated\": true)"
fi

# 1. The package key is one the assessor pinned.
if [ ! -f public-key.pem ]; then
  fail "public-key.pem is missing: nothing in this package can be checked"
  echo "RESULT: INVALID ($failures failure(s))"; exit 1
fi
read_key public-key.pem
pkg_fp=$key_fp
pkg_type=$key_type
if [ -z "$pkg_fp" ]; then
  fail "public-key.pem is not a readable public key"
elif pinned_pkg "$pkg_fp"; then
  ok "package key $pkg_fp is a pinned key"
elif pinned_run "$pkg_fp"; then
  fail "package key $pkg_fp (public-key.pem) is pinned for run manifests only (--run-key), not for the package manifest: a key the organisation pinned for runs signed this package"
else
  fail "package key $pkg_fp (public-key.pem) is not a pinned key: the package was signed by someone else"
fi

# 2. SHA256SUMS is signed by that key; nothing after this step is trusted unless it holds.
if [ ! -f SHA256SUMS ] || [ ! -f SHA256SUMS.sig ]; then
  fail "SHA256SUMS or SHA256SUMS.sig is missing"
elif verify_sig "$pkg_type" public-key.pem SHA256SUMS SHA256SUMS.sig; then
  ok "SHA256SUMS.sig verifies over SHA256SUMS with public-key.pem"
else
  fail "SHA256SUMS.sig does not verify over SHA256SUMS with public-key.pem: the checksum list was altered"
fi
if [ "$failures" -gt 0 ]; then
  echo "RESULT: INVALID ($failures failure(s)); the checksum list cannot be trusted, so no file was checked"
  exit 1
fi

# 3. Every listed file, and no other file.
bad_lines=$(grep -Evc '^[0-9a-f]{64}  [A-Za-z0-9._+-][A-Za-z0-9._+/-]*$' SHA256SUMS)
if [ "$bad_lines" -gt 0 ] || cut -c67- SHA256SUMS | grep -Eq '(^|/)\.\.?(/|$)'; then
  fail "SHA256SUMS has $bad_lines line(s) that are not \"<sha256>  <relative path>\""
fi
twice=$(cut -c67- SHA256SUMS | sort | uniq -d | tr '\n' ' ' | sed 's/ $//')
[ -z "$twice" ] || fail "SHA256SUMS lists a path twice: $twice"
if sha_out=$(sha256sum -c --quiet --strict SHA256SUMS 2>&1); then
  ok "every file listed in SHA256SUMS has its SHA-256 ($(grep -c . SHA256SUMS) files)"
else
  printf '%s\n' "$sha_out" | sed 's/^/FAIL  /'
  fail "files differ from SHA256SUMS (listed above)"
fi
# Names of files SHA256SUMS does not list are chosen by whoever altered the folder: shown with every byte outside
# printable ASCII as ?, so an escape sequence or carriage return cannot rewrite what this script printed.
shown() { LC_ALL=C tr -c '[:print:]\n' '?'; }
odd=$(find . ! -type f ! -type d | sed 's|^\./||' | shown)
[ -z "$odd" ] || fail "not regular files (symbolic links or devices): $(printf '%s' "$odd" | tr '\n' ' ')"
[ -z "$(find . -name "*$nl*")" ] || fail "a file or folder name contains a line break"
work=$(mktemp -d) || exit 2
trap 'rm -rf "$work"' EXIT
{ cut -c67- SHA256SUMS; printf 'SHA256SUMS\nSHA256SUMS.sig\n'; } | sort -u > "$work/listed"
find . -type f | sed 's|^\./||' | sort > "$work/present"
extra=$(comm -23 "$work/present" "$work/listed")
if [ -n "$extra" ]; then
  printf '%s\n' "$extra" | shown | sed 's/^/FAIL  not listed in SHA256SUMS: /'
  fail "the package holds files SHA256SUMS does not list"
else
  ok "no file outside SHA256SUMS"
fi

# 4. The package manifest signature (manifest.json lists every file with its SHA-256, for evidence-locker verify).
if [ -f manifest.json ] && [ -f manifest.sig ] && verify_sig "$pkg_type" public-key.pem manifest.json manifest.sig; then
  ok "manifest.sig verifies over manifest.json"
else
  fail "manifest.sig does not verify over manifest.json with public-key.pem"
fi

dup=$(dup_key_pretty manifest.json 2>/dev/null)
if [ -n "$dup" ]; then
  fail "manifest.json: key $dup appears twice in one object: parsers disagree on which value counts, and evidence-locker never writes such a manifest (the package was altered: obtain it again from the organisation)"
fi
# The key manifest.json names as its signer is public-key.pem (its "signing" member: two spaces in, one member a line).
m_fp=$(sed -n '/^  "signing": {/,/^  }/s/^    "keyFingerprint": "\([^"\\]*\)",\{0,1\}$/\1/p' manifest.json 2>/dev/null | head -n 1)
m_keyid=$(sed -n '/^  "signing": {/,/^  }/s/^    "keyId": "\([^"\\]*\)",\{0,1\}$/\1/p' manifest.json 2>/dev/null | head -n 1)
if [ "$m_fp" != "$pkg_fp" ]; then
  fail "public-key.pem: fingerprint $pkg_fp differs from the one manifest.json names (signing.keyFingerprint \"$m_fp\")"
fi
m_alg=$(sed -n '/^  "signing": {/,/^  }/s/^    "algorithm": "\([^"\\]*\)",\{0,1\}$/\1/p' manifest.json 2>/dev/null | head -n 1)
if [ -n "$pkg_fp" ] && ! alg_fits "$pkg_type" "$m_alg"; then
  fail "manifest.json: signing.algorithm \"$m_alg\" is not the scheme of public-key.pem ($pkg_type key), which signed it: evidence-locker verify checks the signature under the algorithm named, so it refuses this manifest"
fi
# manifest.json's file list (one member a line, six spaces in): every file but manifest.json, manifest.sig, SHA256SUMS
# and its signature, each with the SHA-256 SHA256SUMS gives it (which sha256sum -c checked above). Sizes are not compared.
sed -n '/^  "files": \[/,/^  \]/p' manifest.json 2>/dev/null | awk '
  /^      "path": "/ { p = $0; sub(/^      "path": "/, "", p); sub(/",?$/, "", p) }
  /^      "sha256": "/ { h = $0; sub(/^      "sha256": "/, "", h); sub(/",?$/, "", h) }
  /^    }/ { print p "  " h; p = ""; h = "" }' | sort > "$work/mfiles"
awk '$2 != "manifest.json" && $2 != "manifest.sig" { print substr($0, 67) "  " substr($0, 1, 64) }' SHA256SUMS | sort > "$work/sfiles"
files_out=$(comm -3 "$work/mfiles" "$work/sfiles" | awk -v tab="$tab" '
  { if (substr($0, 1, 1) == tab) { p = substr($0, 2); w = "s" } else { p = $0; w = "m" }
    h = p; sub(/^.*  /, "", h); sub(/  [^ ]*$/, "", p); at[p] = at[p] w }
  END {
    for (p in at) {
      n++
      if (n > 10) continue
      if (at[p] == "ms" || at[p] == "sm") print "FAIL  " p ": its SHA-256 does not match manifest.json: the file was altered"
      else if (at[p] == "s") print "FAIL  " p ": not listed in the signed manifest.json"
      else print "FAIL  " p ": listed in manifest.json but missing from the package (or listed twice)"
    }
    if (n > 10) print "FAIL  and " n - 10 " more file(s) manifest.json lists otherwise than SHA256SUMS"
  }')
files_fail=$(printf '%s\n' "$files_out" | grep -c '^FAIL' || true)
if [ "$files_fail" -gt 0 ]; then
  printf '%s\n' "$files_out"
  failures=$((failures + files_fail))
else
  ok "manifest.json lists every file with the SHA-256 SHA256SUMS gives it ($(grep -c . "$work/mfiles") files)"
fi

# 5. The runs manifest.json lists (written two-space indented in canonical key order, so each run's own "runId"
# sits on a line of its own at six spaces) are exactly the run folders: a folder it does not list is refused,
# not checked as a run.
if [ "$(grep -c '^  "runs": \[' manifest.json 2>/dev/null)" != 1 ]; then
  fail "manifest.json: no single \"runs\" list found"
fi
sed -n '/^  "runs": \[/,/^  \]/p' manifest.json 2>/dev/null | sed -n 's/^      "runId": "\([^"\\]*\)",\{0,1\}$/\1/p' | sort > "$work/listed_runs"
# Each listed run with the SHA-256 manifest.json gives its manifest (its own members, six spaces in; "previous" is deeper).
sed -n '/^  "runs": \[/,/^  \]/p' manifest.json 2>/dev/null | awk -v tab="$tab" '
  /^      "manifestSha256": "/ { h = $0; sub(/^      "manifestSha256": "/, "", h); sub(/",?$/, "", h) }
  /^      "runId": "/ { r = $0; sub(/^      "runId": "/, "", r); sub(/",?$/, "", r) }
  /^    }/ { print r tab h; r = ""; h = "" }' > "$work/listed_shas"
for dir in runs/*/; do [ -d "$dir" ] && basename "$dir"; done | sort > "$work/run_dirs"
unlisted_runs=$(comm -13 "$work/listed_runs" "$work/run_dirs")
while IFS= read -r run; do
  [ -n "$run" ] && fail "runs/$run: run folder not listed in the signed manifest.json; it is not checked as a run (the package was altered: obtain it again from the organisation)"
done <<EOF
$unlisted_runs
EOF
while IFS= read -r run; do
  [ -n "$run" ] && fail "runs/$run: listed in manifest.json but the package has no such run folder"
done <<EOF
$(comm -23 "$work/listed_runs" "$work/run_dirs")
EOF

# 6. Every listed run is signed by a pinned key, the one its manifest names; its fields feed the chain check.
chain_lines=''
run_fps=''
runs=0
: > "$work/recs"
: > "$work/signed_fields"
sim_runs=''
s3_runs=''
: > "$work/runinfo"
: > "$work/attempts"
: > "$work/run_shas"
: > "$work/refusal_refs"
: > "$work/unread"
for dir in runs/*/; do
  [ -d "$dir" ] || continue
  run=$(basename "$dir")
  case "$nl$unlisted_runs$nl" in *"$nl$run$nl"*) continue ;; esac
  runs=$((runs + 1))
  m="runs/$run/manifest.json"
  if [ ! -f "$m" ] || [ ! -f "runs/$run/manifest.sig" ] || [ ! -f "runs/$run/public-key.pem" ]; then
    fail "runs/$run: manifest.json, manifest.sig or public-key.pem is missing"
    continue
  fi
  sha=$(sha256sum < "$m" | cut -d' ' -f1)
  printf '%s\t%s\n' "$run" "$sha" >> "$work/run_shas"
  read_key "runs/$run/public-key.pem"
  run_fp=$key_fp
  if [ -z "$run_fp" ]; then
    fail "runs/$run/public-key.pem is not a readable public key"
    continue
  fi
  if ! pinned_run "$run_fp"; then
    if pinned_pkg "$run_fp"; then fail "runs/$run is signed by key $run_fp, which is pinned for the package manifest only (--package-key), not for run manifests"
    else fail "runs/$run is signed by key $run_fp, which is not a pinned key"; fi
    continue
  fi
  if ! verify_sig "$key_type" "runs/$run/public-key.pem" "$m" "runs/$run/manifest.sig"; then
    fail "runs/$run/manifest.sig does not verify over its manifest.json"
    continue
  fi
  fields=$(manifest_fields "$m" "$run")
  id=''; chain=''; started=''; completed=''; kind=''; prev=''; prev_id=-; prev_sha=-; dup=''; sign_fp=''; sign_keyid=''; sign_alg=''; shard_lines=''; unread_lines=''; store_kind=''
  run_type=$key_type
  while IFS="$tab" read -r name value; do
    case "$name" in
      duplicate) [ -n "$dup" ] || dup=$value ;;
      runId) id=$value ;;
      chain) chain=$value ;;
      startedAt) started=$value ;;
      completedAt) completed=$value ;;
      kind) kind=$value ;;
      previous) prev=$value ;;
      prevRunId) prev_id=$value ;;
      prevSha) prev_sha=$value ;;
      signFp) sign_fp=$value ;;
      signKeyId) sign_keyid=$value ;;
      signAlg) sign_alg=$value ;;
      storeKind) store_kind=$value ;;
      shard.*) shard_lines="$shard_lines$run$tab$name$tab$value$nl" ;;
      sealAttempt) printf '%s\t%s\n' "$run" "$value" >> "$work/attempts" ;;
      unreadCount) unread_lines="$unread_lines$run$tab"count"$tab$value$nl" ;;
      unreadPath) unread_lines="$unread_lines$run$tab"path"$tab$value$nl" ;;
    esac
  done <<EOF
$fields
EOF
  if [ -n "$dup" ]; then
    fail "runs/$run/manifest.json: key \"$dup\" appears twice: parsers disagree on which value counts, and evidence-locker never writes such a manifest (the package was altered: obtain it again from the organisation)"
    continue
  fi
  if [ "$sign_fp" != "$run_fp" ]; then
    fail "runs/$run/public-key.pem: fingerprint $run_fp differs from the run manifest's signing.keyFingerprint \"$sign_fp\""
  fi
  if ! alg_fits "$run_type" "$sign_alg"; then
    fail "runs/$run/manifest.json: signing.algorithm \"$sign_alg\" is not the scheme of the key that signed it ($run_type key runs/$run/public-key.pem): evidence-locker verify checks the signature under the algorithm named, so it refuses this run"
  fi
  if [ "$id" != "$run" ]; then
    fail "runs/$run/manifest.json names run \"$id\""
    continue
  fi
  if [ -z "$chain" ] || [ -z "$started" ] || [ -z "$prev" ]; then
    fail "runs/$run/manifest.json: chain, startedAt or previous not found"
    continue
  fi
  if [ "$prev" = object ] && { [ "$prev_id" = - ] || [ "$prev_sha" = - ]; }; then
    fail "runs/$run/manifest.json: previous names no run id or manifest hash"
    continue
  fi
  # Both times as the seal writes them (UTC, to the millisecond): text read as no time, or read otherwise by another
  # parser, would leave the span and period checks unjudged (evidence-locker verify refuses such a run too).
  if printf '%s\n%s\n' "$started" "$completed" | grep -Evq '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9][.][0-9]{3}Z$'; then
    fail "runs/$run/manifest.json: startedAt \"$started\" or completedAt \"$completed\" is not a time as evidence-locker writes one (YYYY-MM-DDTHH:MM:SS.sssZ, UTC), so when the run was sealed cannot be judged"
    continue
  fi
  case " $run_fps " in *" $run_fp "*) ;; *) run_fps="$run_fps $run_fp" ;; esac
  printf '%s\t%s\t%s\t%s\n' "$run" "$kind" "$run_fp" "$sign_keyid" >> "$work/runinfo"
  # What the run's signed manifest states of each field manifest.json's runs entry restates (compared in 6a).
  {
    printf '%s\t%s\t%s\n' "$run" kind "$kind" "$run" chain "$chain" "$run" startedAt "$started" "$run" completedAt "$completed" "$run" keyFingerprint "$sign_fp" "$run" keyId "$sign_keyid"
    if [ "$prev" = null ]; then printf '%s\tprevious\tnull\n' "$run"; else printf '%s\t%s\t%s\n' "$run" previous.runId "$prev_id" "$run" previous.manifestSha256 "$prev_sha"; fi
    printf '%s' "$shard_lines"
  } >> "$work/signed_fields"
  grep -q '^{.*[{,]"simulated":true[,}]' "$m" && sim_runs="$sim_runs $run"
  [ "$store_kind" != s3 ] || s3_runs="$s3_runs $run"
  chain_lines="$chain_lines$chain$tab$started$tab$run$tab$sha$tab$prev_id$tab$prev_sha$tab$kind$tab$completed$nl"
  printf '%s' "$unread_lines" >> "$work/unread"
  if [ "$kind" = collection ]; then
    # The accounts the run collected (compared below with the package's accounts).
    sed -n 's/.*"scope":{"accounts":\[\([^]]*\)\].*/\1/p' "$m" | tr ',' '\n' | tr -d '"' | grep . >> "$work/run_accounts"
    case "$run" in
      *-backfill-*) ;;
      *)
        # Records collected outside the run; the bodies of its ok records (one body cited by two runs is checked below).
        outside=$(grep -o '[{,]"collectedAt":"[^"]*"' "$m" | sed 's/^."collectedAt":"//; s/"$//' | awk -v s="$started" -v c="$completed" '$0 < s || $0 > c' | head -n 1)
        [ -z "$outside" ] || fail "runs/$run: a record was collected at $outside, outside the run's start and completion ($started to $completed): evidence-locker collects a run's records while it runs"
        grep -o '"sha256":"[0-9a-f]\{64\}","size":[0-9]*,"status":"ok"' "$m" | cut -c11-74 | sort -u | sed "s/\$/ $run/" >> "$work/ok_bodies"
        ;;
    esac
  fi
done
[ "$runs" -gt 0 ] || fail "the package holds no run under runs/"
if [ -n "$sim_runs" ] && ! grep -Eq '^  "simulated": true,?$' manifest.json 2>/dev/null; then
  echo "SIMULATED — NOT EVIDENCE: run(s)$sim_runs say they were collected from the simulated AWS (\"simulated\": true), though manifest.json does not"
fi
# Each run manifest has the SHA-256 manifest.json lists for it.
runsha_out=$(awk -F "$tab" -v listed="$work/listed_shas" '
  BEGIN { while ((getline l < listed) > 0) { split(l, f, "\t"); want[f[1]] = f[2] } }
  ($1 in want) && want[$1] != $2 { print "FAIL  runs/" $1 "/manifest.json: SHA-256 " $2 " differs from manifest.json (" want[$1] ")" }' "$work/run_shas")
if [ -n "$runsha_out" ]; then
  printf '%s\n' "$runsha_out"
  failures=$((failures + $(printf '%s\n' "$runsha_out" | grep -c '^FAIL')))
fi

# 6a. manifest.json's entry of each run read above states the same kind, chain, start, completion, key, key id, previous
# link and shard as the run's signed manifest: the package key alone signs manifest.json, so the entry could otherwise
# label a run otherwise than the run key signed it. (The run id and manifest SHA-256 are checked above.)
sed -n '/^  "runs": \[/,/^  \]/p' manifest.json 2>/dev/null | awk -v tab="$tab" '
  function value(l) { sub(/^ *"[A-Za-z0-9]*": /, "", l); sub(/,$/, "", l); if (l ~ /^".*"$/) l = substr(l, 2, length(l) - 2); return l }
  /^    \{$/ { n = 0; r = ""; obj = ""; next }
  /^    \},?$/ { for (i = 1; i <= n; i++) print r tab name[i] tab val[i]; next }
  /^      \},?$/ { obj = ""; next }
  /^      "[A-Za-z0-9]*": \{$/ { obj = $0; sub(/^      "/, "", obj); sub(/".*$/, "", obj); next }
  /^      "[A-Za-z0-9]*": / { f = $0; sub(/^      "/, "", f); sub(/".*$/, "", f); v = value($0); if (f == "runId") r = v; name[++n] = f; val[n] = v; next }
  /^        "[A-Za-z0-9]*": / && obj != "" { f = $0; sub(/^        "/, "", f); sub(/".*$/, "", f); name[++n] = obj "." f; val[n] = value($0) }
' > "$work/entry_fields"
entries_out=$(awk -F "$tab" -v signed="$work/signed_fields" '
  BEGIN { while ((getline l < signed) > 0) { split(l, f, "\t"); read[f[1]] = 1; s[f[1], f[2]] = f[3]; fields[f[1], f[2]] = 1 } }
  ($1 in read) && $2 != "runId" && $2 != "manifestSha256" { e[$1, $2] = $3; fields[$1, $2] = 1 }
  END {
    for (k in fields) {
      split(k, p, SUBSEP)
      a = ((k in e) ? "\"" e[k] "\"" : "absent"); b = ((k in s) ? "\"" s[k] "\"" : "absent")
      if (a == b) continue
      m = p[2]; if (m == "keyFingerprint" || m == "keyId") m = "signing." m
      print "FAIL  manifest.json: runs entry of run " p[1] ": " p[2] " is " a ", but the run'"'"'s signed manifest (runs/" p[1] "/manifest.json) has " m " " b ": manifest.json, signed by the package key alone, misdescribes the run"
    }
  }' "$work/entry_fields" | sort)
if [ -n "$entries_out" ]; then
  printf '%s\n' "$entries_out"
  failures=$((failures + $(printf '%s\n' "$entries_out" | grep -c '^FAIL')))
else
  ok "manifest.json describes each run as its signed manifest does (kind, chain, start, completion, key, key id, previous link, shard)"
fi

# 6b. A run sealed again names its abandoned attempts (sealAttempts): run ids whose folders held files someone else
# planted. evidence-locker abandons an id only when readers would not take its files as the ones it wrote, so a named
# attempt is never itself a run the package holds (nor the run naming it).
sort -u "$work/listed_runs" "$work/run_dirs" > "$work/held"
attempts_out=$(awk -F "$tab" -v held="$work/held" '
  BEGIN { while ((getline l < held) > 0) h[l] = 1 }
  $1 == $2 { print "FAIL  runs/" $1 ": names itself as an abandoned seal attempt: evidence-locker seals an abandoned attempt'"'"'s evidence again under a new run id"; next }
  ($2 in h) { print "FAIL  runs/" $1 ": names run " $2 " as an abandoned seal attempt (files planted by someone else), but the package holds " $2 " as a run: evidence-locker abandons a run id only when its files are not the ones it wrote, so one of the two was not sealed by it" }' "$work/attempts")
if [ -n "$attempts_out" ]; then
  printf '%s\n' "$attempts_out"
  failures=$((failures + $(printf '%s\n' "$attempts_out" | grep -c '^FAIL')))
else
  ok "no run the package holds is named as an abandoned seal attempt ($(grep -c . "$work/attempts") attempt(s) named)"
fi

# 6c. Signed refusal records (refusals/): each is a seal refused because someone else planted files in the run folder of
# every attempt. One line of canonical JSON holds the public key, the refusal, and the signature over the refusal's own
# canonical JSON (its bytes as they sit in the record), checked like a run manifest's: a pinned run key, the one the
# refusal names. Every record a run's signed manifest names ("refusals") must be here with the SHA-256 it gives. A
# verified record is printed as SEAL REFUSED: that day's collection was never sealed (a gap, never a pass).
now_utc=$(date -u +%Y-%m-%dT%H:%M:%S)
refusals_failed=$failures
grep '^refusals/' "$work/present" > "$work/refusal_files" || true
: > "$work/refused_lines"
: > "$work/refusals_ok"
refusals_ok=0
refusal_fail() { fail "$rf: not a refusal record signed by a pinned run key: $*"; }
while IFS= read -r rf; do
  [ -n "$rf" ] || continue
  size=$(wc -c < "$rf" | tr -d ' ')
  if [ "$size" -gt 1048576 ]; then fail "$rf: $size bytes, more than a refusal record can be; not read"; continue; fi
  if [ "$(wc -l < "$rf" | tr -d ' ')" != 0 ]; then refusal_fail "it holds a line break, so it is not the canonical JSON evidence-locker writes"; continue; fi
  if LC_ALL=C grep -q '[[:cntrl:]]' "$rf"; then refusal_fail "it holds a control character, which canonical JSON escapes"; continue; fi
  # One serialisation only, as evidence-locker verify requires: bytes another parser could read otherwise are refused
  # before any member is read from them.
  if ! r_canon=$(canonical_problem "$rf" 2>/dev/null); then [ -n "$r_canon" ] || r_canon='not readable as JSON by this script'; fi
  if [ -n "$r_canon" ]; then refusal_fail "not canonical JSON: $r_canon, so the record is refused; evidence-locker never writes such a record (obtain the package again from the organisation)"; continue; fi
  rm -f "$work/rf.pem" "$work/rf.json" "$work/rf.b64" "$work/rf.sig"
  split=$(awk -v out="$work/rf" '
  { s = $0 }
  END {
    p = "{\"publicKeyPem\":\""; np = length(p); n = length(s)
    if (substr(s, 1, np) != p) { print "it does not begin with its publicKeyPem member"; exit }
    i = np + 1
    while (i <= n) { c = substr(s, i, 1); if (c == "\\") i += 2; else if (c == "\"") break; else i++ }
    pem = substr(s, np + 1, i - np - 1); rest = substr(s, i + 1)
    r = ",\"refusal\":"
    if (substr(rest, 1, length(r)) != r) { print "its publicKeyPem member is not followed by its refusal"; exit }
    rest = substr(rest, length(r) + 1)
    t = ",\"schema\":\"evidence-locker/signed-seal-refusal@1\",\"signature\":\""
    if (!match(rest, /,"schema":"evidence-locker\/signed-seal-refusal@1","signature":"[A-Za-z0-9+\/]+=?=?"}$/)) { print "it does not end with its schema and signature members"; exit }
    body = substr(rest, 1, RSTART - 1)
    sig = substr(rest, RSTART + length(t), RLENGTH - length(t) - 2)
    if (substr(body, 1, 1) != "{" || substr(body, length(body), 1) != "}") { print "its refusal is not an object"; exit }
    gsub(/\\n/, "\n", pem)
    if (index(pem, "\\")) { print "its publicKeyPem holds an escape other than a line break"; exit }
    printf "%s", pem > (out ".pem"); printf "%s", body > (out ".json"); printf "%s", sig > (out ".b64")
    print "ok"
  }' "$rf")
  if [ "$split" != ok ]; then refusal_fail "$split"; continue; fi
  if ! openssl base64 -d -A -in "$work/rf.b64" -out "$work/rf.sig" 2>/dev/null || [ ! -s "$work/rf.sig" ]; then refusal_fail "its signature is not base64"; continue; fi
  read_key "$work/rf.pem"
  r_fp=$key_fp
  if [ -z "$r_fp" ]; then refusal_fail "publicKeyPem is not a readable public key"; continue; fi
  if ! verify_sig "$key_type" "$work/rf.pem" "$work/rf.json" "$work/rf.sig"; then refusal_fail "the signature does not verify over the refusal with the public key beside it"; continue; fi
  if ! pinned_run "$r_fp"; then refusal_fail "signed by key $r_fp, which is not a key pinned for run manifests"; continue; fi
  r_chain=''; r_started=''; r_refused=''; r_schema=''; r_sfp=''; r_alg=''; r_dup=''; r_attempts=''; r_prev_id=-; r_prev_sha=-
  r_type=$key_type
  while IFS="$tab" read -r name value; do
    case "$name" in
      duplicate) [ -n "$r_dup" ] || r_dup=$value ;;
      chain) r_chain=$value ;;
      startedAt) r_started=$value ;;
      refusedAt) r_refused=$value ;;
      prevRunId) r_prev_id=$value ;;
      prevSha) r_prev_sha=$value ;;
      schema) r_schema=$value ;;
      signFp) r_sfp=$value ;;
      signAlg) r_alg=$value ;;
      attempt) if [ -n "$r_attempts" ]; then r_attempts="$r_attempts, $value"; else r_attempts=$value; fi ;;
    esac
  done <<EOF
$(manifest_fields "$work/rf.json" - /dev/null)
EOF
  if [ -n "$r_dup" ]; then refusal_fail "key \"$r_dup\" appears twice: parsers disagree on which value counts, and evidence-locker never writes such a record"; continue; fi
  if [ "$r_schema" != evidence-locker/seal-refusal@1 ] || [ -z "$r_chain" ] || [ -z "$r_attempts" ]; then refusal_fail "its refusal names no schema evidence-locker/seal-refusal@1, chain or attempt"; continue; fi
  r_bad=$(refusal_schema "$work/rf.json")
  if [ -n "$r_bad" ]; then refusal_fail "refusal.$r_bad (evidence-locker writes every refusal to the schema evidence-locker/seal-refusal@1)"; continue; fi
  if [ "$r_sfp" != "$r_fp" ] || ! alg_fits "$r_type" "$r_alg"; then refusal_fail "the refusal names key \"$r_sfp\" ($r_alg), not the key that signed it ($r_fp, $r_type)"; continue; fi
  # The seal names each record after its first attempt: a record's signed bytes under another record's name are a copy.
  r_first=$(printf '%s' "$r_attempts" | sed 's/,.*//')
  # Directly under refusals/: a copy one folder down is a copy all the same.
  if ! awk -v n="$(printf '%s' "$rf" | sed 's|^refusals/||')" -v f="$r_first" 'BEGIN { t = substr(n, length(f) + 1); exit !(f != "" && index(n, "/") == 0 && substr(n, 1, length(f)) == f && t ~ /^-r[0-9a-f]+\.json$/ && length(t) == 39) }'; then
    refusal_fail "its name is not the one the seal gives this record (refusals/$r_first-r<32 hex>.json, after its first attempt): the signed bytes of a record copied here by someone else"; continue
  fi
  # Times written as evidence-locker writes them (the one form both verifiers read alike), then compared with this
  # machine's clock (UTC), allowing 15 minutes of skew, as evidence-locker verify does.
  r_badtime=$(printf 'startedAt\t%s\nrefusedAt\t%s\n' "$r_started" "$r_refused" | awk -F "$tab" "$time_awk"'
    !iso($2) { print $1 " \"" $2 "\""; exit }')
  if [ -n "$r_badtime" ]; then refusal_fail "refusal $r_badtime is not a time as evidence-locker writes it (YYYY-MM-DDTHH:MM:SS.sssZ)"; continue; fi
  future=$(printf '%s\n%s\n' "$r_started" "$r_refused" | awk -v now="$now_utc" '
    function dn(d,   y, m, x) { y = substr(d, 1, 4) + 0; m = substr(d, 6, 2) + 0; x = substr(d, 9, 2) + 0; if (m <= 2) { y--; m += 12 }
      return 365 * y + int(y / 4) - int(y / 100) + int(y / 400) + int((153 * (m - 3) + 2) / 5) + x }
    function secs(t) { return dn(t) * 86400 + substr(t, 12, 2) * 3600 + substr(t, 15, 2) * 60 + substr(t, 18, 2) }
    $0 !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]/ || secs($0) > secs(now) + 900 { print $0; exit }')
  if [ -n "$future" ]; then refusal_fail "its time \"$future\" is not a time before now ($now_utc UTC)"; continue; fi
  # A refused seal's attempts were never sealed: a record naming a run the package holds as one contradicts it.
  for r_held in $(printf '%s\n' "$r_attempts" | tr ',' '\n' | sed 's/^ *//' | grep -Fx -f "$work/held" | sort -u); do
    fail "$rf: refusal record $rf names run $r_held as a refused seal attempt (files planted by someone else), but $r_held is a sealed run signed by a trusted key: a seal is refused only when readers would not take the files of any attempt as its own, so the record or the run was not written by evidence-locker; whoever holds the signing key (kms:Sign) can write either: reconcile the key's CloudTrail Sign events"
  done
  refusals_ok=$((refusals_ok + 1))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rf" "$r_chain" "$r_prev_id" "$r_prev_sha" "$r_refused" "$r_first" "$r_attempts" >> "$work/refusals_ok"
  r_sha=$(sha256sum < "$rf" | cut -d' ' -f1)
  named=$(awk -F "$tab" -v p="$rf" -v h="$r_sha" '$2 == p && $3 == h { print $1; exit }' "$work/refusal_refs")
  if [ -n "$named" ]; then named=" and named by run $named"; else named=', named by no run in the package'; fi
  printf '%s\n' "SEAL REFUSED: $(printf '%s' "$r_started" | cut -c1-10), chain $r_chain: seal refused: files planted by someone else (attempts $r_attempts); $rf is signed by pinned run key $r_fp$named. No evidence of that collection was sealed: the day is a gap, not a pass; the record proves the collector refused the seal, not what the evidence said (a holder of the signing key could write one too)" >> "$work/refused_lines"
done < "$work/refusal_files"
refs_out=$(awk -F "$tab" -v sums=SHA256SUMS '
  BEGIN { while ((getline l < sums) > 0) have[substr(l, 67)] = substr(l, 1, 64) }
  $2 !~ /^refusals\/[A-Za-z0-9._-]+$/ { print "FAIL  runs/" $1 ": names \"" $2 "\" as a signed refusal record, which is not a file under refusals/"; next }
  !($2 in have) { print "FAIL  runs/" $1 ": names the signed refusal record " $2 ", which the package does not carry"; next }
  have[$2] != $3 { print "FAIL  " $2 ": SHA-256 " have[$2] " differs from the one run " $1 "'"'"'s signed manifest records for it (" $3 ")" }' "$work/refusal_refs")
if [ -n "$refs_out" ]; then
  printf '%s\n' "$refs_out"
  failures=$((failures + $(printf '%s\n' "$refs_out" | grep -c '^FAIL')))
elif [ "$failures" = "$refusals_failed" ] && { [ -s "$work/refusal_files" ] || [ -s "$work/refusal_refs" ]; }; then
  ok "every refusal record a run names is here with its SHA-256 ($(grep -c . "$work/refusal_refs") named); $refusals_ok of $(grep -c . "$work/refusal_files") record(s) under refusals/ signed by a pinned run key"
fi
cat "$work/refused_lines"
# Each verified record against the runs of its chain and previous link: their seal looked under refusals/ (after their
# collection completed) for records of that link and should have named it, unless it may not have seen it (as
# evidence-locker verify judges it, src/seal/refusals.ts refusalsLeftOut): objects it left unread (refusalsUnread), a
# record dated before the previous run started, or refused less than 15 minutes before the run completed (a warning).
left_out=$(printf '%s' "$chain_lines" | awk -F "$tab" -v recs="$work/refusals_ok" -v refs="$work/refusal_refs" -v unread="$work/unread" "$time_awk"'
  BEGIN {
    while ((getline l < refs) > 0) { split(l, f, "\t"); named[f[1], f[2]] = 1 }
    while ((getline l < unread) > 0) { split(l, f, "\t"); if (f[2] == "count") ucount[f[1]] = f[3] + 0; else { ufirst[f[1]]++; upath[f[1], f[3]] = 1 } }
  }
  { n = NR; chain[n] = $1; run[n] = $3; pid[n] = $5; psha[n] = $6; comp[n] = $8; start[$3] = $2 }
  END {
    while ((getline l < recs) > 0) {
      split(l, r, "\t")
      for (k = 1; k <= n; k++) {
        if (chain[k] != r[2] || pid[k] != r[3] || psha[k] != r[4] || ((run[k], r[1]) in named)) continue
        said = "runs/" run[k] ": run " run[k] " (chain " chain[k] ", " (r[3] == "-" ? "its first run" : "after " r[3]) ") does not name refusal record " r[1] " of the same link (seal refused: files planted by someone else (attempts " r[7] "), refused at " r[5] ")"
        listed = ((run[k], r[1]) in upath)
        if ((run[k] in ucount) && (listed || ucount[run[k]] > ufirst[run[k]] + 0)) {
          print "WARN  " said ": its seal left " ucount[run[k]] " object(s) under refusals/ unread (a seal reads at most 32, newest first), " (listed ? "and its signed manifest names this record among them" : "so the record may be among them (its signed manifest names the first " (ufirst[run[k]] + 0) ")") ": objects planted under refusals/ to keep the refusal out of the chain are suspected; the record is genuine and shown here, find who wrote under refusals/"
          continue
        }
        at = idms(r[6])
        prev = (r[3] == "-") ? -1 : (r[3] in start) ? (iso(start[r[3]]) ? ms(start[r[3]]) - 1000 : -1) : idms(r[3])
        if (at >= 0 && prev >= 0 && at < prev) {
          print "WARN  " said ": the record is dated by its first attempt before run " r[3] " started, and a seal reads only records dated from its chain'"'"'s previous run on: the refused collection ran while run " r[3] " was collected (two collections of chain " chain[k] " at once), so the seal of run " run[k] " did not look for it"
          continue
        }
        if (!iso(r[5]) || !iso(comp[k]) || ms(r[5]) + 900000 > ms(comp[k])) {
          print "WARN  " said ": the seal was refused less than 15 min before run " run[k] " completed (" comp[k] "), or after, so the record may have been written after that run'"'"'s seal looked under refusals/ (two collections of chain " chain[k] " at once)"
          continue
        }
        print "FAIL  " said ": its seal records no object under refusals/ left unread, and the seal was refused more than 15 min before run " run[k] " completed (" comp[k] "): that run'"'"'s seal should have read and named it (the record was kept from the seal'"'"'s listing, or the run was sealed by a version that did not record what it left unread), unless the record was written after that run was sealed by a holder of the signing key (kms:Sign) who dated it back: evidence-locker verify --store against an S3 store compares when the server wrote each, and the key'"'"'s CloudTrail Sign events show when it was signed"
      }
    }
  }' | sort)
printf '%s\n' "$left_out" | grep '^FAIL' || true
failures=$((failures + $(printf '%s\n' "$left_out" | grep -c '^FAIL')))
printf '%s\n' "$left_out" | sed -n 's/^WARN  /WARNING (period coverage): /p'

# 6d. The ids the report cover prints, recomputed: evaluationId is the SHA-256 of the canonical JSON of manifest.json's
# "evaluation"; contentId that of the evidence set (organisation, framework ids, period, accounts, each run with its
# manifest SHA-256 as listed, which step 6 checked, and the exceptions register, scope and entity "evaluation" records).
# manifest.json is that canonical JSON indented by two spaces, one member a line, so a member is made canonical again by
# dropping the indentation and the space after each key's colon. "evaluation" also restates the organisation,
# frameworks, period, accounts, tool, build time and simulated mark, which must be the top-level ones.
ids_out=$(awk -v evfile="$work/evaluation.json" -v setfile="$work/evidence-set.json" -v tab="$tab" '
  function compact(l) {
    sub(/^ +/, "", l)
    if (match(l, /^"([^"\\]|\\.)*": /)) l = substr(l, 1, RLENGTH - 1) substr(l, RLENGTH + 1)
    return l
  }
  function rest(l) { sub(/^ *"[A-Za-z0-9]*": /, "", l); sub(/,$/, "", l); return l }
  # "evaluation" made canonical again: JSON.parse puts an object'"'"'s array-index keys ("0" to "4294967294") first, in
  # number order, and the other keys after them in the order written; canonical JSON orders all keys by code unit.
  # Each object is rebuilt when it closes, its index keys merged back among the others.
  function cn_line(l,   key) {
    sub(/^ +/, "", l); key = ""
    if (match(l, /^"([^"\\]|\\.)*": /)) { key = substr(l, 1, RLENGTH - 2); l = substr(l, RLENGTH + 1) }
    if (l ~ /^[]}],?$/) { cn_close(); return }
    sub(/,$/, "", l)
    if (l == "{" || l == "[") { cd++; ctyp[cd] = l; ccnt[cd] = 0; ckey[cd] = key; return }
    cn_add(key, l)
  }
  function cn_add(key, v,   n) {
    n = ++ccnt[cd]; ck[cd, n] = key; cv[cd, n] = v
    if (cd == 1) ev[substr(key, 2, length(key) - 2)] = v
  }
  function cn_close(   t, i, k) {
    if (ctyp[cd] == "[") { t = "["; for (i = 1; i <= ccnt[cd]; i++) t = t (i > 1 ? "," : "") cv[cd, i]; t = t "]" }
    else t = cn_object(cd)
    k = ckey[cd]; cd--
    if (cd == 0) cn_result = t; else cn_add(k, t)
  }
  function kd(key) { return substr(key, 2, length(key) - 2) }
  function isindex(key,   d) { d = kd(key); return d ~ /^(0|[1-9][0-9]*)$/ && (length(d) < 10 || (length(d) == 10 && ("x" d) <= "x4294967294")) }
  # Whether the index key d (digits) sorts before the other key k (as written, escapes kept) in code-unit order.
  function idx_first(d, k,   i, c, e) {
    for (i = 1; i <= length(d); i++) {
      if (i > length(k)) return 0
      c = substr(k, i, 1)
      if (c == substr(d, i, 1)) continue
      if (c == "\\") { e = substr(k, i + 1, 1); return e == "\\" || (e == "u" && substr(k, i + 2, 1) == "d") }
      if (c ~ /^[0-9]$/) return ("x" substr(d, i, 1)) < ("x" c)
      return index(low, c) == 0
    }
    return 1
  }
  function cn_object(d,   i, a, b, x, ni, nl, t) {
    ni = 0; nl = 0
    for (i = 1; i <= ccnt[d]; i++) {
      if (isindex(ck[d, i])) { ik[++ni] = i; if (nl && misorder == "") misorder = "\"" kd(ck[d, i]) "\" after \"" kd(ck[d, lk[nl]]) "\"" }
      else {
        lk[++nl] = i
        # Keys of printable ASCII without escapes compare byte by byte as code units do: each must follow the one before.
        if (nl > 1 && misorder == "" && ck[d, i] ck[d, lk[nl - 1]] ~ /^[ -~]*$/ && index(ck[d, i] ck[d, lk[nl - 1]], "\\") == 0 && ("x" kd(ck[d, i])) < ("x" kd(ck[d, lk[nl - 1]]))) misorder = "\"" kd(ck[d, i]) "\" after \"" kd(ck[d, lk[nl - 1]]) "\""
      }
    }
    for (a = 2; a <= ni; a++) { x = ik[a]; for (b = a - 1; b >= 1 && ("x" kd(ck[d, ik[b]])) > ("x" kd(ck[d, x])); b--) ik[b + 1] = ik[b]; ik[b + 1] = x }
    a = 1; b = 1; t = ""
    while (a <= ni || b <= nl) {
      if (a <= ni && (b > nl || idx_first(kd(ck[d, ik[a]]), kd(ck[d, lk[b]])))) i = ik[a++]; else i = lk[b++]
      t = t (t == "" ? "" : ",") ck[d, i] ":" cv[d, i]
    }
    return "{" t "}"
  }
  BEGIN { low = " !\"#$%&" sprintf("%c", 39) "()*+,-./" }
  cur == "" && /^  "[A-Za-z0-9]*": / {
    name = $0; sub(/^  "/, "", name); sub(/".*$/, "", name); v = rest($0)
    if (v == "{" || v == "[") { cur = name; text = v; if (name == "evaluation") { cd = 1; ctyp[1] = "{"; ccnt[1] = 0; ckey[1] = "" }; next }
    top[name] = v; next
  }
  cur != "" && /^  []}],?$/ {
    if (cur == "evaluation") { cn_close(); top[cur] = cn_result }
    else if (cur != "files" && cur != "runs") top[cur] = text substr($0, 3, 1)
    if (cur == "runs") top[cur] = "[" pairs "]"
    if (cur == "frameworks") top["frameworkIds"] = "[" ids "]"
    cur = ""; next
  }
  cur == "files" { next }
  cur == "runs" {
    if ($0 ~ /^      "runId": "/) rid = rest($0)
    else if ($0 ~ /^      "manifestSha256": "/) rsha = rest($0)
    else if ($0 ~ /^    },?$/) { pairs = pairs (pairs == "" ? "" : ",") "[" rid "," rsha "]"; rid = ""; rsha = "" }
    next
  }
  cur == "frameworks" && /^      "id": "/ { ids = ids (ids == "" ? "" : ",") rest($0) }
  cur == "evaluation" { cn_line($0); next }
  cur != "" { text = text compact($0) }
  END {
    if (misorder != "") print "FAIL  manifest.json: in \"evaluation\", key " misorder ": not the order evidence-locker writes (canonical key order, array indices first as JavaScript keeps them), so the evaluation inputs id cannot be recomputed from it as evidence-locker verify does (which refuses the manifest)"
    if (!("evaluation" in top)) { print "noeval"; if ("evaluationId" in top) print "id" tab "evaluationId" tab top["evaluationId"]; print "id" tab "contentId" tab top["contentId"]; print "at" tab top["builtAt"] tab top["generatedAt"]; exit }
    printf "%s", top["evaluation"] > evfile
    set = "{\"accounts\":" top["accounts"]
    if (("entity" in ev) && ev["entity"] != "{}") set = set ",\"entity\":" ev["entity"]
    set = set ",\"exceptions\":" ev["exceptions"] ",\"frameworks\":" top["frameworkIds"] ",\"organization\":" top["organization"] ",\"period\":" top["period"] ",\"runs\":" top["runs"]
    if (ev["scope"] != "{}") set = set ",\"scope\":" ev["scope"]
    printf "%s}", set > setfile
    for (k in top) if (k == "evaluationId" || k == "contentId") print "id" tab k tab top[k]
    split("organization frameworks period accounts tool builtAt simulated", f, " ")
    for (i = 1; i <= 7; i++) {
      t = (f[i] == "frameworks") ? top["frameworkIds"] : (f[i] == "simulated" && !("simulated" in top)) ? "false" : (f[i] in top) ? top[f[i]] : "absent"
      a = (f[i] in ev) ? ev[f[i]] : "absent"
      if (a != t) print "FAIL  manifest.json: evaluation." f[i] " is " a ", but manifest.json'"'"'s " f[i] " is " t ": the results were computed for something else than the package describes"
    }
  }' manifest.json 2>/dev/null)
printf '%s\n' "$ids_out" | grep '^FAIL' || true
failures=$((failures + $(printf '%s\n' "$ids_out" | grep -c '^FAIL')))
content_id=$(printf '%s\n' "$ids_out" | awk -F "$tab" '$1 == "id" && $2 == "contentId" { gsub(/"/, "", $3); print $3 }')
evaluation_id=$(printf '%s\n' "$ids_out" | awk -F "$tab" '$1 == "id" && $2 == "evaluationId" { gsub(/"/, "", $3); print $3 }')
ids_unchecked=''
if printf '%s\n' "$ids_out" | grep -qx noeval; then
  [ -z "$evaluation_id" ] || fail "manifest.json: evaluationId $evaluation_id names evaluation inputs manifest.json does not record (\"evaluation\" is absent)"
  # evidence-locker records the evaluation inputs in every package it has built since 2026-12-07: a package built then or
  # later (builtAt), or holding a run completed then or later (generatedAt, the completion of its last run, which the run
  # key signed and step 8 checks), that records none had them taken out.
  ev_late=$(printf '%s\n' "$ids_out" | awk -F "$tab" '$1 == "at" { gsub(/"/, ""); if ($2 >= "2026-12-07") print "built " $2 " (builtAt)"; else if ($3 >= "2026-12-07") print "holding runs up to " $3 " (generatedAt)" }')
  if [ -n "$ev_late" ]; then
    fail "manifest.json: records no evaluation inputs (\"evaluation\"), yet says it was $ev_late, on or after 2026-12-07, since when evidence-locker records them in every package: they were taken out, so the report cover's ids cannot be recomputed (obtain the package again from the organisation)"
  else
    ids_unchecked="the evidence set id (contentId $content_id: manifest.json, of an older evidence-locker, records no evaluation inputs, so not the exceptions register and scope it covers)"
  fi
else
  ev_sha=$(sha256sum < "$work/evaluation.json" | cut -d' ' -f1)
  set_sha=$(sha256sum < "$work/evidence-set.json" | cut -d' ' -f1)
  ids_fail=$failures
  if [ -z "$evaluation_id" ]; then fail "manifest.json: records evaluation inputs (\"evaluation\") but no evaluationId: evidence-locker writes both"
  elif [ "$ev_sha" != "$evaluation_id" ]; then fail "manifest.json: evaluationId $evaluation_id (the evaluation inputs id on the report cover) is not the SHA-256 of the canonical JSON of its \"evaluation\", $ev_sha"
  fi
  if [ "$set_sha" != "$content_id" ]; then
    fail "manifest.json: contentId $content_id (the evidence set id on the report cover) is not the SHA-256 of the evidence set manifest.json describes, $set_sha (its organisation, frameworks, period, accounts and runs with their manifest SHA-256, and the exceptions register, scope and entity its \"evaluation\" records)"
  fi
  [ "$failures" -gt "$ids_fail" ] || ok "the report cover's ids recomputed: evidence set id $content_id, evaluation inputs id $evaluation_id"
fi

# 7. The chain: within each chain, in order of start, each run names the run before it and that run's manifest hash.
chain_out=$(printf '%s' "$chain_lines" | sort -t "$tab" -k1,1 -k2,2 -k3,3 | awk -F "$tab" '
  { chain[NR] = $1; run[NR] = $3; sha[NR] = $4; pid[NR] = $5; psha[NR] = $6; shaof[$3] = $4 }
  END {
    links = 0
    for (i = 1; i <= NR; i++) {
      if (i == 1 || chain[i] != chain[i - 1]) {
        if (pid[i] != "-" && (pid[i] in shaof) && shaof[pid[i]] != psha[i]) print "FAIL  runs/" run[i] ": chain " chain[i] ": previous run " pid[i] " has a different manifest hash"
        continue
      }
      links++
      if (pid[i] == "-") print "FAIL  runs/" run[i] ": chain " chain[i] ": no previous link, but " run[i - 1] " precedes it"
      else if (pid[i] != run[i - 1]) print "FAIL  runs/" run[i] ": chain " chain[i] ": links to " pid[i] ", but the run before it is " run[i - 1] " (a run is missing or the order was changed)"
      else if (psha[i] != sha[i - 1]) print "FAIL  runs/" run[i] ": chain " chain[i] ": previous manifest hash does not match runs/" run[i - 1] "/manifest.json"
    }
    print "links " links
  }')
chain_fail=$(printf '%s\n' "$chain_out" | grep -c '^FAIL' || true)
printf '%s\n' "$chain_out" | grep '^FAIL' || true
if [ "$chain_fail" -gt 0 ]; then
  failures=$((failures + chain_fail))
else
  ok "$runs run(s) signed by pinned keys; $(printf '%s\n' "$chain_out" | sed -n 's/^links //p') chain link(s) hold"
fi

# 8. The ends of the period. INVALID: the first run of a chain links to a run dated inside the period that the
# package does not hold (or to any attestation run it does not hold); the run the store held after a chain's last run
# when the package was built ("chainEnds" in manifest.json) is dated inside the period; "generatedAt" is not the
# completion of the last run held. Warnings (the result stays VALID): days at the start or end of the period without
# a run of a collection chain, and an end manifest.json does not record (packages of older versions).
pm_field() { sed -n "s/^  \"$1\": \"\([^\"\\\\]*\)\",\{0,1\}$/\1/p" manifest.json 2>/dev/null | head -n 1; }
p_from=$(sed -n '/^  "period": {/,/^  }/s/^    "from": "\([0-9-]*\)",\{0,1\}$/\1/p' manifest.json 2>/dev/null | head -n 1)
p_to=$(sed -n '/^  "period": {/,/^  }/s/^    "to": "\([0-9-]*\)",\{0,1\}$/\1/p' manifest.json 2>/dev/null | head -n 1)
generated=$(pm_field generatedAt)
built=$(pm_field builtAt)
has_built=$(grep -c '^  "builtAt": ' manifest.json 2>/dev/null)
has_ends=$(grep -c '^  "chainEnds": \[' manifest.json 2>/dev/null)
# The run span limit the package was built with (package --max-run-span, signed in manifest.json), when stricter than a day.
span_built=$(awk '/^  "evaluation": [{]/ { e = 1; next } e && /^  [}]/ { e = 0 } e && /^    "backDatingChecks": [{]/ { b = 1; next } b && /^    [}]/ { b = 0 } b && /^      "maxRunSpanMs": [0-9]+,?$/ { v = $2; sub(/,$/, "", v); print v; exit }' manifest.json 2>/dev/null)
sed -n '/^  "chainEnds": \[/,/^  \]/p' manifest.json 2>/dev/null | awk -v tab="$tab" '
  /^      "chain": "/ { c = $0; sub(/^      "chain": "/, "", c); sub(/",?$/, "", c) }
  /^      "lastRunId": "/ { l = $0; sub(/^      "lastRunId": "/, "", l); sub(/",?$/, "", l) }
  /^      "next": null/ { print c tab l tab "-" }
  /^        "runId": "/ { n = $0; sub(/^        "runId": "/, "", n); sub(/",?$/, "", n); print c tab l tab n }
' > "$work/ends"
listed_count=$(grep -c . "$work/listed_runs")
ends_out=$(printf '%s' "$chain_lines" | sort -t "$tab" -k1,1 -k2,2 -k3,3 | awk -F "$tab" -v from="$p_from" -v to="$p_to" -v gen="$generated" -v built="$built" -v has_built="$has_built" -v has_ends="$has_ends" -v listed="$listed_count" -v endsfile="$work/ends" -v spanbuilt="$span_built" "$time_awk"'
  function idday(id,   s) {
    if (match(id, /-backfill-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-/)) { s = substr(id, RSTART + 10, 8); return substr(s, 1, 4) "-" substr(s, 5, 2) "-" substr(s, 7, 2) }
    if (id ~ /^[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T/) return substr(id, 1, 4) "-" substr(id, 5, 2) "-" substr(id, 7, 2)
    return ""
  }
  function daysword(n) { return n == 1 ? "1 day" : n " days" }
  function spanfmt(v,   x, d, h, m, sec) { x = int(v / 1000); d = int(x / 86400); h = int((x % 86400) / 3600); m = int((x % 3600) / 60); sec = x % 60
    if (d > 0) return h > 0 ? d " d " h " h" : d " d"
    if (h > 0) return m > 0 ? h " h " m " min" : h " h"
    if (m > 0) return sec > 0 ? m " min " sec " s" : m " min"
    return sec " s" }
  function msany(t,   f) { f = (substr(t, 20, 1) == ".") ? substr(t, 21, 3) + 0 : 0
    return ((dn(substr(t, 1, 10)) * 86400 + substr(t, 12, 2) * 3600 + substr(t, 15, 2) * 60 + substr(t, 18, 2)) * 1000) + f }
  BEGIN {
    left = "runs of the period were left out of the package: obtain the complete package from the organisation"
    while ((getline line < endsfile) > 0) { split(line, e, "\t"); recorded[e[1]] = 1; elast[e[1]] = e[2]; enext[e[1]] = e[3] }
    bday = substr(built, 1, 10)
    endday = (bday != "" && bday < to) ? bday : to
    if (bday != "" && bday < to) print "WARN  manifest.json: the package was built on " bday ", before its period ends on " to
    # A day, or the stricter limit the package was built with; a wider recorded limit never loosens the check.
    spanlimit = 86400000; spanword = "1 day"; spannote = ""
    if (spanbuilt != "" && spanbuilt + 0 < spanlimit) { spanlimit = spanbuilt + 0; spanword = spanfmt(spanlimit); spannote = " (the limit the package was built with, package --max-run-span, recorded in manifest.json: stricter than 1 d)" }
  }
  function scount(c) { if (c == "default") return 1; if (c ~ /^shard-[1-9][0-9]*-of-[1-9][0-9]*$/) { sub(/^shard-[0-9]*-of-/, "", c); return c + 0 } return 0 }
  function written(k, c, id,   i, n2) {
    if (k == "attestation") return c == "attestations"
    if (k == "legal-hold") return c == "legal-hold"
    if (id ~ /-backfill-/) return c == "backfill"
    if (c == "default") return 1
    if (c !~ /^shard-[1-9][0-9]*-of-[1-9][0-9]*$/) return 0
    i = c; sub(/^shard-/, "", i); sub(/-of-.*$/, "", i); n2 = c; sub(/^shard-[0-9]*-of-/, "", n2)
    return i + 0 <= n2 + 0
  }
  { n = NR; ch[n] = $1; st[n] = $2; run[n] = $3; pid[n] = $5; kind[n] = $7; comp[n] = $8; held[$3] = 1
    never = "evidence-locker never writes such a run: it was sealed by something else holding the signing key (kms:Sign)"
    if (!written($7, $1, $3)) print "FAIL  runs/" $3 ": chain " $1 ": a " $7 " run is never sealed in a chain of that name: " never
    if (($1 in kind1) && kind1[$1] != $7 && !($1 in mixed)) { mixed[$1] = 1; print "FAIL  runs/" $3 ": chain " $1 " mixes run kinds (" kind1[$1] ", " $7 "): " never }
    if (!($1 in kind1)) kind1[$1] = $7
    if ($3 ~ /^[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z/) {
      idt = substr($3, 1, 4) "-" substr($3, 5, 2) "-" substr($3, 7, 2) "T" substr($3, 10, 2) ":" substr($3, 12, 2) ":" substr($3, 14, 2)
      if (idt > substr($2, 1, 19)) print "FAIL  runs/" $3 ": the run id'"'"'s time is after the run'"'"'s startedAt " $2 ": evidence-locker names a run when it starts"
    }
    if ($8 < $2) print "FAIL  runs/" $3 ": completedAt " $8 " is before startedAt " $2
    else if (msany($8) - msany($2) > spanlimit) print "WARN  runs/" $3 ": the run states it started at " $2 " and completed at " $8 " (both signed), more than the " spanword " a run may take" spannote ": its start, and so the day it claims, may lie long before it was signed and stored (back-dated); this package holds no store write times: run evidence-locker verify --store --run " $3 " against the bucket, and find the CloudTrail Sign call of its completion"
    if ($7 == "collection" && $3 !~ /-backfill-/) { isper[$1] = 1; if (firstst == "" || $2 < firstst) firstst = $2 }
    if (!($1 in maxcomp) || $8 > maxcomp[$1]) maxcomp[$1] = $8
    if (!($1 in minst) || $2 < minst[$1]) minst[$1] = $2
    day[n] = idday($3); if (day[n] == "") day[n] = substr($2, 1, 10)
    if ($8 > maxc) { maxc = $8; maxr = $3 }
    if (!($1 in first)) { first[$1] = n; order[++chains] = $1 }
    last[$1] = n
  }
  END {
    if (n == listed && n > 0 && gen != maxc) print "FAIL  manifest.json: generatedAt " gen " is not the completion of the last run the package holds (" maxr ", completed " maxc "): the package manifest does not describe the runs it holds; obtain the package again from the organisation"
    # The build time: recorded in every package built since 2026-12-04 (by generatedAt, which the run keys sign), and
    # never before the completion of the last run by more than the 15 minutes two clocks may differ (a warning within).
    lastc = (maxc != "") ? maxc : gen
    bagain = "obtain the package again from the organisation"
    if (has_built != 1) { if (gen >= "2026-12-04") print "FAIL  manifest.json: records no build time (\"builtAt\"), yet holds runs up to " gen " (generatedAt), on or after 2026-12-04, since when evidence-locker records it in every package: it was taken out, so when the package was built, and whether its period had ended then, cannot be told; " bagain }
    else if (!iso(built)) print "FAIL  manifest.json: builtAt \"" built "\" is not a time as evidence-locker writes it (YYYY-MM-DDTHH:MM:SS.sssZ); " bagain
    else if (iso(lastc) && ms(lastc) - ms(built) > 900000) print "FAIL  manifest.json: builtAt " built " is before " lastc ", the completion of the last run the package holds: a package is built after the runs it holds, so manifest.json, signed by the package key alone, misstates when it was built (the report'"'"'s build time, and whether the period had ended then, follow it); " bagain
    else if (iso(lastc) && ms(lastc) > ms(built)) print "WARN  manifest.json: builtAt " built " is " int((ms(lastc) - ms(built) + 999) / 1000) " s before " lastc ", the completion of the last run the package holds: within the 15 min by which the clocks of the collector and of the machine that built the package may differ; confirm with the organisation that it was built after its last run"
    for (k = 1; k <= chains; k++) {
      c = order[k]; f = first[c]; l = last[c]; periodic = (c in isper)
      if (periodic && c != "backfill" && pid[f] == "-" && st[f] > firstst) {
        change = 0
        beside = 0
        for (k2 = 1; k2 <= chains; k2++) { c2 = order[k2]; if (c2 != c && (c2 in isper) && c2 != "backfill" && scount(c2) != scount(c)) { if (maxcomp[c2] <= st[f]) change = 1; else if (minst[c2] < st[f]) beside = 1 } }
        if (!change && beside && scount(c) > 0) print "WARN  runs/" run[f] ": chain " c ": begins (previous: null) on " day[f] ", after collection in the package began (" firstst "), while a collection chain of another shard count was still running: evidence-locker starts a new chain when the shard count changes; confirm with the organisation that it changed on " day[f] ", and reconcile the key'"'"'s CloudTrail Sign events (a run sealed by anyone else holding kms:Sign looks the same)"
        else if (!change) print "FAIL  runs/" run[f] ": chain " c ": begins (previous: null) on " day[f] ", after collection in the package began (" firstst "), and no collection chain of another shard count ended before it: evidence-locker starts a new collection chain only on its first run ever or when the shard count changes, so this run was sealed by something else holding the signing key (kms:Sign)"
      }
      sgap = (periodic && day[f] > from) ? dn(day[f]) - dn(from) : 0
      if (pid[f] == "-") {
        if (sgap) print "WARN  runs/" run[f] ": chain " c ": collection began on " day[f] " (the chain'"'"'s first run ever), " daysword(sgap) " after the period start " from
      } else if (!(pid[f] in held)) {
        pd = idday(pid[f])
        if (kind[f] == "attestation") print "FAIL  runs/" run[f] ": chain " c ": links to attestation run " pid[f] ", which the package does not hold; a package holds every attestation sealed up to its period end, so " left
        else if (pd == "") print "WARN  runs/" run[f] ": chain " c ": links to run " pid[f] ", whose date cannot be read from its id: whether runs at the start of the period were left out cannot be told"
        else if (pd >= from && pd <= to) print "FAIL  runs/" run[f] ": chain " c ": the first run in the package (" day[f] ") links to run " pid[f] ", dated " pd " inside the period " from " to " to ", which the package does not hold: " left
        else if (sgap && pd < from) print "WARN  runs/" run[f] ": chain " c ": the earliest run in the package is on " day[f] ", " daysword(sgap) " after the period start " from "; it links directly to " pid[f] " (" pd ", before the period), so no run of this chain was sealed in those days"
      }
      why = ""
      if (has_ends != 1) why = "; the package does not record what followed its last run, so runs could have been left out"
      else if (!(c in recorded)) print "FAIL  manifest.json: chainEnds records nothing for chain " c ", whose runs the package holds"
      else if (elast[c] != run[l]) print "FAIL  manifest.json: chainEnds names " elast[c] " as the last run of chain " c ", but the package'"'"'s last run of that chain is " run[l]
      else if (enext[c] == "-") why = "; manifest.json, signed by the package key alone, records that no later run of this chain dated within the period was in the store when the package was built: if that record is true, none was sealed in those days (evidence-locker verify --store shows the store itself)"
      else {
        nd = idday(enext[c])
        if (nd == "") print "WARN  runs/" run[l] ": chain " c ": the run the store held next, " enext[c] ", has no date in its id: whether runs at the end of the period were left out cannot be told"
        else if (kind[l] == "attestation" ? nd <= to : (nd >= from && nd <= to)) print "FAIL  runs/" run[l] ": chain " c ": when the package was built the evidence store held run " enext[c] ", dated " nd " inside the period " from " to " to ", after the package'"'"'s last run " run[l] ": " left
        else why = "; manifest.json, signed by the package key alone, records that the next run the store held was " enext[c] ", dated " nd ": if that record is true, no run of this chain was sealed in those days (evidence-locker verify --store shows the store itself)"
      }
      egap = (periodic && day[l] < endday) ? dn(endday) - dn(day[l]) : 0
      if (egap) print "WARN  runs/" run[l] ": chain " c ": the last run in the package is on " day[l] "; the " daysword(egap) " after it up to " endday " at the end of the period have no run of this chain" why
    }
  }')
ends_fail=$(printf '%s\n' "$ends_out" | grep -c '^FAIL' || true)
printf '%s\n' "$ends_out" | grep '^FAIL' || true
printf '%s\n' "$ends_out" | sed -n 's/^WARN  /WARNING (period coverage): /p'
if [ "$ends_fail" -gt 0 ]; then
  failures=$((failures + ends_fail))
else
  ok "the first and last runs of each chain are consistent with the period $p_from to $p_to"
fi

# 8a. Missing shards: a schedule slot split over n shards whose every shard did not seal a run. manifest.json lists them
# ("missingShards", report.pdf's "Missing shards"), signed by the package key alone; the runs' signed shard fields say
# which shard of how many each is and its slot, so the list is derived again from the runs the package holds (when every
# run it lists was read): a package rebuilt leaving out one shard's whole chain cannot say no shard is missing.
if [ "$(grep -c '^  "missingShards": ' manifest.json 2>/dev/null)" != 1 ]; then
  fail "manifest.json: no single \"missingShards\" list found"
elif [ "$(printf '%s' "$chain_lines" | grep -c .)" = "$listed_count" ]; then
  # A signed shard count over 1000 (the most collect --shard i/n takes) is refused, and not counted up to.
  awk -F "$tab" '$2 == "shard.count" && $3 + 0 > 1000 { print $1 "\t" $3 }' "$work/signed_fields" > "$work/big_shards"
  while IFS="$tab" read -r big_run big_count; do
    fail "runs/$big_run: shard count $big_count in its signed manifest: a shard count over 1000, the most collect --shard i/n takes: no evidence-locker collection seals such a run"
  done < "$work/big_shards"
  # A signed shard index outside 1 to its count (collect --shard i/n never takes one) fills no shard of its slot.
  awk -F "$tab" -v tab="$tab" '$2 == "shard.index" { idx[$1] = $3 } $2 == "shard.count" { cnt[$1] = $3 }
    END { for (r in idx) if (idx[r] !~ /^[0-9]+$/ || !(r in cnt) || idx[r] + 0 < 1 || idx[r] + 0 > cnt[r] + 0) print r tab idx[r] tab cnt[r] }' "$work/signed_fields" | sort > "$work/odd_shards"
  while IFS="$tab" read -r odd_run odd_index odd_count; do
    fail "runs/$odd_run: shard index $odd_index of $odd_count in its signed manifest: a shard index outside 1 to its count, which collect --shard i/n never takes: no evidence-locker collection seals such a run"
  done < "$work/odd_shards"
  # Each slot as "<slot><TAB><count><TAB><present, in order><TAB><missing, in order>", slots in byte order.
  held_shards=$(awk -F "$tab" -v tab="$tab" '
    $2 == "shard.index" { idx[$1] = $3 + 0 } $2 == "shard.count" { cnt[$1] = $3 + 0 } $2 == "shard.slot" { slot[$1] = $3 }
    END {
      for (r in slot) {
        if (cnt[r] > 1000 || idx[r] < 1 || idx[r] > cnt[r]) continue
        sl = slot[r]
        if (!(sl in count) || cnt[r] > count[sl]) count[sl] = cnt[r]
        if (!((sl, idx[r]) in have)) { have[sl, idx[r]] = 1; np[sl]++; p[sl, np[sl]] = idx[r] }
      }
      for (sl in count) {
        miss = ""
        for (i = 1; i <= count[sl]; i++) if (!((sl, i) in have)) miss = miss (miss == "" ? "" : ", ") i
        if (miss == "") continue
        for (a = 2; a <= np[sl]; a++) { x = p[sl, a]; for (b = a - 1; b >= 1 && p[sl, b] > x; b--) p[sl, b + 1] = p[sl, b]; p[sl, b + 1] = x }
        pres = ""; for (a = 1; a <= np[sl]; a++) pres = pres (a > 1 ? ", " : "") p[sl, a]
        print sl tab count[sl] tab pres tab miss
      }
    }' "$work/signed_fields" | sort)
  listed_shards=$(sed -n '/^  "missingShards": \[$/,/^  \],\{0,1\}$/p' manifest.json | awk -v tab="$tab" '
    function num(l) { sub(/^ */, "", l); sub(/,$/, "", l); return l }
    /^      "count": / { c = $0; sub(/^      "count": /, "", c); sub(/,$/, "", c) }
    /^      "slot": "/ { sl = $0; sub(/^      "slot": "/, "", sl); sub(/",?$/, "", sl) }
    /^      "(missing|present)": \[/ { w = ($0 ~ /"missing"/) ? "m" : "p"; v[w] = ""; if ($0 ~ /\[\],?$/) w = ""; next }
    /^        / && w != "" { v[w] = v[w] (v[w] == "" ? "" : ", ") num($0) }
    /^      \],?$/ { w = "" }
    /^    \},?$/ { print sl tab c tab v["p"] tab v["m"]; sl = ""; c = ""; v["p"] = ""; v["m"] = "" }' | sort)
  if [ "$held_shards" = "$listed_shards" ]; then
    ok "the missing shards manifest.json lists are those of the runs it holds ($(printf '%s' "$held_shards" | grep -c .) slot(s) missing a shard)"
  else
    show_shards() { printf '%s' "$1" | awk -F "$tab" '{ t = t (NR > 1 ? "; " : "") $1 ": " $4 " of " $2 } END { print (NR ? t : "none") }'; }
    fail "manifest.json: missingShards lists $(show_shards "$listed_shards"), but the runs the package holds, by their signed shard fields, are missing $(show_shards "$held_shards"): manifest.json, signed by the package key alone, misstates which shards were sealed (the report's \"Missing shards\" repeats it); obtain the package again from the organisation"
  fi
fi

# 9. One evidence body with AWS request ids of its own cited by two collection runs: every run collects its own
# responses. Accounts the runs collected that the package leaves out (package --accounts): a warning.
shared=0
if [ -f "$work/ok_bodies" ]; then
  for b in $(cut -d' ' -f1 "$work/ok_bodies" | sort | uniq -d); do
    f="evidence/objects/sha256/$(printf '%s' "$b" | cut -c1-2)/$b.json"
    if [ -f "$f" ] && grep -q '"requestIds":\["' "$f"; then
      shared=$((shared + 1))
      [ "$shared" -gt 3 ] || echo "FAIL  $f: cited by more than one collection run ($(grep "^$b " "$work/ok_bodies" | cut -d' ' -f2 | tr '\n' ' '| sed 's/ $//'))"
    fi
  done
fi
[ "$shared" -eq 0 ] || fail "$shared evidence body(ies) carrying AWS request ids of their own are cited by more than one collection run: a run citing another run's bodies did not collect them"
sed -n '/^  "accounts": \[/,/^  \]/s/^    "\([^"]*\)",\{0,1\}$/\1/p' manifest.json 2>/dev/null | sort -u > "$work/pkg_accounts"
left_out=$( { [ -f "$work/run_accounts" ] && sort -u "$work/run_accounts"; } | comm -23 - "$work/pkg_accounts" | tr '\n' ' ' | sed 's/ $//')
[ -z "$left_out" ] || echo "WARNING (accounts): accounts collected in the period but not in this package: $left_out (the runs it holds collected them; ask the organisation why they were left out)"

# 10. Evidence bodies: each stored under its SHA-256 (as SHA256SUMS gives it, which sha256sum -c checked), attestation
# documents likewise; every record of the runs read above has its body: those of the package's accounts, every record of
# an attestation run, and every organisation-wide read (query id delegated-read:...), whichever account made it: a
# package holds every read of its runs, as its members' records cite them.
bodies_out=$(awk -v bodies="$work/bodies" '
  BEGIN { printf "" > bodies }
  { h = substr($0, 1, 64); p = substr($0, 67) }
  substr(p, 1, 9) == "evidence/" {
    if (length(p) != 96 || substr(p, 1, 24) != "evidence/objects/sha256/" || substr(p, 27, 1) != "/" || substr(p, 92) != ".json" || substr(p, 28, 64) !~ /^[0-9a-f]+$/) { print "FAIL  " p ": unexpected file under evidence/ (bodies are evidence/objects/sha256/<2 hex>/<sha256>.json)"; next }
    if (substr(p, 25, 2) != substr(p, 28, 2)) { print "FAIL  " p ": stored under the wrong fan-out folder"; next }
    if (substr(p, 28, 64) != h) { print "FAIL  " p ": content hashes to " h ", not the SHA-256 in its name"; next }
    print h > bodies
  }
  substr(p, 1, 13) == "attestations/" && (substr(p, 14, 64) != h || substr(p, 78, 1) != "-") { print "FAIL  " p ": attestation document does not match the SHA-256 in its name" }
' SHA256SUMS)
missing_out=$(awk -F "$tab" -v accts="$work/pkg_accounts" -v info="$work/runinfo" -v bodies="$work/bodies" '
  BEGIN {
    while ((getline l < accts) > 0) a[l] = 1
    while ((getline l < info) > 0) { split(l, f, "\t"); k[f[1]] = f[2] }
    while ((getline l < bodies) > 0) b[l] = 1
  }
  {
    rd = index($4, "delegated-read:") == 1
    if (k[$1] != "attestation" && !($2 in a) && !rd) next
    recs++
    if ($3 in b) next
    n++
    if (n <= 10) print "FAIL  evidence/objects/sha256/" substr($3, 1, 2) "/" $3 ".json: missing: evidence body of a record of " (k[$1] == "attestation" ? "an attestation" : rd ? "the organisation-wide read " $5 " (account " $2 ")" : "account " $2) " in run " $1
  }
  END { if (n > 10) print "FAIL  and " n - 10 " more record(s) without their evidence body"; print "records " recs + 0 }' "$work/recs")
body_recs=$(printf '%s\n' "$missing_out" | sed -n 's/^records //p')
bodies_out=$(printf '%s\n%s\n' "$bodies_out" "$missing_out" | grep '^FAIL' || true)
if [ -n "$bodies_out" ]; then
  printf '%s\n' "$bodies_out"
  failures=$((failures + $(printf '%s\n' "$bodies_out" | grep -c '^FAIL')))
else
  ok "every evidence body is stored under its SHA-256, and each of the $body_recs record(s) of the package's accounts, attestations and organisation-wide reads has its body"
fi

# 10a. A member record read through an organisation-wide read cites the read's record (provenance.via.read: record id,
# SHA-256, request count): the same run's signed manifest must list that record id for a delegated-read: query, with that
# SHA-256, as evidence-locker verify checks. Strings are compared as written: the collector writes bodies and manifests
# as JSON.stringify does, so the same text is the same bytes (a body spelling a name with escapes it never writes is
# refused, never passed). Only bodies that can hold a "read" member are walked (its key written plainly, or with a \u
# escape). The records of every collection run whose body the package holds are read, as evidence-locker verify reads them.
awk -F "$tab" -v info="$work/runinfo" -v bodies="$work/bodies" '
  BEGIN {
    while ((getline l < info) > 0) { split(l, f, "\t"); k[f[1]] = f[2] }
    while ((getline l < bodies) > 0) b[l] = 1
  }
  k[$1] == "collection" && ($3 in b) { print "evidence/objects/sha256/" substr($3, 1, 2) "/" $3 ".json" }' "$work/recs" | sort -u > "$work/cited_bodies"
find evidence/objects -type f -name '*.json' -exec grep -lE '"read"[[:space:]]*(:|$)|\\u' {} + 2>/dev/null | sort | comm -12 "$work/cited_bodies" - > "$work/citing_bodies"
: > "$work/via_reads"
while IFS= read -r f; do
  [ -n "$f" ] || continue
  json_walk "$f" '
  function member(path, type, value) {
    if (skip) return
    if (path == "provenance.via.read") bad = "it is not an object"
    else if (index(path, "provenance.via.read.") == 1) {
      f = substr(path, 21)
      if (f == "recordId" || f == "sha256" || f == "requests") { if (f in v) bad = "it lists " f " more than once"; v[f] = value; t[f] = type }
    }
  }
  function opened(path, c) {
    if ((path == "" || path == "provenance" || path == "provenance.via") && c == "[") skip = 1
    else if (path == "provenance.via.read") { if (c == "[") bad = "it is a list, not an object"; else seen = 1 }
    else if (index(path, "provenance.via.read.") == 1) bad = substr(path, 21) " is " (c == "[" ? "a list" : "an object")
  }
  function twice(path) { if (path == "provenance" || path == "provenance.via" || path == "provenance.via.read" || index(path, "provenance.via.read.") == 1) dup = path }
  # The body read to its end (its top-level object closed): what it cites, if anything.
  function closed(path, c) {
    if (path != "" || c != "}" || skip || !(seen || bad != "" || dup != "")) return
    if (dup != "") bad = "key \"" dup "\" is given twice: parsers disagree on which value counts, and evidence-locker never writes such a body"
    else if (bad == "" && (t["recordId"] != "s" || t["sha256"] != "s" || v["sha256"] !~ /^[0-9a-f]+$/ || length(v["sha256"]) != 64)) bad = "its recordId or sha256 is missing, or sha256 is not 64 hex digits"
    else if (bad == "" && (t["requests"] != "l" || v["requests"] !~ /^(0|[1-9][0-9]*)$/)) bad = "its requests is not a whole number"
    print name "\t" v["recordId"] "\t" v["sha256"] "\t" bad
    skip = 1
  }' -v name="$(printf '%s' "$f" | cut -c28-91)" >> "$work/via_reads"
done < "$work/citing_bodies"
via_out=$(awk -F "$tab" -v info="$work/runinfo" -v refs="$work/via_reads" '
  BEGIN {
    while ((getline l < info) > 0) { split(l, f, "\t"); k[f[1]] = f[2] }
    while ((getline l < refs) > 0) { split(l, f, "\t"); cited[f[1]] = 1; rid[f[1]] = f[2]; rsha[f[1]] = f[3]; bad[f[1]] = f[4] }
  }
  NR == FNR { q[$1, $5] = $4; s[$1, $5] = $3; next }
  k[$1] == "collection" && ($3 in cited) {
    p = "evidence/objects/sha256/" substr($3, 1, 2) "/" $3 ".json"
    if (bad[$3] != "") { out("FAIL  " p ": record " $5 " of run " $1 " cites an organisation-wide read that does not read as a reference (record id, SHA-256, request count): " bad[$3]); next }
    cites = "FAIL  " p ": run " $1 ": record " $5 " cites organisation-wide read " rid[$3] " (SHA-256 " rsha[$3] ")"
    if (index(rid[$3], "delegated-read:") != 1) out(cites ", which is not the record id of an organisation-wide read (delegated-read:...)")
    else if (!(($1, rid[$3]) in q)) out(cites ", which the same run'"'"'s signed manifest does not list: the member record'"'"'s requests cannot be read")
    else if (index(q[$1, rid[$3]], "delegated-read:") != 1) out(cites ", but the run lists that record id for query " q[$1, rid[$3]] ", not an organisation-wide read")
    else if (s[$1, rid[$3]] != rsha[$3]) out(cites ", but the run'"'"'s signed manifest lists that read with SHA-256 " s[$1, rid[$3]])
    else good++
  }
  function out(line) { n++; if (n <= 10) print line }
  END { if (n > 10) print "FAIL  and " n - 10 " more record(s) whose organisation-wide read reference does not hold"; print "refs " good + 0 }' "$work/recs" "$work/recs")
via_good=$(printf '%s\n' "$via_out" | sed -n 's/^refs //p')
via_out=$(printf '%s\n' "$via_out" | grep '^FAIL' || true)
if [ -n "$via_out" ]; then
  printf '%s\n' "$via_out"
  failures=$((failures + $(printf '%s\n' "$via_out" | grep -c '^FAIL')))
elif [ "$via_good" -gt 0 ]; then
  ok "each of the $via_good member record(s) citing an organisation-wide read cites a read record its own run's signed manifest lists with that SHA-256"
fi

# 11. Attestations: each body names as its sealer the key that signed its run (evidence-locker records the key it signs
# with). Whom it names (as the attester wrote it) and the caller recorded are printed: claims signed with that key.
att_lines=''
awk -F "$tab" -v info="$work/runinfo" '
  BEGIN { while ((getline l < info) > 0) { split(l, f, "\t"); if (f[2] == "attestation") { fp[f[1]] = f[3]; id[f[1]] = f[4] } } }
  ($1 in fp) && $3 != "" { print $1 "\t" $3 "\t" fp[$1] "\t" id[$1] }' "$work/recs" | sort -u > "$work/att_recs"
while IFS="$tab" read -r run b rfp rkeyid; do
  grep -qx "$b" "$work/bodies" || continue
  f="evidence/objects/sha256/$(printf '%s' "$b" | cut -c1-2)/$b.json"
  fw=''; req=''; by=''; sk=''; sc=''; skid=''; sfp=''; sealed=''; adup=''
  while IFS="$tab" read -r p t v; do
    case "$p" in
      duplicate) [ -n "$adup" ] || adup=$t ;;
      attestation.framework) fw=$v ;;
      attestation.requirement) req=$v ;;
      attestation.by) by=$v ;;
      attestation.sealedBy.signerKind) sealed=1; sk=$v ;;
      attestation.sealedBy.callerArn) sealed=1; if [ "$t" = n ]; then sc=''; else sc=$v; fi ;;
      attestation.sealedBy.keyId) sealed=1; skid=$v ;;
      attestation.sealedBy.keyFingerprint) sealed=1; sfp=$v ;;
    esac
  done <<EOF
$(attestation_members "$f")
EOF
  if [ -n "$adup" ]; then
    fail "$f: \"$adup\" appears twice in the attestation of run $run: parsers disagree on which value counts, and evidence-locker never writes such a body"
    continue
  fi
  if [ -z "$fw" ] || [ -z "$req" ] || [ -z "$by" ]; then
    fail "$f: the record of attestation run $run names no framework, requirement or attester: evidence-locker never seals such an attestation"
    continue
  fi
  if [ -n "$sealed" ] && { [ "$sfp" != "$rfp" ] || [ "$skid" != "$rkeyid" ]; }; then
    fail "$f: attestation $fw $req in run $run says it was sealed with key $skid ($sfp), but its run is signed with $rkeyid ($rfp): evidence-locker records the key it signs with, so this record was not sealed by it"
  fi
  if [ -z "$sealed" ]; then who='caller identity not recorded'
  elif [ "$sk" = local ]; then who="sealed with local key $sfp, no AWS identity"
  elif [ -z "$sc" ]; then who="sealed with key $skid, caller identity not recorded"
  else
    who="sealed by $sc with key $skid"
    case "$sc" in
      arn:*:sts::*:assumed-role/*/*) who="sealed by $sc (its session name \"$(printf '%s' "$sc" | sed 's|^[^/]*/[^/]*/||')\" is chosen by whoever assumed the role: it does not identify a person) with key $skid" ;;
    esac
  fi
  if [ "$rfp" = "$pkg_fp" ]; then signer="the package's key"; else signer="key $rfp, NOT the package's key"; fi
  att_lines="$att_lines  $fw $req, run $run: $by (stated) — $who; run signed by $signer$nl"
done < "$work/att_recs"
if [ -n "$att_lines" ]; then
  echo "attestations (the attester's name is as they wrote it; who sealed it is what evidence-locker recorded in the body, which the"
  echo "run's signature covers: a claim by whoever held that key; reconcile it with the key's CloudTrail Sign events):"
  printf '%s' "$att_lines"
fi

# 12. Who sealed, and where the evidence came from, as recorded: printed, not checked. The key ids are what the manifests
# record beside the fingerprints checked above; each body's provenance (the endpoint origin its calls went to and the
# caller) is what the collector wrote and the run key signed: a claim by whoever held that key, not proof of who answered.
echo "recorded by the signers (claims signed with the keys above, not proof; evidence-locker verify reads the same):"
echo "  package manifest: key $pkg_fp, key id \"$m_keyid\" as manifest.json records it"
cut -f3,4 "$work/runinfo" | sort | uniq -c | while read -r count rfp rkeyid; do
  echo "  $count run(s): key $rfp, key id \"$rkeyid\" as the run manifests record it"
done
find evidence/objects -type f -name '*.json' -exec grep -HoE '"provenance":\{"callerArn":(null|"[^"\\]*"),"endpoint":(null|"[^"\\]*")(,"endpoints":\[[^]]*\])?' {} + > "$work/origins" 2>/dev/null
origin_out=$(awk -F "$tab" -v accts="$work/pkg_accounts" -v info="$work/runinfo" -v origins="$work/origins" -v tab="$tab" '
  BEGIN {
    while ((getline l < accts) > 0) a[l] = 1
    while ((getline l < info) > 0) { split(l, f, "\t"); k[f[1]] = f[2] }
    # The last match in a body is its own provenance (canonical key order puts "data" before it).
    while ((getline l < origins) > 0) {
      i = index(l, ":"); p = substr(l, 1, i - 1); m = substr(l, i + 1)
      h = substr(p, 28, 64)
      c = m; sub(/^"provenance":\{"callerArn":/, "", c); sub(/,"endpoint":.*$/, "", c); gsub(/"/, "", c)
      e = m; sub(/^.*,"endpoint":/, "", e)
      if (match(e, /,"endpoints":\[/)) { list = substr(e, RSTART + 14); e = substr(e, 1, RSTART - 1); sub(/\]$/, "", list); gsub(/"/, "", list); gsub(/,/, ", ", list); e = e " (calls went to " list ")" }
      gsub(/"/, "", e)
      origin[h] = e; caller[h] = c
    }
  }
  k[$1] == "collection" && ($2 in a) {
    recs++
    if ($3 in origin) { eo[origin[$3]]++; co[caller[$3]]++ } else none++
  }
  END {
    for (x in eo) print "E" tab eo[x] tab x
    for (x in co) print "C" tab co[x] tab x
    if (none) print "E" tab none tab "none recorded (sealed before provenance was recorded, or not read by this text match)"
    print "R" tab recs + 0
  }' "$work/recs")
o_recs=$(printf '%s\n' "$origin_out" | awk -F "$tab" '$1 == "R" { print $2 }')
if [ "$o_recs" -gt 0 ]; then
  echo "  the $o_recs collection record(s) of the package's accounts, by the endpoint origin their bodies record:"
  printf '%s\n' "$origin_out" | awk -F "$tab" '$1 == "E" { print "    " $2 " record(s): " $3 }' | sort
  echo "  and by the caller their bodies record (null: not recorded):"
  printf '%s\n' "$origin_out" | awk -F "$tab" '$1 == "C" { print "    " $2 " record(s): " $3 }' | sort
  echo "  (read by text match, not parsed; evidence-locker verify parses each body, checks each origin is an AWS endpoint of its"
  echo "  query's service and names callers of another account)"
fi
echo "not checked here (it needs a JSON parser; evidence-locker verify --expect-key <fingerprint> does it): that each manifest is"
echo "  the one serialisation evidence-locker writes and fits its schema, that each body reads as an evidence body, each recorded"
echo "  origin as above, the file sizes manifest.json lists, that evidence-index.csv (which record each E- reference the results"
echo "  cite names) is the index the runs' signed records give; and, with --recompute, that the results follow from the evidence"
[ -z "$ids_unchecked" ] || echo "not checked here either: $ids_unchecked"

# Runs their key signed as stored on S3, while manifest.json (the package key alone) records no comparison of the
# store's write times: a package built from a copy of the store, or one whose record was taken out. Named on the result.
wt_checked=$(awk '/^  "evaluation": [{]/ { e = 1; next } e && /^  [}]/ { e = 0 } e && /^    "backDatingChecks": [{]/ { b = 1; next } b && /^    [}]/ { b = 0 } b && /^      "writeTimesChecked": true,?$/ { print "true"; exit }' manifest.json 2>/dev/null)
wt_note=''
if [ -n "$s3_runs" ] && [ "$wt_checked" != true ]; then
  s3_count=$(printf '%s\n' $s3_runs | grep -c .)
  wt_note=" — write times NOT checked although $s3_count run(s) were stored on S3"
fi
if [ -s "$work/awk-errors" ]; then
  fail "awk stopped with an error $(grep -c . "$work/awk-errors") time(s), so the check(s) it ran did not run (its messages are on standard error; the first: $(head -n 1 "$work/awk-errors")): run verify.sh with another awk, or use evidence-locker verify"
fi
echo "package id (SHA-256 of manifest.json): $(sha256sum < manifest.json | cut -d' ' -f1)"
if [ "$failures" -gt 0 ]; then
  echo "RESULT: INVALID ($failures failure(s))"
  exit 1
fi
echo "signed by: package manifest $pkg_fp; runs$run_fps"
echo "RESULT: VALID$wt_note: every file, signature and chain link checks out against the pinned key(s)"
if [ -n "$wt_note" ]; then
  echo "  WRITE TIMES NOT CHECKED: $s3_count run(s) ($(printf '%s\n' $s3_runs | head -n 3 | tr '\n' ' ')...) say in their signed manifests that they were"
  echo "  stored on S3, whose server records when it wrote each object, but manifest.json, signed by the package key alone, records"
  echo "  no comparison of those write times: the package was built from a copy of the store, or that record and the runs it named"
  echo "  back-dated were taken out. A run sealed long after the day it claims is then credited with that day. Run"
  echo "  evidence-locker verify --store against the bucket with the same key pinned, or ask for a package built from the bucket."
fi
echo "  (in this folder as it was unzipped, not in the zip file: read the package from this folder; a zip holding entries its"
echo "  central directory does not list, which another extractor would write, is refused only by evidence-locker verify <zip>)"
exit 0
}

# What reaches the screen: control characters dropped (all but line break and tab); C1 controls, bidirectional and
# zero-width characters (their UTF-8 bytes, written here by printf) shown by code point, as [U+202E], so no name can
# move the cursor or turn a line around. sed, not awk: the awk guard counts the checks' own programs.
screen_sed=''
for c in 200 201 202 203 204 205 206 207 210 211 212 213 214 215 216 217 220 221 222 223 224 225 226 227 230 231 232 233 234 235 236 237; do
  screen_sed="$screen_sed s/$(printf "\\302\\$c")/$(printf '[U+%04X]' $((0$c)))/g;"
done
screen_sed="$screen_sed s/$(printf '\330\234')/[U+061C]/g;"
for c in 213 214 215 216 217 250 251 252 253 254 255 256; do
  screen_sed="$screen_sed s/$(printf "\\342\\200\\$c")/$(printf '[U+%04X]' $((8192 + 0$c - 128)))/g;"
done
for c in 240 241 242 243 244 245 246 247 250 251; do
  screen_sed="$screen_sed s/$(printf "\\342\\201\\$c")/$(printf '[U+%04X]' $((8256 + 0$c - 128)))/g;"
done
screen_sed="$screen_sed s/$(printf '\357\273\277')/[U+FEFF]/g"
screen_safe() { LC_ALL=C tr -d '\001-\010\013-\037\177' | LC_ALL=C sed "$screen_sed"; }
# main runs in a subshell (its exit ends only that); its status is kept, standard output and standard error apart.
status_file=$(mktemp) || exit 2
{ { ( main "$@" ); echo "$?" > "$status_file"; } 2>&1 1>&3 | screen_safe >&2; } 3>&1 | screen_safe
status=$(cat "$status_file")
rm -f "$status_file"
case "$status" in [0-9]*) exit "$status" ;; *) exit 2 ;; esac
`;

/** SHA-256 of `verify.sh`: the same in every package this tool version builds. */
export const VERIFY_SCRIPT_SHA256 = sha256Hex(Buffer.from(VERIFY_SCRIPT, 'utf8'));
