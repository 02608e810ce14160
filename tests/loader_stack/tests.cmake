# Initial-stack room check of both loaders (loader-common/stack_room.*):
# end to end on uk-slt-run and uk-dyn-run, and the decision itself (the
# source built for the host libc here; the loaders build it for musl).
add_executable(uk-stack-tests loader_stack/test_stack_room.cc ${CMAKE_SOURCE_DIR}/loader-common/stack_room.cc)
target_include_directories(uk-stack-tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_SOURCE_DIR}/loader-common)
target_link_libraries(uk-stack-tests PRIVATE uk_test_support GTest::gtest_main)
uk_warnings(uk-stack-tests)
uk_sanitize(uk-stack-tests)
add_dependencies(uk-stack-tests corpus uk-slt-run)
if(TARGET uk-dyn-run AND TARGET dyncorpus)
  add_dependencies(uk-stack-tests uk-dyn-run dyncorpus)
endif()
gtest_discover_tests(uk-stack-tests DISCOVERY_TIMEOUT 60)
