# cmake -DVERSION=<project version> -DROOT=<source dir> -P tests/version_check.cmake
#
# The version is written in three places that must agree: project() in
# CMakeLists.txt (VERSION), include/ctexec.h (CTEXEC_VERSION_MAJOR/MINOR/
# PATCH and CTEXEC_VERSION_STRING) and CHANGELOG.md (a "## <version>"
# section). Every exported function's comment ends with a \since no later
# than the version.
file(READ ${ROOT}/include/ctexec.h h)
foreach(part MAJOR MINOR PATCH)
  string(REGEX MATCH "#define CTEXEC_VERSION_${part} ([0-9]+)" m "${h}")
  list(APPEND parts ${CMAKE_MATCH_1})
endforeach()
list(JOIN parts "." from_parts)
string(REGEX MATCH "#define CTEXEC_VERSION_STRING \"([0-9.]+)\"" m "${h}")
if(NOT from_parts STREQUAL VERSION OR NOT CMAKE_MATCH_1 STREQUAL VERSION)
  message(FATAL_ERROR "versions differ: CMake ${VERSION}, header parts ${from_parts}, header string ${CMAKE_MATCH_1}")
endif()
file(READ ${ROOT}/CHANGELOG.md log)
string(FIND "${log}" "\n## ${VERSION} " at)
if(at LESS 0)
  message(FATAL_ERROR "CHANGELOG.md has no '## ${VERSION} ' section")
endif()
# Each declaration and the comment just above it.
string(REGEX MATCHALL "\\*/\nCTEXEC_API [^(]*\\(" decls "${h}")
string(REGEX MATCHALL "\\\\since [0-9.]+ *\n \\*/\nCTEXEC_API [^(]*\\(" sinced "${h}")
list(LENGTH decls n)
list(LENGTH sinced n_since)
if(NOT n EQUAL n_since OR n EQUAL 0)
  message(FATAL_ERROR "${n} exported functions, ${n_since} with a \\since last in their comment")
endif()
foreach(d IN LISTS sinced)
  string(REGEX MATCH "since ([0-9.]+)" m "${d}")
  if(CMAKE_MATCH_1 VERSION_GREATER VERSION)
    message(FATAL_ERROR "\\since ${CMAKE_MATCH_1} is later than ${VERSION}: ${d}")
  endif()
endforeach()
message(STATUS "version ${VERSION}: CMake, header and CHANGELOG agree; ${n} functions have a \\since")
