#!/usr/bin/env bash
# Makes the dependency bundle that tools/gpu_check.sh needs on a bare GPU machine: one that has a
# compiler, CMake, ninja and a Python torch (its LibTorch), but none of the trainer's other
# dependencies and no way to download them. The bundle is a folder of at most 64 MiB carried with
# the source tree (default: .gpu_bundle/ in the repository root, which git ignores):
#
#   usr/             a prefix with headers, CMake configs, pkg-config files and libraries of
#                    nlohmann-json, CLI11, spdlog + fmt, GoogleTest/GoogleMock (static),
#                    Google Benchmark, giflib (static), the Boost headers that a trainer-only build
#                    includes (Beast's base64, Asio for `foresight sim`), and OpenCV 4.6 (core,
#                    imgproc, imgcodecs; shared, RUNPATH $ORIGIN, with libpng/libjpeg beside it)
#   env.sh           source it: CMAKE_PREFIX_PATH, CMAKE_LIBRARY_PATH, PKG_CONFIG_PATH and
#                    LD_LIBRARY_PATH, relative to wherever the folder lies
#   MANIFEST         packages and versions, sizes, what the libraries still need from the system
#   CACHE_KEY        a re-run with the same key (script, package versions, OpenCV source, compiler,
#                    the project's Boost includes) does nothing
#
# Everything comes from Debian 12 (bookworm) through apt: binary packages with `apt-get download`
# (never installed; unpacked with dpkg-deb -x), OpenCV from Debian's source tarball, built here.
# Run it on a Debian 12 x86-64 machine with g++, cmake and ninja; root is not needed.
#
#   tools/make_gpu_bundle.sh [--work DIR] [--jobs N] [--force] [DIR]
#
#   DIR        where the bundle goes (default: <repo>/.gpu_bundle)
#   --work     cache of downloads, unpacked packages and the OpenCV build
#              (default: ~/.cache/foresight/gpu-bundle-work); the OpenCV build (~8 min on two
#              cores) is reused while its configuration is unchanged
#   --jobs     parallel jobs for the OpenCV build (default: nproc)
#   --force    rebuild the bundle even when its CACHE_KEY is current
#
# Then, on the GPU machine: tools/gpu_check.sh (it sources .gpu_bundle/env.sh). The libraries are
# built with the C++11 ABI of libstdc++ (_GLIBCXX_USE_CXX11_ABI=1), as are PyTorch's wheels since
# 2.7, and need glibc/libstdc++ at least as new as Debian 12's (MANIFEST lists the versions).
# The script ends with a self-check: size <= 64 MiB, and a CMake probe that finds every
# dependency in the bundle alone (environment cleared, env.sh sourced), builds, links and runs.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCRIPT=$ROOT/tools/make_gpu_bundle.sh
WORK=$HOME/.cache/foresight/gpu-bundle-work
JOBS=$(nproc)
FORCE=0
BUNDLE=
while [ $# -gt 0 ]; do
  case $1 in
    --work) WORK=$(realpath -m "$2"); shift ;;
    --jobs) JOBS=$2; shift ;;
    --force) FORCE=1 ;;
    -h | --help) sed -n '2,34p' "$0"; exit 0 ;;
    -*) echo "make_gpu_bundle: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) BUNDLE=$(realpath -m "$1") ;;
  esac
  shift
