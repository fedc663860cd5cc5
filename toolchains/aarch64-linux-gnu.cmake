# Cross build for Jetson-class aarch64 boards with Debian's g++-aarch64-linux-gnu.
#   cmake -S . -B build-aarch64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake \
#         -DFORESIGHT_SYSROOT=/path/to/sysroot -DFORESIGHT_BUILD_TRAINER=OFF
# The sysroot is a cache variable or the FORESIGHT_SYSROOT environment variable: one made by
# tools/make_sysroot_aarch64.sh (Debian 12 arm64 packages) or copied from a device (docs/deploy.md).
# Tests run here through qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR), so CTest works unchanged.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(FORESIGHT_SYSROOT "$ENV{FORESIGHT_SYSROOT}" CACHE PATH "aarch64 sysroot (a copy of the target's /usr and /lib)")
if(NOT FORESIGHT_SYSROOT OR NOT EXISTS "${FORESIGHT_SYSROOT}/usr/include")
  message(FATAL_ERROR "aarch64 toolchain: set FORESIGHT_SYSROOT (cache or environment) to a sysroot "
                      "with usr/include; tools/make_sysroot_aarch64.sh makes one (now: '${FORESIGHT_SYSROOT}')")
endif()
set(CMAKE_SYSROOT "${FORESIGHT_SYSROOT}")
# try_compile projects must see the same sysroot.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES FORESIGHT_SYSROOT)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Jetson Xavier (Carmel) and Orin (Cortex-A78AE) are ARMv8.2-A; never -march=native here.
set(CMAKE_C_FLAGS_INIT "-march=armv8.2-a")
set(CMAKE_CXX_FLAGS_INIT "-march=armv8.2-a")
# Indirect shared-library dependencies (libtorch -> libblas.so.3, ...) resolve in the sysroot.
set(_foresight_libdirs "${FORESIGHT_SYSROOT}/usr/lib/aarch64-linux-gnu;${FORESIGHT_SYSROOT}/lib/aarch64-linux-gnu")
foreach(dir IN LISTS _foresight_libdirs)
  string(APPEND CMAKE_EXE_LINKER_FLAGS_INIT " -Wl,-rpath-link,${dir}")
  string(APPEND CMAKE_SHARED_LINKER_FLAGS_INIT " -Wl,-rpath-link,${dir}")
endforeach()

# Libraries, headers and CMake packages only from the sysroot; programs (cmake, pkg-config) from
# the host.
set(CMAKE_FIND_ROOT_PATH "${FORESIGHT_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_DIR} "")
set(ENV{PKG_CONFIG_LIBDIR} "${FORESIGHT_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${FORESIGHT_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${FORESIGHT_SYSROOT}")

find_program(FORESIGHT_QEMU_AARCH64 qemu-aarch64)
if(FORESIGHT_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${FORESIGHT_QEMU_AARCH64};-L;${FORESIGHT_SYSROOT}")
else()
  message(WARNING "qemu-aarch64 not found (Debian: qemu-user): the aarch64 tests cannot run here")
endif()
