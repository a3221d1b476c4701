# shellcheck shell=bash
# conformance/lib.sh — shared pins and helpers for the conformance scripts and bench/*.sh. Source it from the repo root (the scripts cd there first). Not executable on its own.
#
# Pinned versions (update deliberately, together with the sha256 sums):
#   auditwheel: the latest release on PyPI when pinned (`pip index versions auditwheel`).
#   Big wheels: each is the latest release's cp312 (or abi3) manylinux x86_64 wheel that pip
#   picks for a manylinux_2_28 x86_64 host, except torch:
#   torch: PyPI has no "+cpu" builds, and every x86_64 torch wheel on PyPI is a CUDA build
#   (~900 MB, libtorch_cuda.so, nvidia-* requirements). On aarch64, PyPI's torch wheels were
#   CPU-only up to and including 2.10.0: all their nvidia-*/triton requirements are gated on
#   platform_machine == "x86_64", and the wheel has libtorch_cpu.so and no libtorch_cuda.so.
#   From 2.11.0 on, the aarch64 wheels require cuda-toolkit on Linux. So torch 2.10.0
#   manylinux_2_28_aarch64 (146 MB, 558 MB unpacked, 1019 ELF files) is the newest real CPU-only
#   manylinux torch wheel on PyPI. Both tools analyse it statically, so an x86_64 host works; but
#   host library lookups then find nothing of the right architecture (auditwheel's answer is
#   host-dependent).
#   delvewheel: the latest release on PyPI when pinned; pefile is its only dependency.
#   Windows wheels (WIN_WHEELS, for conformance/delvewheel.sh): the same releases as the Linux
#   pins (pyzmq: its latest), the cp312 (or abi3) wheel pip picks for --platform win_amd64, plus
#   win32 and win_arm64 where they are small (< 11 MB). cryptography has no win32/win_arm64 wheel;
#   scipy's win_arm64 wheel (25 MB) is left out. numpy and scipy are delvewheel-repaired (they have
#   .dist-info/DELVEWHEEL and a <dist>.libs/ directory); the others vendor nothing.
#   Bench-only wheels (EXTRA_WHEELS, for bench/bench.sh):
#   torch-win_amd64: PyPI's Windows torch wheels are CPU builds (the CUDA requirements in its
#   METADATA are gated on platform_system == "Linux"): torch 2.15.0 win_amd64, 127 MB, 484 MB
#   unpacked, 11 PE files (torch_cpu.dll alone is 310 MB), 13,110 members.
#   scipy-macosx_arm64: scipy 1.17.1 has two arm64 wheels: macosx_14_0_arm64 (Accelerate, 20 MB)
#   and macosx_12_0_arm64 (28 MB, 94 MB unpacked, 113 Mach-O files, OpenBLAS + gfortran runtime
#   in scipy/.dylibs/ with @loader_path install names). The pin is the macosx_12_0 one: more to
#   resolve, and it is what pip installs on macOS 12 and 13.

AUDITWHEEL_VERSION=6.8.2
# auditwheel's own dependencies, pinned too (the versions pip resolved when AUDITWHEEL_VERSION was pinned)
AUDITWHEEL_DEPS=(pyelftools==0.33 packaging==26.3)

# name | requirement | pip --platform flags | expected file name | sha256
BIG_WHEELS=(
  "numpy|numpy==2.4.6|--platform manylinux_2_28_x86_64|numpy-2.4.6-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl|90f9849678c75fe7afa2d348ac842c168b0a4d3d61919687216dfc547976d853"
  "scipy|scipy==1.17.1|--platform manylinux_2_28_x86_64|scipy-1.17.1-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl|02ae3b274fde71c5e92ac4d54bc06c42d80e399fec704383dcd99b301df37458"
  "pillow|pillow==13.0.0|--platform manylinux_2_28_x86_64|pillow-13.0.0-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl|42d63be3af4f9b951b199b0a9d23365d37ab14687e6d77b74940432c8515c4ca"
  "cryptography|cryptography==50.0.2|--platform manylinux_2_28_x86_64|cryptography-50.0.2-cp311-abi3-manylinux_2_28_x86_64.whl|4061c0079120205fb760c58acab6443e217307dcf05e3702cf970e0689972856"
  "lxml|lxml==6.1.3|--platform manylinux_2_28_x86_64|lxml-6.1.3-cp312-cp312-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl|909f4e927bb051f7740d6367285fc60cdcfdaf0258c2dba4ff5ba7eadadc250c"
  "psycopg2-binary|psycopg2-binary==2.9.13|--platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64|psycopg2_binary-2.9.13-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl|e3861eba31f8ea8663fd876166b032fd89179e42aa63764d6feb281f13f9eb60"
  "torch|torch==2.10.0|--platform manylinux_2_28_aarch64|torch-2.10.0-cp312-cp312-manylinux_2_28_aarch64.whl|5fd4117d89ffd47e3dcc71e71a22efac24828ad781c7e46aaaf56bf7f2796acf"
)

