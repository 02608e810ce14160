# One set of command-line conventions for every tool (README "Command-line
# conventions"): help, version, unknown options and subcommands, missing
# arguments, exit statuses, the loaders' status when the unikernel dies of a
# signal, and the progress line (quiet unless stderr is a terminal).
add_executable(uk-cli-tests cli/test_cli_conventions.cc cli/test_cli_status.cc cli/test_flags.cc)
target_include_directories(uk-cli-tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_SOURCE_DIR}/loader-common)
target_link_libraries(uk-cli-tests PRIVATE uk_test_support GTest::gtest_main)
target_compile_definitions(uk-cli-tests PRIVATE UK_DYNLIB_DIR="${UK_DYNLIB_DIR}")
uk_warnings(uk-cli-tests)
uk_sanitize(uk-cli-tests)
add_dependencies(uk-cli-tests corpus dyncorpus uk-slt uk-slt-run uk-dyn-run uk-kvm-run uk-bench-linuxu uk-bench-dyn
                 uk-bench-kvm uk-bench-aslr)
gtest_discover_tests(uk-cli-tests DISCOVERY_TIMEOUT 60)
