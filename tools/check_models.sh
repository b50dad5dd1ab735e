#!/bin/sh
# check_models.sh: the models layer's structure rules (make test runs it).
#   1. No include cycle among the files of models/ (headers included through
#      a chain that comes back to where it started).
#   2. The core (client, server, arrivals, run, the registry, metrics and
#      the headers they share) includes no optional model's header and names
#      no model: models plug in through models/models.def alone.
# Prints what breaks a rule and exits 1; silent and 0 when all hold.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# edges "from to" between files of models/
for f in models/*.c models/*.h; do
    for h in $(sed -n 's/^#include "\([a-z_]*\.h\)".*/\1/p' "$f"); do
        [ -f "models/$h" ] && echo "$f models/$h"
    done
done > "$tmp/edges"

status=0
# 1. cycles: a depth-first walk from every file (awk, no recursion limit issue at this size)
awk '
{ out[$1] = out[$1] " " $2; node[$1] = 1; node[$2] = 1 }
function walk(n, path,    k, m, parts, i) {
    if (n in onpath) { cyc = cyc path "\n"; return }
    if (n in done) return
    onpath[n] = 1
    split(out[n], parts, " ")
    for (i in parts) if (parts[i] != "") walk(parts[i], path " -> " parts[i])
    delete onpath[n]
    done[n] = 1
}
END { for (n in node) walk(n, n); if (cyc != "") { printf "include cycle:\n%s", cyc; exit 1 } }
' "$tmp/edges" || status=1

# 2. the core's headers: world.h and everything it includes, with dist.h
core_h="models/world.h models/dist.h"
while :; do
    more=$(for h in $core_h; do awk -v f="$h" '$1 == f { print $2 }' "$tmp/edges"; done | sort -u)
    next=$(printf '%s\n' $core_h $more | sort -u | xargs)
    [ "$next" = "$core_h" ] && break
    core_h=$next
done
core_c="models/client.c models/server.c models/arrivals.c models/run.c models/registry.c models/metrics.c"
models=$(sed -n 's/^MODEL(\([a-z_]*\))$/\1/p' models/models.def | xargs)
for f in $core_c $core_h; do
    for h in $(awk -v f="$f" '$1 == f { print $2 }' "$tmp/edges"); do
        case " $core_h " in
        *" $h "*) ;;
        *) echo "$f includes $h, the header of an optional model"; status=1 ;;
        esac
    done
    [ "$f" = models/registry.c ] && continue
    for m in $models; do
        if grep -q "model_$m\b" "$f"; then
            echo "$f names the model $m (model_$m): the core must not"
            status=1
        fi
    done
done
exit $status
