# load_library (toolchain/library.*): a library object's sections and
# symbols classified and bounded, on arbitrary bytes, with the ELF mutator.
uk_fuzzer(library SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_library.cc LIBS ukslt_toolchain)
