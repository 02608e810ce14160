# Dynamic mode: the same corpus as shared objects, loaded by uk-dyn-run.
#
#   build/dynlib/libmusl.so       musl's whole libc.a + the libgcc pieces it needs
#                                 (gccrt.o) + musl_hooks.S, one shared object
#   build/dynlib/libboot.so       the dynamic boot library (boot/boot_dyn.c)
#   build/dynlib/lib<NAME>.so     every other library an app uses (NAME.o, or
#                                 NAME.so when NAME starts with "lib")
#   build/unikernels/<app>/<app>.so   every app as a PIE (ET_DYN) with
#                                 DT_NEEDED on libboot.so, its libraries and
#                                 libmusl.so, its own start file crt-dyn.o
#
# Variants (tests): helloworld and the boot/musl libraries linked with other
# options, in build/unikernels/helloworld/helloworld-<v>.so and
# build/dynlib/variants/<v>/: RELRO off, -z now, both, packed relative
# relocations (DT_RELR), GNU hash only, SysV hash only.
#
# Test-only apps and libraries (unikernels/dynamic/testcorpus), not in the
# static pack: build/unikernels/dynamic/<app>.so, their libraries in dynlib.
#
# gccrt is not a shared object of its own: libgcc.a's members define their
# symbols hidden (__muldc3 ...), so a libgccrt.so would export nothing; they
# are linked into libmusl.so, the only library that calls them.
set(UK_DYNLIB_DIR ${CMAKE_BINARY_DIR}/dynlib CACHE INTERNAL "")
set(UK_DYN_TEST_DIR ${UK_CORPUS_DIR}/dynamic CACHE INTERNAL "")
set(UK_DYN_OBJ ${UK_OBJ_DIR}/dynamic)
set(UK_DYN_LINKONLY ${UK_DYN_OBJ}/linkonly CACHE INTERNAL "") # libraries apps link against but never find at run time
set(UK_DYN_SRC ${CMAKE_CURRENT_LIST_DIR})
file(MAKE_DIRECTORY ${UK_DYNLIB_DIR} ${UK_DYN_TEST_DIR} ${UK_DYN_OBJ} ${UK_DYN_LINKONLY})

# Link options of every shared object and app: both hash tables, RELRO,
# lazy binding (the loader's default), no executable stack.
set(UK_DYN_LDFLAGS ${UK_SLT_DYN_LDFLAGS}) # cmake/package/UkSltFlags.cmake
set(UK_DYN_VARIANTS norelro now now-norelro relr gnuhash sysvhash)
set(UK_DYN_LDFLAGS_norelro --hash-style=both -z norelro -z lazy -z noexecstack)
set(UK_DYN_LDFLAGS_now --hash-style=both -z relro -z now -z noexecstack)
set(UK_DYN_LDFLAGS_now-norelro --hash-style=both -z norelro -z now -z noexecstack)
set(UK_DYN_LDFLAGS_relr --hash-style=both -z relro -z lazy -z pack-relative-relocs -z noexecstack)
set(UK_DYN_LDFLAGS_gnuhash --hash-style=gnu -z relro -z lazy -z noexecstack)
set(UK_DYN_LDFLAGS_sysvhash --hash-style=sysv -z relro -z lazy -z noexecstack)

set(UK_DYN_OUTPUTS "")

# uk_dyn_compile(OBJ SRC [flags...]): musl-gcc -c with the corpus flags.
function(uk_dyn_compile obj src)
  add_custom_command(OUTPUT ${obj}
    COMMAND ${UK_MUSL_GCC} ${UK_CFLAGS} ${ARGN} -c ${src} -o ${obj}
    DEPENDS ${src} ${CMAKE_CURRENT_SOURCE_DIR}/boot/uk_app.h ${CMAKE_CURRENT_SOURCE_DIR}/boot/uk_app_run.h ${CMAKE_CURRENT_SOURCE_DIR}/boot/uk_arrays.inc
    COMMENT "musl-gcc dynamic/${src}" VERBATIM)
endfunction()

