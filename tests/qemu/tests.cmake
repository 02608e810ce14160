# The KVM image booted by a standard monitor: QEMU's microvm boots
# APP.kvm.elf through its PVH note (kvm-loader/guest/pvh_entry.S), with KVM
# and with TCG; output and exit status equal the direct linuxu run. Skips
# with one line where qemu-system-x86_64 (Debian: qemu-system-x86) or, for
# the KVM cases, /dev/kvm is missing.
add_executable(uk-qemu-tests qemu/test_qemu_boot.cc)
target_include_directories(uk-qemu-tests PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(uk-qemu-tests PRIVATE uk_test_support GTest::gtest_main)
uk_warnings(uk-qemu-tests)
uk_sanitize(uk-qemu-tests)
add_dependencies(uk-qemu-tests corpus corpus-kvm)
gtest_discover_tests(uk-qemu-tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 180)
