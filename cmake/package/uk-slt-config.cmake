# uk-slt's CMake package, for a user's own project:
#
#   find_package(uk-slt REQUIRED)            (CMAKE_PREFIX_PATH=<prefix> if not in /usr)
#   uk_add_library(NAME SOURCES src.c... [CFLAGS flag...])
#   uk_add_app(NAME [LIBS lib...] [DYNAMIC] [PLATFORM linuxu|kvm...])
#
# uk_add_library compiles the sources with musl-gcc and the flags the
# toolchain needs (UkSltFlags.cmake) and combines them with `ld -r` into one
# library object, ${CMAKE_BINARY_DIR}/uk-libs/NAME.o (what Unikraft's build
# leaves in build/libNAME.o). uk_add_app packs an app made of the LIBS
# given (in link order) and its own library NAME (define it with
# uk_add_library first) into ${UK_SLT_POOL} with `uk-slt pack`, which adds
# the installed platform libraries itself (boot, musl, gccrt; kvmplat for
# kvm), writing ${UK_SLT_OUT_DIR}/NAME/NAME.{elf,img,desc} (PLATFORM linuxu,
# the default) and NAME.kvm.{elf,img,desc} (PLATFORM kvm, for uk-kvm-run);
# with DYNAMIC (linuxu) also NAME.so for uk-dyn-run and lib<lib>.so for each
# of LIBS beside it (`pack --dynamic`).
#
# Variables: UK_SLT_TOOL, UK_SLT_RUN, UK_DYN_RUN, UK_KVM_RUN (the installed tools),
# UK_SLT_POOL (cache, default ${CMAKE_BINARY_DIR}/pool), UK_SLT_OUT_DIR
# (${CMAKE_BINARY_DIR}/unikernels), UK_SLT_OBJECT_CFLAGS.
include_guard(GLOBAL)
get_filename_component(_uk_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
include(${CMAKE_CURRENT_LIST_DIR}/UkSltFlags.cmake)

set(UK_SLT_TOOL ${_uk_prefix}/bin/uk-slt)
set(UK_SLT_RUN ${_uk_prefix}/bin/uk-slt-run)
set(UK_DYN_RUN ${_uk_prefix}/bin/uk-dyn-run)
set(UK_KVM_RUN ${_uk_prefix}/bin/uk-kvm-run)
set(UK_SLT_KVM_DIR ${_uk_prefix}/lib/uk-slt/kvm)
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
  cmake_parse_arguments(A "DYNAMIC" "" "LIBS;PLATFORM" ${ARGN})
  if(NOT TARGET uk-lib-${name})
    message(FATAL_ERROR "uk_add_app(${name}): define the app's own library first: uk_add_library(${name} SOURCES ...)")
  endif()
  if(NOT A_PLATFORM)
    set(A_PLATFORM linuxu)
  endif()
  set(objs)
  foreach(l ${A_LIBS} ${name})
    if(NOT TARGET uk-lib-${l})
      message(FATAL_ERROR "uk_add_app(${name}): library '${l}' is not defined with uk_add_library")
    endif()
    list(APPEND objs ${_uk_lib_dir}/${l}.o)
  endforeach()
  list(JOIN objs "," joined)
  set(dir ${UK_SLT_OUT_DIR}/${name})
  # One pack per platform, in order, into the same pool: uk-slt adds the
  # platform libraries itself; --dynamic also links NAME.so and lib<l>.so.
  set(outputs)
  set(commands)
  foreach(p ${A_PLATFORM})
    if(p STREQUAL "linuxu")
      set(base ${name})
      set(flags)
      if(A_DYNAMIC)
        set(flags --dynamic)
        list(APPEND outputs ${dir}/${name}.so)
        foreach(l ${A_LIBS})
          if(l MATCHES "^lib")
            list(APPEND outputs ${dir}/${l}.so)
          else()
            list(APPEND outputs ${dir}/lib${l}.so)
          endif()
        endforeach()
      endif()
    elseif(p STREQUAL "kvm")
      if(NOT EXISTS ${UK_KVM_RUN} OR NOT EXISTS ${UK_SLT_KVM_DIR}/kvmplat.o)
        message(FATAL_ERROR "uk_add_app(${name}): PLATFORM kvm, but this uk-slt has no uk-kvm-run or kvmplat.o")
      endif()
      set(base ${name}.kvm)
      set(flags --platform kvm)
    else()
      message(FATAL_ERROR "uk_add_app(${name}): unknown PLATFORM '${p}' (linuxu or kvm)")
    endif()
    list(APPEND outputs ${dir}/${base}.elf ${dir}/${base}.img ${dir}/${base}.desc)
    list(APPEND commands COMMAND ${UK_SLT_TOOL} --pool ${UK_SLT_POOL} pack ${flags} --out-dir ${UK_SLT_OUT_DIR}
         "${name}=${joined}")
  endforeach()
  add_custom_command(OUTPUT ${outputs} ${commands}
    DEPENDS ${objs} ${UK_SLT_TOOL} COMMENT "uk-slt pack ${name} (${A_PLATFORM})" VERBATIM)
  add_custom_target(uk-app-${name} ALL DEPENDS ${outputs})
endfunction()
