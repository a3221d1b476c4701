# shellcheck shell=bash
# conformance/lib.sh — shared pins and helpers for conformance/auditwheel.sh and bench/bench.sh.
# Source it from the repo root (both scripts cd there first). Not executable on its own.
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

CONF_VENV=conformance/.venv
CONF_CACHE=conformance/.cache
CONF_WHEELS=$CONF_CACHE/wheels

log() { printf '==> %s\n' "$*" >&2; }
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# ensure_auditwheel: create conformance/.venv if needed and install the pinned auditwheel.
ensure_auditwheel() {
  command -v python3 >/dev/null || { echo "python3 not found" >&2; return 1; }
  if [[ ! -x $CONF_VENV/bin/python ]]; then
    log "creating $CONF_VENV"
    python3 -m venv "$CONF_VENV"
  fi
  local have
  local want have
  want="auditwheel==$AUDITWHEEL_VERSION ${AUDITWHEEL_DEPS[*]}"
  have=$("$CONF_VENV/bin/python" -c 'import importlib.metadata as m
print(" ".join(f"{n}=={m.version(n)}" for n in ("auditwheel", "pyelftools", "packaging")))' 2>/dev/null || true)
  if [[ "$have" != "$want" ]]; then
    log "installing $want into $CONF_VENV"
    # shellcheck disable=SC2086  # $want is a list of requirements
    "$CONF_VENV/bin/python" -m pip install -q --disable-pip-version-check $want
  fi
}

# big_wheel NAME: download (once) the pinned wheel NAME into conformance/.cache/wheels, check its
# sha256, and print its path.
big_wheel() {
  local spec name req plats file want got
  for spec in "${BIG_WHEELS[@]}"; do
    IFS='|' read -r name req plats file want <<<"$spec"
    [[ $name == "$1" ]] || continue
    mkdir -p "$CONF_WHEELS"
    if [[ ! -f $CONF_WHEELS/$file ]]; then
      log "downloading $req ($file)"
      # shellcheck disable=SC2086  # $plats is a list of flags
      "$CONF_VENV/bin/python" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
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

big_wheel_names() { local s; for s in "${BIG_WHEELS[@]}"; do printf '%s\n' "${s%%|*}"; done; }
