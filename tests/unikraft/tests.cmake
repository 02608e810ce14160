# Real Unikraft RELEASE-0.16.3 linuxu unikernels (unikraft-patches/): the
# patch series applies, helloworld and sltcheck build, run directly and via
# uk-slt-run alike, share every common library; option off is stock; bad
# inputs of the unikraft profile. Needs the pinned tarballs
# (../shared/unikraft beside the repository, or $UK_UNIKRAFT_DIR); the tests
# skip without them. The fixture test unikraft-build runs build.sh once
# (both apps, about a minute on a loaded 2-core machine) for all of them.
set(UK_UNIKRAFT_TEST_DIR ${CMAKE_BINARY_DIR}/unikraft-tests)
add_executable(uk-unikraft-tests unikraft/test_unikraft.cc)
target_include_directories(uk-unikraft-tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(uk-unikraft-tests PRIVATE uk_test_support GTest::gtest_main)
target_compile_definitions(uk-unikraft-tests PRIVATE UK_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
                                                     UK_UNIKRAFT_TEST_DIR="${UK_UNIKRAFT_TEST_DIR}")
uk_warnings(uk-unikraft-tests)
uk_sanitize(uk-unikraft-tests)
add_dependencies(uk-unikraft-tests uk-slt uk-slt-run)
add_test(NAME unikraft-build
         COMMAND ${CMAKE_SOURCE_DIR}/unikraft-patches/build.sh --if-present --bin ${CMAKE_BINARY_DIR}/bin
                 --out ${UK_UNIKRAFT_TEST_DIR})
set_tests_properties(unikraft-build PROPERTIES FIXTURES_SETUP unikraft TIMEOUT 900)
gtest_discover_tests(uk-unikraft-tests DISCOVERY_TIMEOUT 60 PROPERTIES FIXTURES_REQUIRED unikraft TIMEOUT 900)
