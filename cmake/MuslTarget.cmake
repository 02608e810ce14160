# C++20 code linked against musl as a static PIE, without the libstdc++
# runtime (no exceptions, no RTTI, header-only parts of the standard library
# only). Used for the loaders, whose start-up must stay close to a static
# musl binary's: a glibc static PIE alone starts about twice as slowly.
execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=include
                OUTPUT_VARIABLE UK_GCC_INCDIR OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-libgcc-file-name
                OUTPUT_VARIABLE UK_LIBGCC OUTPUT_STRIP_TRAILING_WHITESPACE)
set(UK_MUSL_CXX_FLAGS -nostdinc)
foreach(dir ${CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES})
  if(dir MATCHES "/c\\+\\+/")
    list(APPEND UK_MUSL_CXX_FLAGS -isystem${dir})
  endif()
endforeach()
list(APPEND UK_MUSL_CXX_FLAGS -isystem${UK_MUSL_INCDIR} -isystem${UK_GCC_INCDIR}
     "-D__GLIBC_PREREQ(maj,min)=0" -fno-exceptions -fno-rtti -fno-asynchronous-unwind-tables
     -fno-threadsafe-statics -fPIE)

function(uk_musl_target target)
  target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CXX>:${UK_MUSL_CXX_FLAGS}>")
endfunction()

function(uk_musl_executable target)
  uk_musl_target(${target})
  set_target_properties(${target} PROPERTIES LINKER_LANGUAGE CXX)
  target_link_options(${target} PRIVATE -static-pie -nostdlib -nostartfiles
                      ${UK_MUSL_LIBDIR}/rcrt1.o ${UK_MUSL_LIBDIR}/crti.o)
  target_link_libraries(${target} PRIVATE ${UK_MUSL_LIBDIR}/libc.a ${UK_LIBGCC} ${UK_MUSL_LIBDIR}/crtn.o)
endfunction()