# uk_dyn_shared(OUT SONAME INPUTS ... [WHOLE archive...] [LDFLAGS ...] [LIBS ...]):
# a shared object with SONAME from objects and whole archives; LIBS are
# shared objects in dynlib it needs (DT_NEEDED).
function(uk_dyn_shared out soname)
  cmake_parse_arguments(S "" "" "INPUTS;WHOLE;LDFLAGS;LIBS" ${ARGN})
  if(NOT S_LDFLAGS)
    set(S_LDFLAGS ${UK_DYN_LDFLAGS})
  endif()
  set(libs)
  set(deps)
  foreach(l ${S_LIBS})
    list(APPEND libs -l:${l})
    list(APPEND deps ${UK_DYNLIB_DIR}/${l})
  endforeach()
  set(whole)
  if(S_WHOLE)
    set(whole --whole-archive ${S_WHOLE} --no-whole-archive)
  endif()
  add_custom_command(OUTPUT ${out}
    COMMAND ${UK_LD} -shared -soname ${soname} ${S_LDFLAGS} -o ${out} ${S_INPUTS} ${whole} -L${UK_DYNLIB_DIR} ${libs}
    DEPENDS ${S_INPUTS} ${S_WHOLE} ${deps}
    COMMENT "shared object ${soname}" VERBATIM)
  set(UK_DYN_OUTPUTS ${UK_DYN_OUTPUTS} ${out} PARENT_SCOPE)
endfunction()

# uk_dyn_app(OUT OBJ [LDFLAGS ...] [LIBS ...] [LIBDIRS ...]): a PIE from the
# dynamic start file and the app's object, DT_NEEDED on libboot.so, LIBS and
# libmusl.so (in that order: the global lookup order after the app). Every
# symbol is exported (-E) so the loader finds main and --invoke handlers.
function(uk_dyn_app out obj)
  cmake_parse_arguments(A "" "" "LDFLAGS;LIBS;LIBDIRS" ${ARGN})
  if(NOT A_LDFLAGS)
    set(A_LDFLAGS ${UK_DYN_LDFLAGS})
  endif()
  set(libs -l:libboot.so)
  set(deps ${UK_DYNLIB_DIR}/libboot.so ${UK_DYNLIB_DIR}/libmusl.so)
  foreach(l ${A_LIBS})
    list(APPEND libs -l:${l})
    set(found ${UK_DYNLIB_DIR}/${l})
    foreach(d ${A_LIBDIRS})
      set(found ${d}/${l})
    endforeach()
    list(APPEND deps ${found})
  endforeach()
  list(APPEND libs -l:libmusl.so)
  set(dirs)
  foreach(d ${A_LIBDIRS})
    list(APPEND dirs -L${d})
  endforeach()
  get_filename_component(dir ${out} DIRECTORY)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND ${UK_LD} -pie --no-dynamic-linker -E ${A_LDFLAGS} -o ${out} ${UK_DYN_OBJ}/crt-dyn.o ${obj}
            ${dirs} -L${UK_DYNLIB_DIR} ${libs}
    DEPENDS ${UK_DYN_OBJ}/crt-dyn.o ${obj} ${deps}
    COMMENT "dynamic app ${out}" VERBATIM)
  set(UK_DYN_OUTPUTS ${UK_DYN_OUTPUTS} ${out} PARENT_SCOPE)
endfunction()

# The dynamic boot pieces.
uk_dyn_compile(${UK_DYN_OBJ}/crt-dyn.o ${UK_DYN_SRC}/boot/start.S)
uk_dyn_compile(${UK_DYN_OBJ}/musl_hooks.o ${UK_DYN_SRC}/boot/musl_hooks.S)
uk_dyn_compile(${UK_DYN_OBJ}/boot_dyn.o ${UK_DYN_SRC}/boot/boot_dyn.c)

# libmusl.so and libboot.so, default and variants.
function(uk_dyn_base_libs dir ldflags)
  uk_dyn_shared(${dir}/libmusl.so libmusl.so LDFLAGS ${ldflags}
    INPUTS ${UK_DYN_OBJ}/musl_hooks.o ${UK_LIB_DIR}/gccrt.o WHOLE ${UK_MUSL_LIBDIR}/libc.a)
  uk_dyn_shared(${dir}/libboot.so libboot.so LDFLAGS ${ldflags} INPUTS ${UK_DYN_OBJ}/boot_dyn.o LIBS libmusl.so)
  set(UK_DYN_OUTPUTS ${UK_DYN_OUTPUTS} PARENT_SCOPE)
