# uk-dyn-run (dyn-loader/) on the dynamic corpus (unikernels/dynamic/):
# every app as under its static ELF, lazy and eager; TLS, interposition,
# weak symbols, copy relocations, ifuncs, registers; --invoke; link
# variants; missing libraries and symbols; hostile ELF files.
list(JOIN UK_APPS "," uk_dyn_apps)
add_executable(uk-dyn-tests dyn/dyn_util.cc dyn/elf_patch.cc dyn/test_dyn_corpus.cc dyn/test_dyn_features.cc
               dyn/test_dyn_invoke.cc dyn/test_dyn_hostile.cc dyn/test_dyn_hardening.cc dyn/test_dyn_origin.cc)
target_include_directories(uk-dyn-tests PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(uk-dyn-tests PRIVATE uk_test_support GTest::gtest_main)
target_compile_definitions(uk-dyn-tests PRIVATE UK_DYNLIB_DIR="${UK_DYNLIB_DIR}" UK_DYN_TEST_DIR="${UK_DYN_TEST_DIR}"
                                                UK_DYN_APPS="${uk_dyn_apps}" UK_DYN_LINKONLY_DIR="${UK_DYN_LINKONLY}")
uk_warnings(uk-dyn-tests)
uk_sanitize(uk-dyn-tests)
add_dependencies(uk-dyn-tests corpus dyncorpus uk-dyn-run)
gtest_discover_tests(uk-dyn-tests DISCOVERY_TIMEOUT 60)

# uk-dyn-run's parsing, lookup and relocation code built for the host libc
# (ukdyn_host) on the corpus's objects in ordinary memory: under ASan in the
# sanitizer build.
add_executable(uk-dyn-host-tests dyn/test_dyn_host.cc dyn/dyn_util.cc dyn/elf_patch.cc)
target_include_directories(uk-dyn-host-tests PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(uk-dyn-host-tests PRIVATE ukdyn_host uk_test_support GTest::gtest_main)
target_compile_definitions(uk-dyn-host-tests PRIVATE UK_DYNLIB_DIR="${UK_DYNLIB_DIR}" UK_DYN_TEST_DIR="${UK_DYN_TEST_DIR}")
uk_warnings(uk-dyn-host-tests)
uk_sanitize(uk-dyn-host-tests)
add_dependencies(uk-dyn-host-tests corpus dyncorpus)
gtest_discover_tests(uk-dyn-host-tests DISCOVERY_TIMEOUT 60)
