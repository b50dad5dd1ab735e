#!/bin/sh
# deps.sh: the Debian packages retrysim needs, checked or installed.
#   deps.sh check    print the missing packages (nothing if all present)
#   deps.sh ensure   all present: print nothing. Missing and root: install
#                    them (apt-get output on stderr). Missing otherwise: print
#                    one line with the exact command to run, exit 1.
#   deps.sh install  apt-get install everything (root, or through sudo)
#   deps.sh install-mpi  apt-get install OpenMPI, for make MPI=1 (optional)
#   deps.sh install-browser  apt-get install Chromium, for the report page's test (optional)
PKGS="build-essential pkg-config libgsl-dev libsqlite3-dev sqlite3 libinih-dev libcmocka-dev libjansson-dev libyaml-dev gnuplot-nox"
MPI_PKGS="libopenmpi-dev openmpi-bin"

missing() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        # Not Debian: trust pkg-config and the tools on PATH instead.
        pkg-config --exists gsl sqlite3 inih cmocka jansson yaml-0.1 2>/dev/null ||
            echo "libgsl-dev libsqlite3-dev libinih-dev libcmocka-dev libjansson-dev libyaml-dev"
        command -v gnuplot >/dev/null 2>&1 || echo "gnuplot-nox"
        command -v sqlite3 >/dev/null 2>&1 || echo "sqlite3"
        return
    fi
    for p in $PKGS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || printf '%s ' "$p"
    done
}

install() {
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    # Another apt or dpkg may hold the lock (unattended upgrades): wait for
    # it, up to 10 minutes, rather than fail with a misleading message.
    lock="-o DPkg::Lock::Timeout=600"
    $SUDO apt-get $lock update -qq >&2 && $SUDO apt-get $lock install -y -qq --no-install-recommends "$@" >&2
}

case "${1:-check}" in
check)
    missing ;;
ensure)
    m=$(missing | xargs)
    [ -z "$m" ] && exit 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "retrysim: installing missing Debian packages: $m" >&2
        install $m && [ -z "$(missing | xargs)" ] && exit 0
        echo "retrysim: installing $m failed (apt-get's message is above)"
        exit 1
    fi
    echo "retrysim needs Debian packages that are missing; run: sudo apt-get install -y $m (or: make deps)"
    exit 1 ;;
install)
    install $PKGS ;;
install-mpi)
    command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1 || install $MPI_PKGS ;;
install-browser)
    command -v chromium >/dev/null 2>&1 || install chromium ;;
*)
    echo "usage: $0 check|ensure|install|install-mpi|install-browser" >&2; exit 2 ;;
esac
