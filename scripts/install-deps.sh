#!/usr/bin/env bash
# Installs from Debian (12, bookworm) every package Captioner needs to build, test and
# run, skipping what is already installed. Safe to rerun. Uses sudo when not root.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ccache pkg-config re2c python3 python3-venv
  # libraries
  libtorch-dev libopenblas0-openmp libopencv-dev libsentencepiece-dev sentencepiece
  # gloo's headers, for c10d's ProcessGroupGloo (data-parallel training; the code is in libtorch_cpu)
  libgloo-dev
  libboost-program-options-dev nlohmann-json3-dev libssl-dev libstemmer-dev wordnet-base
  # the decoding step's LSTM cell calls the Sleef functions LibTorch's AVX2 kernels call (decoder/lstm_cell.h)
  libsleef-dev
  # METEOR: zlib reads its paraphrase table, unzip gets its data out of the jar (scripts/get-meteor-data.sh)
  zlib1g-dev unzip
  # tests and benchmarks; headless Chromium renders the report page (tests/train/report_test.cc)
  libgtest-dev libbenchmark-dev chromium
  # libjpeg writes the CMYK test JPEGs; Debian's Python with PIL and NumPy runs bench/image_store_vs_pil.py
  libjpeg-dev python3-pil python3-numpy
  # the same captioning model in Python PyTorch, for bench/model_vs_pytorch.py
  python3-torch
  # Java runs the reference tools (pycocoevalcap's tokenizer and METEOR) in the parity suite
  default-jre-headless
  # clang with libFuzzer and its OpenMP for the fuzz targets (scripts/fuzz.sh)
  clang libclang-rt-14-dev libomp-dev
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
