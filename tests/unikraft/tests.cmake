# Real Unikraft RELEASE-0.16.3 linuxu unikernels (unikraft-patches/): the
# patch series applies, helloworld and sltcheck build, run directly and via
# uk-slt-run alike, share every common library; option off is stock; bad
# inputs of the unikraft profile. Needs the pinned tarballs
# (../shared/unikraft beside the repository, or $UK_UNIKRAFT_DIR); skips
# without them.
add_executable(uk-unikraft-tests unikraft/test_unikraft.cc)
target_link_libraries(uk-unikraft-tests PRIVATE uk_test_support GTest::gtest_main)
target_compile_definitions(uk-unikraft-tests PRIVATE UK_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
uk_warnings(uk-unikraft-tests)
uk_sanitize(uk-unikraft-tests)
add_dependencies(uk-unikraft-tests uk-slt uk-slt-run)
gtest_discover_tests(uk-unikraft-tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 900)
