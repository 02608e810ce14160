# The description file parser and validator (common/desc.*), as the loaders
# run it on a hostile file.
uk_fuzzer(desc SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_desc.cc LIBS ukcore)
