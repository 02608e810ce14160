# uk-slt pack on the user's path (issue 11): platform libraries added from
# where uk-slt is, --dynamic, objects refused for a missing -fPIC, cflags
# from the one definition, every pool reader naming the pool it looked in.
add_executable(uk-pack-tests ${CMAKE_CURRENT_LIST_DIR}/test_pack_platform.cc)
target_include_directories(uk-pack-tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(uk-pack-tests PRIVATE uk_test_support GTest::gtest_main)
target_compile_definitions(uk-pack-tests PRIVATE UK_MUSL_GCC="${UK_MUSL_GCC}" UK_LD="${UK_LD}"
  UK_PC_FILE="${CMAKE_BINARY_DIR}/uk-slt.pc")
uk_warnings(uk-pack-tests)
uk_sanitize(uk-pack-tests)
add_dependencies(uk-pack-tests corpus corpus-kvm dyncorpus uk-slt uk-slt-run uk-dyn-run)
gtest_discover_tests(uk-pack-tests DISCOVERY_TIMEOUT 60)
