# The package files of an installed ctexec, for one OS: ctexecConfig.cmake
# (find_package), ctexecConfigVersion.cmake and ctexec.pc (pkg-config), from
# the one pair of templates capi/ctexecConfig.cmake.in and capi/ctexec.pc.in.
#
#   ctexec_package_files(<outdir> <system>)     <system>: Linux, Windows, Darwin
#
# The install tree it describes, under a relocatable prefix:
#   Linux    lib/libctexec.so.0, lib/libctexec.so         (SONAME libctexec.so.0)
#   Darwin   lib/libctexec.0.dylib, lib/libctexec.dylib   (install name @rpath/libctexec.0.dylib)
#   Windows  bin/ctexec.dll, lib/libctexec.dll.a          (the import library)
# and include/ctexec.h, include/ctexec.hpp, lib/cmake/ctexec/, lib/pkgconfig/.
#
# The top CMakeLists.txt calls it for the native build. The cross builds
# (tests/windows/run, tests/darwin/run) run this file as a script:
#   cmake -DCTEXEC_SYSTEM=Windows -DCTEXEC_OUT=<dir> -P cmake/CtexecPackage.cmake
include(CMakePackageConfigHelpers)
set(_ctexec_package_dir ${CMAKE_CURRENT_LIST_DIR})

function(ctexec_package_files outdir system)
  # IMPORTED_LOCATION goes through PATH_VARS (an absolute LIBDIR works); the
  # import library exists only in the cross builds' trees, where LIBDIR is lib.
  if(system STREQUAL "Windows")
    set(CTEXEC_PKG_RUNTIME "${CMAKE_INSTALL_BINDIR}/ctexec.dll")
    set(CTEXEC_PKG_LINK "IMPORTED_IMPLIB \"\${PACKAGE_PREFIX_DIR}/${CMAKE_INSTALL_LIBDIR}/libctexec.dll.a\"")
  elseif(system STREQUAL "Darwin")
    set(CTEXEC_PKG_RUNTIME "${CMAKE_INSTALL_LIBDIR}/libctexec.0.dylib")
    set(CTEXEC_PKG_LINK "IMPORTED_SONAME \"@rpath/libctexec.0.dylib\"")
  else()
    set(CTEXEC_PKG_RUNTIME "${CMAKE_INSTALL_LIBDIR}/libctexec.so.0")
    set(CTEXEC_PKG_LINK "IMPORTED_SONAME \"libctexec.so.0\"")
  endif()
  set(src ${_ctexec_package_dir}/../capi)
  configure_package_config_file(${src}/ctexecConfig.cmake.in ${outdir}/ctexecConfig.cmake
    INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ctexec
    PATH_VARS CTEXEC_PKG_RUNTIME CMAKE_INSTALL_INCLUDEDIR)
  write_basic_package_version_file(${outdir}/ctexecConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
  file(RELATIVE_PATH CTEXEC_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
  configure_file(${src}/ctexec.pc.in ${outdir}/ctexec.pc @ONLY)
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  if(NOT CTEXEC_SYSTEM OR NOT CTEXEC_OUT)
    message(FATAL_ERROR "usage: cmake -DCTEXEC_SYSTEM=<Windows|Darwin|Linux> -DCTEXEC_OUT=<dir> -P ${CMAKE_CURRENT_LIST_FILE}")
  endif()
  # The version is the project()'s, read from the one place it is written.
  file(STRINGS ${_ctexec_package_dir}/../CMakeLists.txt line REGEX "^project\\(ctexec VERSION ")
  string(REGEX REPLACE ".* VERSION ([0-9.]+).*" "\\1" PROJECT_VERSION "${line}")
  set(CMAKE_INSTALL_PREFIX /prefix) # only relative paths come out
  set(CMAKE_INSTALL_BINDIR bin)
  set(CMAKE_INSTALL_LIBDIR lib)
  set(CMAKE_INSTALL_FULL_LIBDIR /prefix/lib)
  set(CMAKE_INSTALL_INCLUDEDIR include)
  set(CMAKE_SIZEOF_VOID_P 8) # both cross targets are 64-bit
  ctexec_package_files(${CTEXEC_OUT} ${CTEXEC_SYSTEM})
endif()