endfunction()
uk_dyn_base_libs(${UK_DYNLIB_DIR} "${UK_DYN_LDFLAGS}")
foreach(v ${UK_DYN_VARIANTS})
  file(MAKE_DIRECTORY ${UK_DYNLIB_DIR}/variants/${v})
  uk_dyn_base_libs(${UK_DYNLIB_DIR}/variants/${v} "${UK_DYN_LDFLAGS_${v}}")
endforeach()

# The libraries of every app and the apps (UK_APP_SPECS: name=boot.o,musl.o,
# gccrt.o,LIB.o...,name.o).
set(UK_DYN_LIBS_DONE boot musl gccrt)
foreach(spec ${UK_APP_SPECS})
  string(FIND "${spec}" "=" eq)
  string(SUBSTRING "${spec}" 0 ${eq} app)
  math(EXPR from "${eq} + 1")
  string(SUBSTRING "${spec}" ${from} -1 objs)
  string(REPLACE "," ";" objs "${objs}")
  set(app_libs)
  foreach(o ${objs})
    get_filename_component(lib ${o} NAME_WE)
    if(lib STREQUAL app OR lib STREQUAL "boot" OR lib STREQUAL "musl" OR lib STREQUAL "gccrt")
      continue()
    endif()
    if(lib MATCHES "^lib")
      set(so ${lib}.so)
    else()
      set(so lib${lib}.so)
    endif()
    list(APPEND app_libs ${so})
    if(NOT lib IN_LIST UK_DYN_LIBS_DONE)
      list(APPEND UK_DYN_LIBS_DONE ${lib})
      uk_dyn_shared(${UK_DYNLIB_DIR}/${so} ${so} INPUTS ${o} LIBS libmusl.so)
    endif()
  endforeach()
  uk_dyn_app(${UK_CORPUS_DIR}/${app}/${app}.so ${UK_LIB_DIR}/${app}.o LIBS ${app_libs})
endforeach()

# Link variants of helloworld, each with its own boot and musl libraries.
foreach(v ${UK_DYN_VARIANTS})
  uk_dyn_app(${UK_CORPUS_DIR}/helloworld/helloworld-${v}.so ${UK_LIB_DIR}/helloworld.o
             LDFLAGS ${UK_DYN_LDFLAGS_${v}})
endforeach()

# Test-only corpus (tests/dyn): TLS, interposition, weak symbols, copy
# relocations, ifuncs, registers, a missing symbol, a missing library.
set(t ${UK_DYN_SRC}/testcorpus)
set(UK_DYN_APP_CFLAGS ${UK_CFLAGS})
list(REMOVE_ITEM UK_DYN_APP_CFLAGS -fPIC)
foreach(n dyntest_lib dyntest2_lib dynmissing_lib dynghost_lib)
  uk_dyn_compile(${UK_DYN_OBJ}/${n}.o ${t}/${n}.c)
endforeach()
uk_dyn_compile(${UK_DYN_OBJ}/dynmissing_lib_runtime.o ${t}/dynmissing_lib.c -DDYNMISSING_RUNTIME)
# Apps: position-independent executable code (-fPIE), so their references
# to library data are copy relocations, as in ordinary PIEs.
add_custom_command(OUTPUT ${UK_DYN_OBJ}/dyntest_app.o ${UK_DYN_OBJ}/dynmissing_app.o ${UK_DYN_OBJ}/dynghost_app.o
  COMMAND ${UK_MUSL_GCC} ${UK_DYN_APP_CFLAGS} -fPIE -c ${t}/dyntest_app.c -o ${UK_DYN_OBJ}/dyntest_app.o
  COMMAND ${UK_MUSL_GCC} ${UK_DYN_APP_CFLAGS} -fPIE -c ${t}/dynmissing_app.c -o ${UK_DYN_OBJ}/dynmissing_app.o
  COMMAND ${UK_MUSL_GCC} ${UK_DYN_APP_CFLAGS} -fPIE -c ${t}/dynghost_app.c -o ${UK_DYN_OBJ}/dynghost_app.o
  DEPENDS ${t}/dyntest_app.c ${t}/dynmissing_app.c ${t}/dynghost_app.c
  COMMENT "musl-gcc dynamic test apps" VERBATIM)

