# The layout registry (toolchain/registry.*) on arbitrary JSON.
uk_fuzzer(registry SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_registry.cc LIBS ukslt_toolchain)