# Windows wheels for conformance/delvewheel.sh (same format as BIG_WHEELS)
WIN_WHEELS=(
  "numpy-win_amd64|numpy==2.4.6|--platform win_amd64|numpy-2.4.6-cp312-cp312-win_amd64.whl|d8e8286dd7cea7895157318d1b91cdacac64c479f3cbc8dce548331728484751"
  "scipy-win_amd64|scipy==1.17.1|--platform win_amd64|scipy-1.17.1-cp312-cp312-win_amd64.whl|41b71f4a3a4cab9d366cd9065b288efc4d4f3c0b37a91a8e0947fb5bd7f31d87"
  "pillow-win_amd64|pillow==13.0.0|--platform win_amd64|pillow-13.0.0-cp312-cp312-win_amd64.whl|ff3fe9eb621fbb9db4c4be33ab946f6bac5f98ab50ca8d3260503653656c961b"
  "lxml-win_amd64|lxml==6.1.3|--platform win_amd64|lxml-6.1.3-cp312-cp312-win_amd64.whl|3e9a00d1c2c30936f7add097c41afc5da6556c580909104aafd382cac92a855c"
  "cryptography-win_amd64|cryptography==50.0.2|--platform win_amd64|cryptography-50.0.2-cp311-abi3-win_amd64.whl|7afa5a6602a9f29af1f3a2965f831bae7c9d5d597b7cbb716d41ab3b7d89879c"
  "pyzmq-win_amd64|pyzmq==27.3.0|--platform win_amd64|pyzmq-27.3.0-cp312-abi3-win_amd64.whl|3ea8e8fa5c097e68fef91d70b150fda96f307758103868018fc4deeb9c214122"
  "numpy-win32|numpy==2.4.6|--platform win32|numpy-2.4.6-cp312-cp312-win32.whl|e3eeb0aabd6bd5ce64faae67e9935203a6991b4bc2a485a767fbafb2c5125f45"
  "pillow-win32|pillow==13.0.0|--platform win32|pillow-13.0.0-cp312-cp312-win32.whl|02464da86f561f410e13b061ec37c3068a9cb557a095494157742d07b3c24a27"
  "lxml-win32|lxml==6.1.3|--platform win32|lxml-6.1.3-cp312-cp312-win32.whl|b3ff39654f0ce6ebd4db154211136dbe7e8157bcc3bed2344c87f32c7c6ecb6c"
  "pyzmq-win32|pyzmq==27.3.0|--platform win32|pyzmq-27.3.0-cp312-abi3-win32.whl|07dd778d7cf242a1e131bfad6244f64df59441dda7ea639d037d0fdb22112b6c"
  "numpy-win_arm64|numpy==2.4.6|--platform win_arm64|numpy-2.4.6-cp312-cp312-win_arm64.whl|4081eb135ac24158bd51cdfbef16f1c64df7063b1143f24731387137c092bec8"
  "pillow-win_arm64|pillow==13.0.0|--platform win_arm64|pillow-13.0.0-cp312-cp312-win_arm64.whl|c3bc8ee0271387e0b1e3ad0ff893645990a656e79bf9c42f4f734a3642b11d51"
  "lxml-win_arm64|lxml==6.1.3|--platform win_arm64|lxml-6.1.3-cp312-cp312-win_arm64.whl|1aeca87830c4fe649dcf93fe2b059525b71c72587f21be4ae4af7103082a79fa"
  "pyzmq-win_arm64|pyzmq==27.3.0|--platform win_arm64|pyzmq-27.3.0-cp312-abi3-win_arm64.whl|2187a5ca80691a5edb30690f02d9fb714e2c32d3dfdeb652e159ff5da2dd4283"
)

