# Installed use: `cmake --install` into a temporary prefix, then the example
# project (examples/bzip2) built against that prefix with find_package(uk-slt),
# run every way against the host's bzip2.
add_executable(uk-install-tests ${CMAKE_CURRENT_LIST_DIR}/test_install.cc)
target_include_directories(uk-install-tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(uk-install-tests PRIVATE uk_test_support GTest::gtest_main)
target_compile_definitions(uk-install-tests PRIVATE UK_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
  UK_BUILD_DIR="${CMAKE_BINARY_DIR}" UK_CMAKE="${CMAKE_COMMAND}" UK_CPACK="${CMAKE_CPACK_COMMAND}" UK_DEBIAN_SRC="${UK_DEBIAN_SRC_DIR}")
uk_warnings(uk-install-tests)
uk_sanitize(uk-install-tests)
add_dependencies(uk-install-tests corpus corpus-kvm dyncorpus uk-slt uk-slt-run uk-dyn-run uk-kvm-run)
gtest_discover_tests(uk-install-tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600)
