#!/usr/bin/env bash
# Installs the Debian 12 packages conflux needs that are missing, and only those.
#   scripts/install-deps.sh [run]   to build conflux, run scenarios and draw figures
#                                   (make demo, make build)
#   scripts/install-deps.sh test    the same and what the tests need: cmocka, clang and its
#                                   fuzzing runtime, valgrind, Open MPI, Slurm and munge,
#                                   udunits and SciPy (the CF and netCDF-3 checks),
#                                   nbconvert and ipykernel (the example notebook)
#                                   (make check)
# Run as root, or as a user with sudo.
set -euo pipefail
profile=${1:-run}
pkgs=(build-essential cmake pkg-config libgsl-dev libhdf5-dev hdf5-tools libyaml-dev
      libjansson-dev zlib1g-dev netcdf-bin python3 python3-numpy python3-h5py python3-xarray
      python3-h5netcdf python3-matplotlib)
case "$profile" in
  run) ;;
  test) pkgs+=(libcmocka-dev udunits-bin clang libclang-rt-14-dev libomp-14-dev valgrind
               openmpi-bin libopenmpi-dev slurm-wlm slurmctld slurmd munge python3-scipy
               chromium python3-pil  # tests/cli/report.sh
               jupyter-nbconvert python3-ipykernel) ;;  # tests/cli/notebook.sh
  *) echo "usage: scripts/install-deps.sh [run|test]" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing missing Debian packages: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