# Bench-only wheels for bench/bench.sh (same format)
EXTRA_WHEELS=(
  "torch-win_amd64|torch==2.15.0|--platform win_amd64|torch-2.15.0-cp312-cp312-win_amd64.whl|f2bd0a3709a7493a6ef2ac5a654111242a854439f7558f910b6b653b56f7504d"
  "scipy-macosx_arm64|scipy==1.17.1|--platform macosx_12_0_arm64|scipy-1.17.1-cp312-cp312-macosx_12_0_arm64.whl|fcb310ddb270a06114bb64bbe53c94926b943f5b7f0842194d585c65eb4edd76"
)

DELVEWHEEL_VERSION=1.13.2
DELVEWHEEL_DEPS=(pefile==2024.8.26)

# pyproject-external (conformance/pyproject_external*.sh): the latest release on PyPI when pinned;
# packageurl-python and packaging, which do its parsing, are the versions pip resolved for it then.
PYEXT_VERSION=0.1.17
PYEXT_DEPS=(packageurl-python==0.17.6 packaging==26.3)

CONF_VENV=conformance/.venv
DW_VENV=conformance/.venv-delvewheel
CONF_CACHE=conformance/.cache
PYEXT_VENV=$CONF_CACHE/venv-pyproject-external
CONF_WHEELS=$CONF_CACHE/wheels
# The python whose pip downloads the pinned wheels (big_wheel). A script that has no auditwheel venv
# sets it to another venv's python (conformance/delvewheel.sh uses its delvewheel venv).
WHEEL_PIP_PYTHON=${WHEEL_PIP_PYTHON:-$CONF_VENV/bin/python}
# Seconds per tool run (run_timed, run_libvet).
CONF_TIMEOUT=${CONFORMANCE_TIMEOUT:-1800}

# delvewheel's run compared with libvet (conformance/delvewheel.sh says why these flags), in
# conformance/delvewheel.sh and bench/bench.sh. DW_SHOW is `delvewheel show` with the pinned
# delvewheel and PATH set to an empty directory (made by ensure_delvewheel): delvewheel searches only
# the wheel and PATH, so every DLL it would copy is "Not Found" and its answer does not depend on
# this host. A command array rather than a function, so that timeout and /usr/bin/time can run it.
# shellcheck disable=SC2034  # DW_COMPARE_FLAGS and DW_SHOW are for the scripts that source this file
DW_COMPARE_FLAGS=(--ignore-existing --analyze-existing --analyze-existing-exes)
DW_EMPTY_PATH=$PWD/$CONF_CACHE/empty-path
# shellcheck disable=SC2034
DW_SHOW=(env PATH="$DW_EMPTY_PATH" "$DW_VENV/bin/python" -m delvewheel show)

log() { printf '==> %s\n' "$*" >&2; }
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
# now: a timestamp for elapsed START END (seconds, 3 decimals), which times the reference tools.
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }

