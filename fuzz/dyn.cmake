# uk-dyn-run's object parsing, symbol lookup (GNU and SysV hash) and
# relocation planning, built for the host libc (ukdyn_host,
# dyn-loader/host.cmake), on arbitrary bytes; mutations aimed at the ELF
# structures (elf_mutator.cc).
uk_fuzzer(dyn-object SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_dyn_object.cc ${CMAKE_CURRENT_LIST_DIR}/elf_mutator.cc
          LIBS ukdyn_host)
