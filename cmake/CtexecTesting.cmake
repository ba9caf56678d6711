# Test registration for ctexec. Every C test program is built four times and
# every C test runs four times:
#
#   <program>            against libctexec               test <name>
#   <program>_asan       AddressSanitizer + UBSan        test asan.<name>
#   <program>_cgocheck2  against a GOEXPERIMENT=cgocheck2 build of the library
#                                                        test cgocheck2.<name>
#   <program>_parkinglot against a build whose waits go through the portable
#                        parking lot (capi/cx/parkinglot.c) instead of futexes
#                                                        test parkinglot.<name>
#
# The parkinglot copies exist only with CTEXEC_PARKINGLOT=ON (the default):
# they are how the fallback that macOS before 14.4 and the other POSIX
# systems use is tested here, on every run.
#
#   ctexec_test_program(hard_stress stress.c)
#   ctexec_test(NAME hardening.multi_owner COMMAND hard_stress multi_owner 100000
#               CHECKED_ARGS multi_owner 10000 TIMEOUT 120)
#
# Nothing here reads a source or a CMake file as text: a test is checked
# because it is registered with ctexec_test().

# The cgocheck2 build of the library (ctexec_go_library() is in the top
# CMakeLists.txt).
set(CTEXEC_CGOCHECK2_DIR ${PROJECT_BINARY_DIR}/tests/cgocheck2)
set(CTEXEC_CGOCHECK2_LIB ${CTEXEC_CGOCHECK2_DIR}/${CTEXEC_SONAME})
ctexec_go_library(ctexec_cgocheck2 ${CTEXEC_CGOCHECK2_DIR} ENV GOEXPERIMENT=cgocheck2)

# The parking-lot build of the library: the cgo build tag ctexec_parkinglot
# swaps capi/cx/wait_linux.c for capi/cx/wait_parkinglot.c (and the Go core's
# default waits for its Go parking lot, though the C API replaces those).
option(CTEXEC_PARKINGLOT "Also test a copy of the library built with the portable parking lot" ON)
set(CTEXEC_PARKINGLOT_DIR ${PROJECT_BINARY_DIR}/tests/parkinglot)
set(CTEXEC_PARKINGLOT_LIB ${CTEXEC_PARKINGLOT_DIR}/${CTEXEC_SONAME})
if(CTEXEC_PARKINGLOT)
  ctexec_go_library(ctexec_parkinglot ${CTEXEC_PARKINGLOT_DIR} ENV GOFLAGS=-tags=ctexec_parkinglot)
endif()

# The sanitizers stop at the first error, with a stack. Leak detection stays
# on: the Go runtime allocates its heap and stacks with mmap, which
# LeakSanitizer neither tracks nor reports, and the few mallocs cgo makes
# (thread start arguments) are freed, so no suppression is needed; a leak in
# a test program or in the library's C side fails the test. Use-after-return
# detection is on too: callbacks run on the thread stack Go uses for cgo
# calls, and ASan's fake stacks work there.
set(CTEXEC_SAN_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=all)
set(CTEXEC_ASAN_ENV
  "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1"
  "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
  "LSAN_OPTIONS=report_objects=1")
# Instrumented runs are slower: their timeout is never below this.
set(CTEXEC_CHECKED_MIN_TIMEOUT 120)

function(_ctexec_c_program name)
  target_compile_options(${name} PRIVATE -Wall -Wextra)
  set_target_properties(${name} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON)
endfunction()

# ctexec_checked_program(<name> <sources>...) builds only <name>_asan,
# <name>_cgocheck2 and <name>_parkinglot, for a program <name> built
# elsewhere (the C demo).
function(ctexec_checked_program name)
  add_executable(${name}_asan ${ARGN})
  target_compile_options(${name}_asan PRIVATE -g ${CTEXEC_SAN_FLAGS})
  target_link_options(${name}_asan PRIVATE ${CTEXEC_SAN_FLAGS})
  target_link_libraries(${name}_asan PRIVATE ctexec::ctexec Threads::Threads)
  add_executable(${name}_cgocheck2 ${ARGN})
  target_link_libraries(${name}_cgocheck2 PRIVATE ctexec_cgocheck2 Threads::Threads)
  _ctexec_c_program(${name}_asan)
  _ctexec_c_program(${name}_cgocheck2)
  if(CTEXEC_PARKINGLOT)
    add_executable(${name}_parkinglot ${ARGN})
    target_link_libraries(${name}_parkinglot PRIVATE ctexec_parkinglot Threads::Threads)
    _ctexec_c_program(${name}_parkinglot)
  endif()
endfunction()

# ctexec_test_program(<name> <sources>...) builds <name>, <name>_asan,
# <name>_cgocheck2 and <name>_parkinglot.
function(ctexec_test_program name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE ctexec::ctexec Threads::Threads)
  _ctexec_c_program(${name})
  ctexec_checked_program(${name} ${ARGN})
endfunction()

