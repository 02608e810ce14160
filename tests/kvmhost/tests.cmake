# uk-kvm-run's host-side modules (kvm-loader/host/): the Firecracker-style
# --config-file parser (good file, every bad-input class by message) and the
# --share DIR file service (round trips, escapes refused, fd table bounds,
# no host fd leaks), both with openat2 and with the O_NOFOLLOW walk.
add_executable(uk-kvmhost-tests kvmhost/test_config_file.cc kvmhost/test_share_fs.cc kvmhost/test_share_escape.cc)
target_link_libraries(uk-kvmhost-tests PRIVATE ukkvm_host GTest::gtest_main)
uk_warnings(uk-kvmhost-tests)
uk_sanitize(uk-kvmhost-tests)
gtest_discover_tests(uk-kvmhost-tests DISCOVERY_TIMEOUT 60)
