# The parts of uk-dyn-run that read, check and plan (object headers, the
# dynamic section, hash tables and symbol lookup, TLS layout, relocation,
# lazy binding, init/fini lists, escaped names): no mapping of objects, no
# libffi, no command line. Built into the loader (musl, CMakeLists.txt) and
# into ukdyn_host (host libc, host.cmake) from this one list.
set(UK_DYN_CORE_SOURCES)
foreach(f arena.cc object.cc headers.cc dynamic.cc hash.cc scope.cc relocate.cc lazy.cc plt_entry.S tls.cc
          init_fini.cc printable.cc)
  list(APPEND UK_DYN_CORE_SOURCES ${CMAKE_CURRENT_LIST_DIR}/${f})
endforeach()
