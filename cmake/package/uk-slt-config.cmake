# uk-slt's CMake package, for a user's own project:
#
#   find_package(uk-slt REQUIRED)            (CMAKE_PREFIX_PATH=<prefix> if not in /usr)
#   uk_add_library(NAME SOURCES src.c... [CFLAGS flag...])
#   uk_add_app(NAME [LIBS lib...] [DYNAMIC])
#
# uk_add_library compiles the sources with musl-gcc and the flags the
# toolchain needs (UkSltFlags.cmake) and combines them with `ld -r` into one
# library object, ${CMAKE_BINARY_DIR}/uk-libs/NAME.o (what Unikraft's build
# leaves in build/libNAME.o). uk_add_app packs an app from the installed
# platform libraries (boot, musl, gccrt), the LIBS given (in link order) and
# its own library NAME (define it with uk_add_library first) into
# ${UK_SLT_POOL}, writing ${UK_SLT_OUT_DIR}/NAME/NAME.{elf,img,desc}; with
# DYNAMIC also NAME.so for uk-dyn-run and lib<lib>.so for each of LIBS in
# ${CMAKE_BINARY_DIR}/dynlib.
#
# Variables: UK_SLT_TOOL, UK_SLT_RUN, UK_DYN_RUN (the installed tools),
# UK_SLT_POOL (cache, default ${CMAKE_BINARY_DIR}/pool), UK_SLT_OUT_DIR
# (${CMAKE_BINARY_DIR}/unikernels), UK_SLT_OBJECT_CFLAGS.
include_guard(GLOBAL)
get_filename_component(_uk_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
include(${CMAKE_CURRENT_LIST_DIR}/UkSltFlags.cmake)

set(UK_SLT_TOOL ${_uk_prefix}/bin/uk-slt)
set(UK_SLT_RUN ${_uk_prefix}/bin/uk-slt-run)
set(UK_DYN_RUN ${_uk_prefix}/bin/uk-dyn-run)
set(UK_SLT_PLATFORM_DIR ${_uk_prefix}/lib/uk-slt/linuxu)
set(UK_SLT_DYNLIB_DIR ${_uk_prefix}/lib/uk-slt/dynamic)
foreach(f ${UK_SLT_TOOL} ${UK_SLT_PLATFORM_DIR}/boot.o ${UK_SLT_PLATFORM_DIR}/musl.o ${UK_SLT_PLATFORM_DIR}/gccrt.o)
  if(NOT EXISTS ${f})
    set(uk-slt_FOUND FALSE)
    set(uk-slt_NOT_FOUND_MESSAGE "uk-slt installation under ${_uk_prefix} is incomplete: ${f} is missing")
    return()
  endif()
endforeach()
find_program(UK_SLT_MUSL_GCC NAMES x86_64-linux-musl-gcc musl-gcc)
find_program(UK_SLT_LD NAMES ld.bfd ld)
if(NOT UK_SLT_MUSL_GCC OR NOT UK_SLT_LD)
  set(uk-slt_FOUND FALSE)
  set(uk-slt_NOT_FOUND_MESSAGE "uk-slt needs musl-gcc and ld: install the Debian packages 'musl-tools' and 'binutils'")
  return()
endif()
set(UK_SLT_POOL ${CMAKE_BINARY_DIR}/pool CACHE PATH "library pool the apps are packed into")
set(UK_SLT_OUT_DIR ${CMAKE_BINARY_DIR}/unikernels)
set(_uk_lib_dir ${CMAKE_BINARY_DIR}/uk-libs)
set(_uk_dynlib_dir ${CMAKE_BINARY_DIR}/dynlib)

function(uk_add_library name)
  cmake_parse_arguments(L "" "" "SOURCES;CFLAGS" ${ARGN})
  if(NOT L_SOURCES)
    message(FATAL_ERROR "uk_add_library(${name}): no SOURCES")
  endif()
  set(objs)
  foreach(src ${L_SOURCES})
    if(NOT IS_ABSOLUTE ${src})
      set(src ${CMAKE_CURRENT_SOURCE_DIR}/${src})
    endif()
    get_filename_component(base ${src} NAME)
    set(obj ${_uk_lib_dir}/${name}.d/${base}.o)
    add_custom_command(OUTPUT ${obj}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${_uk_lib_dir}/${name}.d
      COMMAND ${UK_SLT_MUSL_GCC} ${UK_SLT_OBJECT_CFLAGS} -ffile-prefix-map=${CMAKE_SOURCE_DIR}=. ${L_CFLAGS}
              -c ${src} -o ${obj}
      DEPENDS ${src} COMMENT "musl-gcc ${name}/${base}" VERBATIM)
    list(APPEND objs ${obj})
  endforeach()
  add_custom_command(OUTPUT ${_uk_lib_dir}/${name}.o
    COMMAND ${UK_SLT_LD} -r ${objs} -o ${_uk_lib_dir}/${name}.o
    DEPENDS ${objs} COMMENT "uk-slt library ${name}" VERBATIM)
  add_custom_target(uk-lib-${name} DEPENDS ${_uk_lib_dir}/${name}.o)
endfunction()

function(uk_add_app name)
  cmake_parse_arguments(A "DYNAMIC" "" "LIBS" ${ARGN})
  if(NOT TARGET uk-lib-${name})
    message(FATAL_ERROR "uk_add_app(${name}): define the app's own library first: uk_add_library(${name} SOURCES ...)")
  endif()
  set(objs ${UK_SLT_PLATFORM_DIR}/boot.o ${UK_SLT_PLATFORM_DIR}/musl.o ${UK_SLT_PLATFORM_DIR}/gccrt.o)
  foreach(l ${A_LIBS} ${name})
    if(NOT TARGET uk-lib-${l})
      message(FATAL_ERROR "uk_add_app(${name}): library '${l}' is not defined with uk_add_library")
    endif()
    list(APPEND objs ${_uk_lib_dir}/${l}.o)
  endforeach()
  list(JOIN objs "," joined)
  set(dir ${UK_SLT_OUT_DIR}/${name})
  set(outputs ${dir}/${name}.elf ${dir}/${name}.img ${dir}/${name}.desc)
  add_custom_command(OUTPUT ${outputs}
    COMMAND ${UK_SLT_TOOL} --pool ${UK_SLT_POOL} pack --out-dir ${UK_SLT_OUT_DIR} "${name}=${joined}"
    DEPENDS ${objs} COMMENT "uk-slt pack ${name}" VERBATIM)
  if(A_DYNAMIC)
    set(needed -l:libboot.so)
    foreach(l ${A_LIBS})
      set(so ${_uk_dynlib_dir}/lib${l}.so)
      if(NOT TARGET uk-dynlib-${l})
        add_custom_command(OUTPUT ${so}
          COMMAND ${CMAKE_COMMAND} -E make_directory ${_uk_dynlib_dir}
          COMMAND ${UK_SLT_LD} -shared -soname lib${l}.so ${UK_SLT_DYN_LDFLAGS} -o ${so} ${_uk_lib_dir}/${l}.o
                  -L${UK_SLT_DYNLIB_DIR} -l:libmusl.so
          DEPENDS ${_uk_lib_dir}/${l}.o COMMENT "shared object lib${l}.so" VERBATIM)
        add_custom_target(uk-dynlib-${l} DEPENDS ${so})
      endif()
      list(APPEND needed -l:lib${l}.so)
      list(APPEND outputs ${so})
    endforeach()
    list(APPEND needed -l:libmusl.so)
    add_custom_command(OUTPUT ${dir}/${name}.so
      COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
      COMMAND ${UK_SLT_LD} -pie --no-dynamic-linker -E ${UK_SLT_DYN_LDFLAGS} -o ${dir}/${name}.so
              ${UK_SLT_DYNLIB_DIR}/crt-dyn.o ${_uk_lib_dir}/${name}.o -L${_uk_dynlib_dir} -L${UK_SLT_DYNLIB_DIR}
              ${needed}
      DEPENDS ${_uk_lib_dir}/${name}.o ${outputs} COMMENT "dynamic app ${name}.so" VERBATIM)
    list(APPEND outputs ${dir}/${name}.so)
  endif()
  add_custom_target(uk-app-${name} ALL DEPENDS ${outputs})
endfunction()