# ensure_venv VENV REQUIREMENT...: create VENV if needed and install the pinned requirements
# (each NAME==VERSION) unless exactly those versions are installed there.
ensure_venv() {
  local venv=$1
  shift
  command -v python3 >/dev/null || { echo "python3 not found" >&2; return 1; }
  if [[ ! -x $venv/bin/python ]]; then
    log "creating $venv"
    python3 -m venv "$venv"
  fi
  local names have
  names=$(printf '"%s",' "${@%%==*}")
  have=$("$venv/bin/python" -c "import importlib.metadata as m
print(' '.join(f'{n}=={m.version(n)}' for n in ($names)))" 2>/dev/null || true)
  if [[ "$have" != "$*" ]]; then
    log "installing $* into $venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@"
  fi
}

# ensure_auditwheel: conformance/.venv with the pinned auditwheel.
ensure_auditwheel() { ensure_venv "$CONF_VENV" "auditwheel==$AUDITWHEEL_VERSION" "${AUDITWHEEL_DEPS[@]}"; }

# ensure_delvewheel: conformance/.venv-delvewheel with the pinned delvewheel. A venv of its own:
# delvewheel and auditwheel pin nothing in common, and either can be upgraded without touching the
# other's results.
ensure_delvewheel() {
  ensure_venv "$DW_VENV" "delvewheel==$DELVEWHEEL_VERSION" "${DELVEWHEEL_DEPS[@]}"
  mkdir -p "$DW_EMPTY_PATH"
}

# ensure_pyproject_external: the venv of conformance/pyproject_external.sh and
# conformance/pyproject_external_map.sh, with the pinned pyproject-external.
ensure_pyproject_external() { ensure_venv "$PYEXT_VENV" "pyproject-external==$PYEXT_VERSION" "${PYEXT_DEPS[@]}"; }

# delvewheel_input WHEEL: print the path of the wheel to give `delvewheel show`. delvewheel refuses
# to analyse a wheel it has already repaired (.dist-info/DELVEWHEEL present: it prints "delvewheel X
# has already repaired this wheel" and stops), so for such a wheel this writes (once) a copy without
# that one member into conformance/.cache/delvewheel-input/<sha256>/, same file name (delvewheel
# reads the tags from it); every other member is unchanged. Other wheels are used as they are.
delvewheel_input() {
  local wheel=$1 sum dir
  if ! python3 -c 'import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
sys.exit(0 if any(n.count("/") == 1 and n.split("/")[0].endswith(".dist-info") and n.endswith("/DELVEWHEEL") for n in names) else 1)' "$wheel"; then
    printf '%s\n' "$wheel"
    return 0
  fi
  sum=$(sha256_of "$wheel")
  dir=$CONF_CACHE/delvewheel-input/$sum
  if [[ ! -f $dir/$(basename "$wheel") ]]; then
    mkdir -p "$dir"
    python3 - "$wheel" "$dir/$(basename "$wheel")" <<'PY'
import shutil, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst + ".tmp", "w") as zout:
    for info in zin.infolist():
        n = info.filename
        if n.count("/") == 1 and n.split("/")[0].endswith(".dist-info") and n.endswith("/DELVEWHEEL"):
            continue
        with zin.open(info) as f, zout.open(info, "w") as g:
            shutil.copyfileobj(f, g, 1 << 20)
shutil.move(dst + ".tmp", dst)
PY
  fi
  printf '%s\n' "$dir/$(basename "$wheel")"
}

# big_wheel NAME: download (once) the pinned wheel NAME (from BIG_WHEELS, WIN_WHEELS or EXTRA_WHEELS)
# into conformance/.cache/wheels, check its sha256, and print its path.
big_wheel() {
  local spec name req plats file want got
  for spec in "${BIG_WHEELS[@]}" "${WIN_WHEELS[@]}" "${EXTRA_WHEELS[@]}"; do
    IFS='|' read -r name req plats file want <<<"$spec"
    [[ $name == "$1" ]] || continue
    mkdir -p "$CONF_WHEELS"
    if [[ ! -f $CONF_WHEELS/$file ]]; then
      log "downloading $req ($file)"
      # shellcheck disable=SC2086  # $plats is a list of flags
      "$WHEEL_PIP_PYTHON" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
        $plats --python-version 3.12 --implementation cp -d "$CONF_WHEELS" "$req" >&2
      [[ -f $CONF_WHEELS/$file ]] || { echo "pip did not produce $file for $req" >&2; return 1; }
    fi
    got=$(sha256_of "$CONF_WHEELS/$file")
    [[ $got == "$want" ]] || { echo "$file has sha256 $got, pinned $want" >&2; return 1; }
    printf '%s\n' "$CONF_WHEELS/$file"
    return 0
  done
  echo "unknown big wheel: $1" >&2
  return 1
}

# build_libvet OUT: builds ./cmd/libvet into OUT (run from the repo root), with go build's output in
# OUT-build.log; returns go build's status.
build_libvet() {
  log "go build -o $1 ./cmd/libvet"
  rm -f "$1"
  go build -o "$1" ./cmd/libvet >"$1-build.log" 2>&1
}