# libdyntest2 needs libdyntest, has DT_INIT/DT_FINI; both also in every
# variant directory, linked with that variant's options.
foreach(v default ${UK_DYN_VARIANTS})
  if(v STREQUAL "default")
    set(dir ${UK_DYNLIB_DIR})
    set(flags ${UK_DYN_LDFLAGS})
  else()
    set(dir ${UK_DYNLIB_DIR}/variants/${v})
    set(flags ${UK_DYN_LDFLAGS_${v}})
  endif()
  uk_dyn_shared(${dir}/libdyntest.so libdyntest.so INPUTS ${UK_DYN_OBJ}/dyntest_lib.o LDFLAGS ${flags}
                LIBS libmusl.so)
  uk_dyn_shared(${dir}/libdyntest2.so libdyntest2.so INPUTS ${UK_DYN_OBJ}/dyntest2_lib.o
                LDFLAGS ${flags} -init=dyntest2_dt_init -fini=dyntest2_dt_fini LIBS libdyntest.so libmusl.so)
endforeach()
uk_dyn_shared(${UK_DYNLIB_DIR}/libdynmissing.so libdynmissing.so INPUTS ${UK_DYN_OBJ}/dynmissing_lib_runtime.o
              LIBS libmusl.so)
uk_dyn_shared(${UK_DYN_LINKONLY}/libdynmissing.so libdynmissing.so INPUTS ${UK_DYN_OBJ}/dynmissing_lib.o
              LIBS libmusl.so)
uk_dyn_shared(${UK_DYN_LINKONLY}/libdynghost.so libdynghost.so INPUTS ${UK_DYN_OBJ}/dynghost_lib.o LIBS libmusl.so)
# libdyntest2 first: loaded (and searched) before libdyntest, which it needs.
uk_dyn_app(${UK_DYN_TEST_DIR}/dyntest.so ${UK_DYN_OBJ}/dyntest_app.o LIBS libdyntest2.so libdyntest.so)
uk_dyn_app(${UK_DYN_TEST_DIR}/dynmissing.so ${UK_DYN_OBJ}/dynmissing_app.o LIBS libdynmissing.so
           LIBDIRS ${UK_DYN_LINKONLY})
uk_dyn_app(${UK_DYN_TEST_DIR}/dynghost.so ${UK_DYN_OBJ}/dynghost_app.o LIBS libdynghost.so
           LIBDIRS ${UK_DYN_LINKONLY})
# dynghost with the directory of libdynghost.so in the app: DT_RUNPATH
# $ORIGIN/lib, ${ORIGIN}/lib, DT_RPATH $ORIGIN/lib (tests/dyn SearchPath.*).
uk_dyn_app(${UK_DYN_TEST_DIR}/dynorigin.so ${UK_DYN_OBJ}/dynghost_app.o LIBS libdynghost.so
           LIBDIRS ${UK_DYN_LINKONLY} LDFLAGS ${UK_DYN_LDFLAGS} --enable-new-dtags -rpath $ORIGIN/lib)
uk_dyn_app(${UK_DYN_TEST_DIR}/dynorigin-braces.so ${UK_DYN_OBJ}/dynghost_app.o LIBS libdynghost.so
           LIBDIRS ${UK_DYN_LINKONLY} LDFLAGS ${UK_DYN_LDFLAGS} --enable-new-dtags -rpath \${ORIGIN}/lib)
uk_dyn_app(${UK_DYN_TEST_DIR}/dynrpath.so ${UK_DYN_OBJ}/dynghost_app.o LIBS libdynghost.so
           LIBDIRS ${UK_DYN_LINKONLY} LDFLAGS ${UK_DYN_LDFLAGS} --disable-new-dtags -rpath $ORIGIN/lib)

add_custom_target(dyncorpus ALL DEPENDS ${UK_DYN_OUTPUTS})