# ctexec_test(NAME <name> COMMAND <program> [args...]
#             [CHECKED_ARGS args...] [TIMEOUT <s>] [ENVIRONMENT VAR=value...]
#             [NO_CHECKED])
#
# Registers <name>, and asan.<name>, cgocheck2.<name> and parkinglot.<name>
# unless NO_CHECKED. The asan and cgocheck2 copies run <program>_asan and
# <program>_cgocheck2 with CHECKED_ARGS when given (smaller counts:
# instrumented runs are slow), else with the same args; the parkinglot copy
# is not instrumented and runs <program>_parkinglot with the same args as
# <name>. ENVIRONMENT applies to all four. TIMEOUT defaults to 60 s.
function(ctexec_test)
  cmake_parse_arguments(ARG "NO_CHECKED" "NAME;TIMEOUT" "COMMAND;CHECKED_ARGS;ENVIRONMENT" ${ARGN})
  if(NOT ARG_NAME OR NOT ARG_COMMAND)
    message(FATAL_ERROR "ctexec_test: NAME and COMMAND are required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ctexec_test(${ARG_NAME}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 60)
  endif()
  list(POP_FRONT ARG_COMMAND program)
  add_test(NAME ${ARG_NAME} COMMAND ${program} ${ARG_COMMAND})
  set_tests_properties(${ARG_NAME} PROPERTIES TIMEOUT ${ARG_TIMEOUT})
  if(ARG_ENVIRONMENT)
    set_tests_properties(${ARG_NAME} PROPERTIES ENVIRONMENT "${ARG_ENVIRONMENT}")
  endif()
  if(ARG_NO_CHECKED)
    return()
  endif()
  if(NOT DEFINED ARG_CHECKED_ARGS)
    set(ARG_CHECKED_ARGS ${ARG_COMMAND})
  endif()
  set(timeout ${ARG_TIMEOUT})
  if(timeout LESS CTEXEC_CHECKED_MIN_TIMEOUT)
    set(timeout ${CTEXEC_CHECKED_MIN_TIMEOUT})
  endif()
  set(asan_env ${CTEXEC_ASAN_ENV} ${ARG_ENVIRONMENT})
  add_test(NAME asan.${ARG_NAME} COMMAND ${program}_asan ${ARG_CHECKED_ARGS})
  set_tests_properties(asan.${ARG_NAME} PROPERTIES TIMEOUT ${timeout}
    ENVIRONMENT "${asan_env}")
  add_test(NAME cgocheck2.${ARG_NAME} COMMAND ${program}_cgocheck2 ${ARG_CHECKED_ARGS})
  set_tests_properties(cgocheck2.${ARG_NAME} PROPERTIES TIMEOUT ${timeout})
  if(ARG_ENVIRONMENT)
    set_tests_properties(cgocheck2.${ARG_NAME} PROPERTIES ENVIRONMENT "${ARG_ENVIRONMENT}")
  endif()
  if(CTEXEC_PARKINGLOT)
    add_test(NAME parkinglot.${ARG_NAME} COMMAND ${program}_parkinglot ${ARG_COMMAND})
    set_tests_properties(parkinglot.${ARG_NAME} PROPERTIES TIMEOUT ${ARG_TIMEOUT})
    if(ARG_ENVIRONMENT)
      set_tests_properties(parkinglot.${ARG_NAME} PROPERTIES ENVIRONMENT "${ARG_ENVIRONMENT}")
    endif()
  endif()
endfunction()

# ctexec_test_cases(<prefix> <program> [TIMEOUT <s>]) registers one test per
# case that `<program> --list` prints, one per line: <prefix>.<case> runs
# `<program> <case>`, with its asan. and cgocheck2. copies. The program lists
# its own cases, so a new case needs no CMake edit. With CTEXEC_PARKINGLOT
# each case also gets a parkinglot. copy. The list is read when
# CTest starts (the way gtest_discover_tests does it); before the program is
# built there is a single failing <prefix>.NOT_BUILT test instead.
function(ctexec_test_cases prefix program)
  cmake_parse_arguments(ARG "" "TIMEOUT" "" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 60)
  endif()
  set(checked_timeout ${ARG_TIMEOUT})
  if(checked_timeout LESS CTEXEC_CHECKED_MIN_TIMEOUT)
    set(checked_timeout ${CTEXEC_CHECKED_MIN_TIMEOUT})
  endif()
  set(parkinglot "")
  if(CTEXEC_PARKINGLOT)
    set(parkinglot "add_test(parkinglot.${prefix}.\${case} \"$<TARGET_FILE:${program}_parkinglot>\" \${case})
  set_tests_properties(parkinglot.${prefix}.\${case} PROPERTIES TIMEOUT ${ARG_TIMEOUT})")
  endif()
  set(script ${CMAKE_CURRENT_BINARY_DIR}/${prefix}_cases.cmake)
  file(GENERATE OUTPUT ${script} CONTENT
"# Generated by ctexec_test_cases() in cmake/CtexecTesting.cmake.
set(program \"$<TARGET_FILE:${program}>\")
if(NOT EXISTS \"\${program}\")
  add_test(${prefix}.NOT_BUILT \"\${program}\")
  return()
endif()
execute_process(COMMAND \"\${program}\" --list OUTPUT_VARIABLE cases RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  add_test(${prefix}.LIST_FAILED \"\${program}\" --list)
  return()
endif()
string(REGEX REPLACE \"\\n$\" \"\" cases \"\${cases}\")
string(REPLACE \"\\n\" \";\" cases \"\${cases}\")
foreach(case IN LISTS cases)
  add_test(${prefix}.\${case} \"\${program}\" \${case})
  set_tests_properties(${prefix}.\${case} PROPERTIES TIMEOUT ${ARG_TIMEOUT})
  add_test(asan.${prefix}.\${case} \"$<TARGET_FILE:${program}_asan>\" \${case})
  set_tests_properties(asan.${prefix}.\${case} PROPERTIES TIMEOUT ${checked_timeout}
    ENVIRONMENT \"${CTEXEC_ASAN_ENV}\")
  add_test(cgocheck2.${prefix}.\${case} \"$<TARGET_FILE:${program}_cgocheck2>\" \${case})
  set_tests_properties(cgocheck2.${prefix}.\${case} PROPERTIES TIMEOUT ${checked_timeout})
  ${parkinglot}
endforeach()
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${script})
endfunction()
