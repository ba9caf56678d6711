# Builds libctexec with go build -buildmode=c-shared (ctexec_go_library in
# the top CMakeLists.txt runs it, in the source tree):
#
#   cmake -DGO=<go> -DHEADER=<include/ctexec.h> -DLDFLAGS=<...> -DOUT=<lib>
#         -P cmake/CtexecGoBuild.cmake
#
# Go's build cache keys a cgo package on its own files and on CGO_CFLAGS,
# not on headers it includes from elsewhere: after an edit of
# include/ctexec.h (a status text, a macro), go build would link the old C
# objects again. A digest of the header in CGO_CFLAGS makes the edit a new
# cache key, and nothing else changes.
file(SHA256 ${HEADER} digest)
string(SUBSTRING ${digest} 0 16 digest)
if(DEFINED ENV{CGO_CFLAGS})
  set(flags "$ENV{CGO_CFLAGS}")
else()
  set(flags "-O2 -g") # go's default
endif()
set(ENV{CGO_CFLAGS} "${flags} -DCTEXEC_HEADER_DIGEST=${digest}")
execute_process(
  COMMAND ${GO} build -buildmode=c-shared -trimpath "-ldflags=${LDFLAGS}" -o ${OUT} ./capi
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "go build -buildmode=c-shared failed (${rc})")
endif()