# wheel_platform FILE: the platform family of a wheel, from the platform tag of its file name (the
# last "-" field; for a compressed tag set, its first tag): linux (manylinux*, musllinux*, linux_*),
# android (android_*), windows (win32, win_amd64, win_arm64), macos (macosx_*), or other (e.g.
# "any", or a name without "-"). Which wheels each script runs on, and bench/bench.sh's reference
# tool, follow from it.
wheel_platform() {
  local base=${1##*/} plat
  [[ $base == *-* ]] || { echo other; return 0; }
  plat=${base%.whl}
  plat=${plat##*-}
  plat=${plat%%.*}
  case $plat in
    manylinux*|musllinux*|linux_*) echo linux ;;
    android_*) echo android ;;
    win32|win_amd64|win_arm64) echo windows ;;
    macosx_*) echo macos ;;
    *) echo other ;;
  esac
}

big_wheel_names() { local s; for s in "${BIG_WHEELS[@]}"; do printf '%s\n' "${s%%|*}"; done; }
win_wheel_names() { local s; for s in "${WIN_WHEELS[@]}"; do printf '%s\n' "${s%%|*}"; done; }

# prepare_libvet TOOL: unless LIBVET names a binary already (--libvet), builds libvet into
# $CACHE/libvet (when BUILD=1) and sets LIBVET; sets LIBVET_STATUS to ok, build-failed or
# missing. A failed build is reported, not fatal: TOOL's half of the comparison still runs.
prepare_libvet() {
  LIBVET_STATUS=ok
  if [[ -z $LIBVET ]]; then
    LIBVET=$CACHE/libvet
    if [[ $BUILD == 1 ]] && ! build_libvet "$LIBVET"; then
      LIBVET_STATUS="build-failed"
      log "libvet build FAILED (see $LIBVET-build.log); running the $1 half only"
      sed 's/^/    /' "$LIBVET-build.log" | head -20 >&2
    fi
  fi
  if [[ $LIBVET_STATUS == ok && ! -x $LIBVET ]]; then LIBVET_STATUS="missing"; fi
}

# timed OUT ERR CMD...: runs CMD with stdin /dev/null, its stdout in OUT and stderr in ERR, under
# `timeout $CONF_TIMEOUT`; a failing CMD is recorded, not fatal. Sets TIMED_RC (exit status) and
# TIMED_SECONDS (wall seconds, 3 decimals).
timed() {
  local out=$1 err=$2 t0 t1; shift 2
  t0=$(now)
  TIMED_RC=0
  timeout "$CONF_TIMEOUT" "$@" </dev/null >"$out" 2>"$err" || TIMED_RC=$?
  t1=$(now)
  TIMED_SECONDS=$(elapsed "$t0" "$t1")
}

# run_timed DIR CMD...: runs CMD as timed does and writes its stdout, stderr, exit status and wall
# seconds into DIR/{stdout,stderr,rc,seconds} (the cached reference-tool runs).
run_timed() {
  local dir=$1; shift
  mkdir -p "$dir"
  timed "$dir/stdout" "$dir/stderr" "$@"
  echo "$TIMED_RC" >"$dir/rc"; echo "$TIMED_SECONDS" >"$dir/seconds"
}

# run_libvet OUT KEY WHEEL: when LIBVET_STATUS (prepare_libvet) is ok, runs `libvet show --format
# json WHEEL` as timed does, into OUT/KEY.libvet.json and OUT/KEY.libvet.err (what compare.py and
# compare_delvewheel.py read); sets LV_RC and LV_SECONDS, both empty when libvet did not run.
run_libvet() {
  LV_RC="" LV_SECONDS=""
  [[ $LIBVET_STATUS == ok ]] || return 0
  timed "$1/$2.libvet.json" "$1/$2.libvet.err" "$LIBVET" show --format json "$3"
  # shellcheck disable=SC2034  # for the caller
  LV_RC=$TIMED_RC LV_SECONDS=$TIMED_SECONDS
}

# libvet_version: the first line of `$LIBVET --version` when LIBVET_STATUS is ok, else nothing.
libvet_version() {
  [[ $LIBVET_STATUS == ok ]] || return 0
  "$LIBVET" --version </dev/null 2>/dev/null | head -1 || true
}