done
BUNDLE=${BUNDLE:-$ROOT/.gpu_bundle}
LIMIT_BYTES=$((64 * 1024 * 1024))
ARCH=x86_64-linux-gnu
T0=$SECONDS
log() { printf '[make_gpu_bundle %4ds] %s\n' $((SECONDS - T0)) "$*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in apt-get apt-cache dpkg-deb cmake ninja g++ sha256sum; do
  command -v "$tool" > /dev/null || die "$tool is missing (a Debian 12 machine with g++, cmake, ninja)"
done
grep -q '^VERSION_CODENAME=bookworm' /etc/os-release ||
  log "warning: this is not Debian 12 (bookworm); the packages come from whatever apt offers"
[ "$(dpkg --print-architecture)" = amd64 ] || die "the GPU machine is x86-64: run this on amd64"

# --- What goes in ---------------------------------------------------------------------------
# Headers, CMake configs and libraries the trainer, its tests and bench_training use.
BUNDLE_PKGS=(nlohmann-json3-dev libcli11-dev libspdlog-dev libspdlog1.10 libfmt-dev libfmt9
  libgtest-dev libgmock-dev libbenchmark-dev libbenchmark1debian libgif-dev libboost1.81-dev
  libpng16-16 libjpeg62-turbo)
# Only to build OpenCV's imgcodecs here (headers and link-time libraries); not in the bundle.
BUILD_PKGS=(libpng-dev libjpeg62-turbo-dev zlib1g-dev zlib1g)
BOOST_VERSION=1.81.0
# The OpenCV configuration: the three modules the trainer uses, nothing optional, PNG and JPEG
# through Debian's libpng/libjpeg-turbo (the dfsg source has no bundled copies). CPU_DISPATCH
# AVX2 only keeps the libraries small; the baseline stays at SSE3 like Debian's own build.
# shellcheck disable=SC2054,SC2016  # commas inside values; $ORIGIN is for the loader
OPENCV_FLAGS=(
  -DCMAKE_BUILD_TYPE=Release -DBUILD_LIST=core,imgproc,imgcodecs -DBUILD_SHARED_LIBS=ON
  '-DCMAKE_INSTALL_RPATH=$ORIGIN' -DCPU_BASELINE=SSE3 -DCPU_DISPATCH=AVX2
  -DBUILD_TESTS=OFF -DBUILD_PERF_TESTS=OFF -DBUILD_EXAMPLES=OFF -DBUILD_DOCS=OFF -DBUILD_JAVA=OFF
  -DBUILD_opencv_apps=OFF -DBUILD_opencv_python2=OFF -DBUILD_opencv_python3=OFF
  -DBUILD_ZLIB=OFF -DBUILD_PNG=OFF -DBUILD_JPEG=OFF -DWITH_PNG=ON -DWITH_JPEG=ON
  -DWITH_TIFF=OFF -DWITH_WEBP=OFF -DWITH_OPENJPEG=OFF -DWITH_JASPER=OFF -DWITH_OPENEXR=OFF
  -DWITH_IPP=OFF -DWITH_ITT=OFF -DWITH_OPENCL=OFF -DWITH_CUDA=OFF -DWITH_EIGEN=OFF
  -DWITH_LAPACK=OFF -DWITH_TBB=OFF -DWITH_OPENMP=OFF -DWITH_PROTOBUF=OFF -DWITH_ADE=OFF
  -DWITH_CAROTENE=OFF -DWITH_QUIRC=OFF -DWITH_FFMPEG=OFF -DWITH_GSTREAMER=OFF -DWITH_V4L=OFF
  -DWITH_GTK=OFF -DWITH_QT=OFF -DWITH_VTK=OFF -DWITH_1394=OFF -DOPENCV_GENERATE_PKGCONFIG=OFF)

# Versions apt offers now; a package's .deb file name holds its version ("1:2.1" as "1%3a2.1").
# One apt-cache call for all (each call costs about a second).
declare -A VERSION
while read -r p v; do
  VERSION[$p]=$v
done < <(apt-cache show --no-all-versions "${BUNDLE_PKGS[@]}" "${BUILD_PKGS[@]}" 2> /dev/null |
  awk '/^Package: / {p = $2} /^Version: / {print p, $2}')
for p in "${BUNDLE_PKGS[@]}" "${BUILD_PKGS[@]}"; do
  [ -n "${VERSION[$p]:-}" ] || die "apt knows no package $p (apt-get update? bookworm in sources.list?)"
done
deb_file() { # the .deb of package $1, whichever architecture suffix (amd64 or all) it has
  local base=$WORK/debs/${1}_${VERSION[$1]//:/%3a}
  for f in "${base}_amd64.deb" "${base}_all.deb"; do [ -f "$f" ] && { echo "$f"; return; }; done
  echo ""
}
# In an empty folder: where the file already lies, apt prints "Skipping" instead of its URI.
SRCQ=$(mktemp -d)
OPENCV_SRC_LINE=$(cd "$SRCQ" && apt-get source --print-uris opencv 2> /dev/null |
  grep -E "^'[^']*/opencv_[^']*\.orig\.tar\.xz'" | head -n1) ||
  die "apt has no source of opencv (a deb-src line for bookworm is needed)"
rmdir "$SRCQ"
OPENCV_URI=$(echo "$OPENCV_SRC_LINE" | awk '{print $1}' | tr -d "'")
OPENCV_TAR=$(echo "$OPENCV_SRC_LINE" | awk '{print $2}')
OPENCV_SHA=$(echo "$OPENCV_SRC_LINE" | awk '{print $4}' | sed 's/^SHA256://')

# The Boost headers the project includes outside edge/ (edge is not built on the GPU machine).
boost_seeds() {
  (cd "$ROOT" && grep -rhoE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<boost/[^>]+>' \
    common trainer bench tests --include='*.cpp' --include='*.hpp' --include='*.h' \
    --exclude-dir=edge) | sed -E 's/.*<(boost\/[^>]+)>.*/\1/' | sort -u
}
SEEDS=$(boost_seeds)

# --- Cache key: a re-run with nothing changed does nothing ----------------------------------
KEY=$({
  sha256sum "$SCRIPT" | cut -d' ' -f1
  for p in "${BUNDLE_PKGS[@]}" "${BUILD_PKGS[@]}"; do echo "$p=${VERSION[$p]}"; done
  echo "opencv=$OPENCV_TAR $OPENCV_SHA"
  g++ --version | head -n1
  echo "$SEEDS"
} | sha256sum | cut -d' ' -f1)
if [ "$FORCE" = 0 ] && [ -f "$BUNDLE/CACHE_KEY" ] && [ "$(cat "$BUNDLE/CACHE_KEY")" = "$KEY" ]; then
  log "$BUNDLE is up to date (CACHE_KEY $KEY); --force rebuilds it"
  exit 0
fi
mkdir -p "$WORK/debs" "$WORK/unpacked" "$WORK/opencv"

# --- Download (apt-get download: no install, no root) ---------------------------------------
missing=()
for p in "${BUNDLE_PKGS[@]}" "${BUILD_PKGS[@]}"; do
  [ -n "$(deb_file "$p")" ] || missing+=("$p=${VERSION[$p]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "downloading ${#missing[@]} package(s): ${missing[*]}"
  (cd "$WORK/debs" && apt-get download "${missing[@]}") >> "$WORK/download.log" 2>&1 ||
    die "apt-get download failed ($WORK/download.log)"
fi
if ! echo "$OPENCV_SHA  $WORK/opencv/$OPENCV_TAR" | sha256sum -c --quiet - > /dev/null 2>&1; then
  log "downloading $OPENCV_TAR (Debian's OpenCV source)"
  # apt's own downloader checks the hash; `apt-get source` would also fetch the 54 MB contrib.
  /usr/lib/apt/apt-helper download-file "$OPENCV_URI" "$WORK/opencv/$OPENCV_TAR" \
    "SHA256:$OPENCV_SHA" >> "$WORK/download.log" 2>&1 || die "OpenCV source download failed"
fi

# Each .deb is unpacked once into its own folder (named after the file, so after the version).
unpacked() { # prints the folder holding package $1's files
  local deb dir
  deb=$(deb_file "$1")
  dir=$WORK/unpacked/$(basename "$deb" .deb)
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir"
    dpkg-deb -x "$deb" "$dir"
    touch "$dir/.done"
  fi
  echo "$dir"
}

# --- OpenCV 4.6 from Debian's source --------------------------------------------------------
CV=$WORK/opencv
CV_KEY=$({
  echo "$OPENCV_SHA"
  printf '%s\n' "${OPENCV_FLAGS[@]}"
  g++ --version | head -n1
} | sha256sum | cut -d' ' -f1)
opencv_cache_agrees() { # an install from before stamps existed: its CMakeCache has every flag
  local f name value
  [ -f "$CV/build/CMakeCache.txt" ] && [ -f "$CV/build/install_manifest.txt" ] || return 1
  for f in "${OPENCV_FLAGS[@]}"; do
    name=${f#-D}
    value=${name#*=}
    name=${name%%=*}
    grep -qE "^${name}:[A-Z]+=" "$CV/build/CMakeCache.txt" || return 1
    [ "$(sed -n "s/^${name}:[A-Z]*=//p" "$CV/build/CMakeCache.txt")" = "$value" ] || return 1
  done
  [ "$(cd "$CV/src" && sed -n 's/^#define CV_VERSION_MINOR *//p' modules/core/include/opencv2/core/version.hpp)" = \
    "$(echo "$OPENCV_TAR" | sed -E 's/^opencv_[0-9]+\.([0-9]+)\..*/\1/')" ]
}
if [ -f "$CV/install/.stamp" ] && [ "$(cat "$CV/install/.stamp")" = "$CV_KEY" ]; then
  log "OpenCV: reusing $CV/install"
elif [ -f "$CV/install/lib/cmake/opencv4/OpenCVConfig.cmake" ] && opencv_cache_agrees; then
  log "OpenCV: reusing $CV/install (its CMakeCache.txt has this configuration)"
  echo "$CV_KEY" > "$CV/install/.stamp"
else
  log "OpenCV: building from $OPENCV_TAR with $JOBS jobs (about 8 minutes on two cores)"
  t=$SECONDS
  rm -rf "$CV/src" "$CV/build" "$CV/install" "$CV/builddeps"
  mkdir -p "$CV/src" "$CV/builddeps"
  tar -xf "$CV/$OPENCV_TAR" -C "$CV/src" --strip-components=1
  # libpng/libjpeg/zlib headers and link libraries from their .debs, not from the host's /usr,
  # so that the host needs no -dev packages installed.
  for p in "${BUILD_PKGS[@]}" libpng16-16 libjpeg62-turbo; do
    cp -a "$(unpacked "$p")/." "$CV/builddeps/"
  done
  rm -f "$CV/builddeps/.done"
  cmake -S "$CV/src" -B "$CV/build" -G Ninja "${OPENCV_FLAGS[@]}" \
    -DCMAKE_INSTALL_PREFIX="$CV/install" -DCMAKE_PREFIX_PATH="$CV/builddeps/usr" \
    -DCMAKE_LIBRARY_PATH="$CV/builddeps/usr/lib/$ARCH" -DCMAKE_INCLUDE_PATH="$CV/builddeps/usr/include" \
    -DOPENCV_SKIP_PYTHON_LOADER=ON -DPYTHON_DEFAULT_EXECUTABLE=/bin/false \
    > "$CV/configure.log" 2>&1 || die "OpenCV configure failed ($CV/configure.log)"
  grep -E 'PNG:|JPEG:' "$CV/configure.log" | sed 's/^ */  /' >&2 || true
  cmake --build "$CV/build" -j "$JOBS" > "$CV/build.log" 2>&1 ||
    die "OpenCV build failed ($CV/build.log)"
  cmake --install "$CV/build" > "$CV/install.log" 2>&1 || die "OpenCV install failed"
  echo "$CV_KEY" > "$CV/install/.stamp"
  log "OpenCV: built in $((SECONDS - t)) s"
fi
for m in core imgproc imgcodecs; do
  [ -f "$CV/install/lib/libopencv_$m.so" ] || die "OpenCV install lacks libopencv_$m.so"
done

# --- Assemble into a fresh folder beside the bundle, then swap it in ------------------------
NEW=$BUNDLE.new
rm -rf "$NEW"
mkdir -p "$NEW/usr/lib/$ARCH" "$NEW/usr/include" "$NEW/usr/share/doc"
log "assembling $NEW"
for p in "${BUNDLE_PKGS[@]}"; do
  [ "$p" = "libboost${BOOST_VERSION%.*}-dev" ] && continue  # a subset, below
  src=$(unpacked "$p")
  cp -a "$src/usr/." "$NEW/usr/"
done
# Man pages, changelogs and the like are dead weight; the copyright files stay (licences).
find "$NEW/usr/share/doc" -type f ! -name copyright -delete
find "$NEW/usr/share/doc" -type l -delete
rm -rf "$NEW/usr/share/man" "$NEW/usr/share/doc-base" "$NEW/usr/share/lintian" "$NEW/usr/src"
# libgif-dev's libgif.so points at libgif7, which is not bundled: the linker must take libgif.a.
rm -f "$NEW/usr/lib/$ARCH/libgif.so"
# OpenCV's libraries need libpng16/libjpeg: beside them, found through their RUNPATH $ORIGIN.
mv "$NEW/usr/lib/$ARCH"/libpng16.so.16* "$NEW/usr/lib/$ARCH"/libjpeg.so.62* "$NEW/usr/lib/"

# Boost: only the headers a trainer-only build includes. The compiler's dependency output
# (-M) on the project's Boost includes, with g++ (and clang++ where present) in C++17 and C++20,
# gives the set; boost/config/ goes whole because it picks its files by compiler and platform.
BOOST_SRC=$(unpacked "libboost${BOOST_VERSION%.*}-dev")/usr/include
BOOST_LIST=$WORK/boost_headers.txt
{
  for cxx in g++ clang++; do
    command -v "$cxx" > /dev/null || continue
    for std in c++17 c++20; do
      # -M's rule "out: a.hpp b.hpp \" -> one path a line (SC1003: the backslash is the point)
      # shellcheck disable=SC1003
      echo "$SEEDS" | sed 's/.*/#include <&>/' |
        "$cxx" -std=$std -pthread -I"$BOOST_SRC" -x c++ -M -MG - 2> /dev/null |
        tr -s ' \\' '\n' | grep "^$BOOST_SRC/boost/" | sed "s|^$BOOST_SRC/||" || true
    done
  done
  (cd "$BOOST_SRC" && find boost/config -type f)
  echo boost/version.hpp
} | sort -u > "$BOOST_LIST"
[ "$(grep -c . "$BOOST_LIST")" -gt 100 ] || die "the Boost header scan found too little ($BOOST_LIST)"
tar -C "$BOOST_SRC" -cf - -T "$BOOST_LIST" | tar -C "$NEW/usr/include" -xf -
# Boost's CMake configs: find_package(Boost) finds Boost::headers with or without FindBoost.
for d in "Boost-$BOOST_VERSION" "boost_headers-$BOOST_VERSION" "BoostDetectToolset-$BOOST_VERSION.cmake"; do
  cp -a "$BOOST_SRC/../lib/$ARCH/cmake/$d" "$NEW/usr/lib/$ARCH/cmake/"
done
mkdir -p "$NEW/usr/share/doc/libboost${BOOST_VERSION%.*}-dev"
cp "$BOOST_SRC/../share/doc/libboost${BOOST_VERSION%.*}-dev/copyright" \
  "$NEW/usr/share/doc/libboost${BOOST_VERSION%.*}-dev/" 2> /dev/null || true

# OpenCV: libraries, headers, its CMake config (finds its prefix relative to itself).
cp -a "$CV/install/lib"/libopencv_*.so* "$NEW/usr/lib/"
mkdir -p "$NEW/usr/lib/cmake" "$NEW/usr/share/doc/opencv"
cp -a "$CV/install/lib/cmake/opencv4" "$NEW/usr/lib/cmake/"
cp -a "$CV/install/include/opencv4" "$NEW/usr/include/"
cp "$CV/src/LICENSE" "$NEW/usr/share/doc/opencv/copyright"
strip --strip-unneeded "$NEW/usr/lib"/libopencv_*.so.*.*.* 2> /dev/null || true

# pkg-config files say prefix=/usr: make every path relative to the .pc file itself.
while IFS= read -r pc; do
  rel=$(realpath --relative-to="$(dirname "$pc")" "$NEW/usr")
  [ -L "$pc" ] && continue
  sed -i "s#/usr\\b#\${pcfiledir}/$rel#g" "$pc"
done < <(find "$NEW/usr" -name '*.pc')
# Every symbolic link must stay inside the bundle (it travels as a link).
while IFS= read -r l; do
  target=$(readlink "$l")
  case $target in /*) die "absolute link $l -> $target" ;; esac
  [ -e "$l" ] || { log "dropping dangling link ${l#"$NEW"/}"; rm -f "$l"; }
done < <(find "$NEW" -type l)

# --- env.sh ---------------------------------------------------------------------------------
cat > "$NEW/env.sh" << 'EOF'
# Source this (bash): the Foresight GPU bundle's prefix for CMake, pkg-config and the loader.
# Made by tools/make_gpu_bundle.sh; paths follow the folder wherever it lies.
_fs_bundle=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_fs_lib=$_fs_bundle/usr/lib
_fs_multi=$_fs_lib/x86_64-linux-gnu
export FORESIGHT_GPU_BUNDLE=$_fs_bundle
# usr: OpenCV, Boost, CLI11, nlohmann-json (and, where CMake knows the multiarch folder, the
# rest); the cmake folder itself: the configs under lib/x86_64-linux-gnu/cmake on machines
# whose CMake does not look in lib/x86_64-linux-gnu (CMAKE_LIBRARY_ARCHITECTURE unset).
export CMAKE_PREFIX_PATH=$_fs_bundle/usr:$_fs_multi/cmake${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}
# FindGIF's libgif.a there too.
export CMAKE_LIBRARY_PATH=$_fs_multi${CMAKE_LIBRARY_PATH:+:$CMAKE_LIBRARY_PATH}
export PKG_CONFIG_PATH=$_fs_multi/pkgconfig:$_fs_bundle/usr/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export LD_LIBRARY_PATH=$_fs_multi:$_fs_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
unset _fs_bundle _fs_lib _fs_multi
EOF

# --- MANIFEST -------------------------------------------------------------------------------
{
  echo "Foresight GPU bundle, made $(date -u '+%Y-%m-%d %H:%M UTC') by tools/make_gpu_bundle.sh"
  # shellcheck disable=SC1091
  echo "on $(. /etc/os-release && echo "$PRETTY_NAME"), $(g++ --version | head -n1)"
  echo
  echo "Debian packages (package version .deb-bytes):"
  for p in "${BUNDLE_PKGS[@]}"; do
    printf '  %-22s %-26s %9d\n' "$p" "${VERSION[$p]}" "$(stat -c %s "$(deb_file "$p")")"
  done
  echo "  (libboost${BOOST_VERSION%.*}-dev: $(grep -c . "$BOOST_LIST") of its headers)"
  echo
  echo "Built here: OpenCV from $OPENCV_TAR (sha256 $OPENCV_SHA)"
  echo "  modules core imgproc imgcodecs; ${OPENCV_FLAGS[*]}"
  echo
  echo "Sizes (bytes):"
  printf '  %-28s %9d\n' usr/include "$(du -sb "$NEW/usr/include" | cut -f1)"
  printf '  %-28s %9d\n' "usr/lib/$ARCH" "$(du -sb "$NEW/usr/lib/$ARCH" | cut -f1)"
  # usr/lib itself: OpenCV and the libpng/libjpeg it loads
  printf '  %-28s %9d\n' "usr/lib (OpenCV)" "$(du -sb --exclude="$ARCH" "$NEW/usr/lib" | cut -f1)"
  printf '  %-28s %9d\n' usr/share "$(du -sb "$NEW/usr/share" | cut -f1)"
  printf '  %-28s %9d\n' total "$(du -sb "$NEW" | cut -f1)"
  echo
  echo "Libraries need from the system (besides each other):"
  needed=$(find "$NEW/usr/lib" -name '*.so*' -type f -exec objdump -p {} \; 2> /dev/null |
    awk '/NEEDED/ {print $2}' | sort -u)
  for n in $needed; do
    [ -e "$NEW/usr/lib/$n" ] || [ -e "$NEW/usr/lib/$ARCH/$n" ] || echo "  $n"
  done
  echo "  highest symbol versions: $(find "$NEW/usr/lib" -name '*.so*' -type f -exec objdump -T {} \; 2> /dev/null |
    grep -oE '(GLIBC|GLIBCXX|CXXABI)_[0-9.]+' | sort -t_ -k1,1 -k2,2V -u |
    awk -F_ '{v[$1] = $0} END {for (k in v) printf "%s ", v[k]}')"
  echo "  C++ ABI: _GLIBCXX_USE_CXX11_ABI=1 (torch.compiled_with_cxx11_abi() must be True)"
} > "$NEW/MANIFEST"

rm -rf "$BUNDLE"
mv "$NEW" "$BUNDLE"

# --- Self-check -----------------------------------------------------------------------------
SIZE=$(du -sb "$BUNDLE" | cut -f1)
log "bundle: $BUNDLE, $(awk -v b="$SIZE" 'BEGIN { printf "%.1f MiB", b / 1048576 }')"
[ "$SIZE" -le "$LIMIT_BYTES" ] || die "the bundle is over 64 MiB"

# The probe finds each dependency in the bundle alone: a cleared environment with env.sh, every
# *_DIR and library path checked to lie in the bundle, the headers it compiled checked not to
# come from the host's /usr/include, and the program run (OpenCV PNG/JPEG round trip etc.).
PROBE=$WORK/probe
rm -rf "$PROBE"
mkdir -p "$PROBE/src"
cat > "$PROBE/src/CMakeLists.txt" << 'EOF'
cmake_minimum_required(VERSION 3.18)
project(bundle_probe LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 17)
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs)
find_package(nlohmann_json REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Boost REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
find_package(GIF REQUIRED)
find_package(Threads REQUIRED)
set(checked OpenCV_DIR nlohmann_json_DIR spdlog_DIR fmt_DIR CLI11_DIR Boost_INCLUDE_DIRS GTest_DIR
    benchmark_DIR GIF_LIBRARY GIF_INCLUDE_DIR)
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PCGIF REQUIRED libgif)
  find_library(PCGIF_LIB NAMES gif PATHS ${PCGIF_LIBRARY_DIRS} NO_DEFAULT_PATH REQUIRED)
  list(APPEND checked PCGIF_LIB PCGIF_INCLUDE_DIRS)
endif()
foreach(v ${checked})
  get_filename_component(p "${${v}}" REALPATH)
  string(FIND "${p}" "${BUNDLE}/" at)
  if(NOT at EQUAL 0)
    message(FATAL_ERROR "${v} = ${${v}} is not in the bundle ${BUNDLE}")
  endif()
  message(STATUS "${v}: ${${v}}")
endforeach()
add_executable(probe probe.cpp)
target_link_libraries(probe PRIVATE ${OpenCV_LIBS} nlohmann_json::nlohmann_json spdlog::spdlog
  CLI11::CLI11 Boost::headers GIF::GIF benchmark::benchmark GTest::gtest GTest::gmock Threads::Threads)
EOF
{
  # shellcheck disable=SC2001
  echo "$SEEDS" | sed 's/.*/#include <&>/'
  cat << 'EOF'
#include <CLI/CLI.hpp>
#include <benchmark/benchmark.h>
#include <boost/asio/io_context.hpp>
#include <gif_lib.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>

int main(int argc, char** argv) {
  CLI::App app{"probe"};
  CLI11_PARSE(app, argc, argv);
  cv::Mat m(16, 16, CV_8UC3, cv::Scalar(10, 200, 30)), out;
  cv::resize(m, out, cv::Size(8, 8));
  std::vector<uchar> png, jpg;
  if (!cv::imencode(".png", out, png) || !cv::imencode(".jpg", out, jpg)) return 1;
  if (cv::imdecode(png, cv::IMREAD_COLOR).cols != 8 || cv::imdecode(jpg, cv::IMREAD_COLOR).rows != 8)
    return 2;
  boost::asio::io_context io;
  int err = 0;
  GifFileType* gif = EGifOpenFileName("/dev/null", false, &err);
  if (gif == nullptr) return 3;
  EGifCloseFile(gif, &err);
  benchmark::DoNotOptimize(m.data);
  ::testing::InitGoogleTest(&argc, argv);
  spdlog::info("bundle probe: {} {}", nlohmann::json{{"png", png.size()}, {"jpg", jpg.size()}}.dump(),
               fmt::format("{}", 1) == "1");
  return 0;
}
EOF
} > "$PROBE/src/probe.cpp"
log "self-check: CMake probe against the bundle alone"
# shellcheck disable=SC2016  # expanded by the inner shell
env -i PATH=/usr/bin:/bin HOME="$HOME" BUNDLE="$BUNDLE" PROBE="$PROBE" bash -c '
  set -euo pipefail
  source "$BUNDLE/env.sh"
  cmake -S "$PROBE/src" -B "$PROBE/build" -G Ninja -DBUNDLE="$(realpath "$BUNDLE")" > "$PROBE/configure.log" 2>&1
  cmake --build "$PROBE/build" > "$PROBE/build.log" 2>&1
  "$PROBE/build/probe" > "$PROBE/run.log" 2>&1
  ldd "$PROBE/build/probe" > "$PROBE/ldd.log"
' || die "the probe failed (logs in $PROBE)"
# Headers that exist in the host's /usr/include too: the compiler must have taken the bundle's.
(cd "$PROBE/build" && ninja -t deps) > "$PROBE/deps.log"
if grep -E '^ +/usr/include/(boost|spdlog|fmt|nlohmann|CLI|gtest|gmock|benchmark|opencv4|gif_lib)' \
  "$PROBE/deps.log" > "$PROBE/host-headers.log"; then
  die "the probe compiled host headers ($PROBE/host-headers.log)"
fi
for lib in libopencv_core libopencv_imgcodecs libpng16 libjpeg libspdlog libfmt libbenchmark; do
  grep -E "^\s*$lib\.so\S* => $(realpath "$BUNDLE")/" "$PROBE/ldd.log" > /dev/null ||
    die "the probe did not load $lib from the bundle ($PROBE/ldd.log)"
done
echo "$KEY" > "$BUNDLE/CACHE_KEY"
log "done in $((SECONDS - T0)) s: $(grep -c . "$BOOST_LIST") Boost headers, probe: $(cat "$PROBE/run.log")"
